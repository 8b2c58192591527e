# The two commands: `make demo` runs the product on its embedded defaults,
# `make test` runs every check. Both set up everything they need.
UV := scripts/uv

# Python and every xerodesk process the tests start reuse compiled bytecode
# (kept in .pycache beside the environment folder), even where the shell says
# not to write it, as an installed copy does: otherwise each process compiles
# its imports again, about two seconds of CPU a start. Not inside .venv: a
# Python run before the environment exists (installing uv) would make that
# folder, and uv then refuses it as an environment without Python.
export PYTHONPYCACHEPREFIX := $(CURDIR)/.pycache
unexport PYTHONDONTWRITEBYTECODE

.PHONY: sync test test-slow lint demo demo-app bundle deb deb-check wheel-check bench reliability

sync:
	$(UV) sync --locked

lint: sync
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run lint-imports

# Most tests wait on subprocesses, servers and the network, so four workers
# share the two cores well. The desktop app's tests run in a process of their
# own, so that no Qt object they leave behind meets the event processing
# pytest-qt does after later tests.
test: lint
	scripts/ensure-databases
	$(UV) run pytest --ignore=tests/gui -n 4 --dist load -m "not slow"
	$(UV) run pytest tests/gui

# The long runs: kill -9 trials of tests/engine, the 1,000-call backfill, the
# large generator. (The reliability suite runs in `make test` at its small size.)
test-slow: sync
	scripts/ensure-databases
	$(UV) run pytest --ignore=tests/gui -n 4 --dist load -m slow

demo: sync
	$(UV) run xerodesk demo --headless

demo-app: sync
	$(UV) run xerodesk demo

# The benchmark (see benchmarks/RESULTS.md): make bench SIZE=medium DB=postgresql
SIZE ?= small
DB ?= sqlite
bench: sync
	@if [ "$(DB)" != sqlite ]; then scripts/ensure-databases; fi
	$(UV) run python -m benchmarks --size $(SIZE) --db $(DB)

# The Linux app bundle (dist/xerodesk/ and its .tar.gz), smoke-tested; see packaging/README.md.
bundle:
	scripts/build-bundle

# The Debian package dist/xerodesk_<version>-1_<arch>.deb, from a new bundle, lintian-clean;
# then, as root, its release check on this machine: install, demo as a normal
# user, the service against a sandbox, upgrade, remove, purge; then the service's
# half again under a real systemd, in a container (packaging/README.md).
deb:
	scripts/build-deb

deb-check:
	@test -n "$$(ls dist/xerodesk_*-1_*.deb 2>/dev/null)" || scripts/build-deb
	python3 scripts/check-deb
	python3 scripts/check-deb-systemd

# The wheel installed into a new environment runs `xerodesk --version` and `demo --headless`.
wheel-check:
	scripts/check-wheel

# The reliability suite at full size (make test runs it small): fault soak,
# crash trials, database faults, hostile input, secrets, concurrency, on two
# workers (about 15 minutes on two cores). Writes its figures under
# reliability/results and prints them.
reliability: sync
	scripts/ensure-databases
	rm -rf reliability/results
	mkdir -p reliability/results
	XERODESK_RELIABILITY_SIZE=medium XERODESK_RELIABILITY_RESULTS=reliability/results \
		$(UV) run pytest tests/reliability -p no:cacheprovider -rA -n 2 --dist load; \
		status=$$?; $(UV) run python -m tests.reliability.report reliability/results; exit $$status
