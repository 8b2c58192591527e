"""Test-wide set-up: offscreen Qt, private folders and keyring, database fixtures."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from xerodesk.logsetup import forget_secrets

_SUPPORT = Path(__file__).parent / "support"
pytest_plugins = [
    f"tests.support.{name}"
    for name in ("databases", "sandbox")
    if (_SUPPORT / f"{name}.py").exists()
]


@pytest.fixture(autouse=True)
def private_user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test sees its own home, XDG folders and keyring file, never the user's."""
    home = tmp_path / "home"
    for variable, sub in (
        ("HOME", ""),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        folder = home / sub
        folder.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(variable, str(folder))
    monkeypatch.delenv("XERODESK_HOME", raising=False)
    # the machine's defaults file is the test's own (empty: nothing set), never the machine's
    machine = home / "machine-defaults.toml"
    machine.write_text("")
    monkeypatch.setenv("XERODESK_DEFAULTS", str(machine))
    previous = keyring.get_keyring()
    backend = PlaintextKeyring()
    backend.file_path = str(home / "data" / "keyring.cfg")
    keyring.set_keyring(backend)
    yield home
    keyring.set_keyring(previous)
    forget_secrets()


#: the longest tests, longest first (measured at the small size ``make test``
#: runs): each matches the start of a test id
_LONG_FIRST = (
    "tests/reliability/test_secrets.py::",
    "tests/reliability/test_db_faults.py::test_database_faults_mid_pass_end_cleanly_and_converge[m",
    "tests/reliability/test_db_faults.py::",
    "tests/reliability/test_crash_trials.py::test_kills_during_pushes",
    "tests/reliability/test_crash_trials.py::test_kills_during_pulls",
    "tests/reliability/test_crash_trials.py::test_kills_during_migration",
    "tests/reliability/test_concurrency.py::",
    "tests/reliability/test_hostile_input.py::test_a_broken_body",
    "tests/reliability/test_fault_soak.py::",
    "tests/reliability/test_hostile_input.py::",
)


def _rank(item: pytest.Item) -> int:
    for rank, prefix in enumerate(_LONG_FIRST):
        if item.nodeid.startswith(prefix):
            return rank
    return len(_LONG_FIRST)


@pytest.hookimpl(trylast=True)  # after ``-m`` has deselected what will not run
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the long tests first, spread over the workers.

    ``--dist load`` gives each worker a first chunk of consecutive tests (a
    quarter of its share), then hands out the rest as workers finish: the long
    tests are dealt round-robin to the heads of those first chunks, so that none
    starts last and no worker gets them all.
    """
    long = sorted((item for item in items if _rank(item) < len(_LONG_FIRST)), key=_rank)
    rest = [item for item in items if _rank(item) == len(_LONG_FIRST)]
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    chunk = max(2, len(items) // max(workers, 1) // 4)
    if workers <= 1 or -(-len(long) // workers) > chunk:
        items[:] = long + rest
        return
    heads: list[list[pytest.Item]] = [long[w::workers] for w in range(workers)]
    ordered: list[pytest.Item] = []
    others = iter(rest)
    for head in heads:
        ordered += head + list(itertools.islice(others, chunk - len(head)))
    ordered += list(others)
    items[:] = ordered
