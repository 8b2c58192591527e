"""What scripts/check-deb and scripts/check-deb-systemd share: running commands,
waiting, the project's version and package names, the service's settings as an
admin edits them and systemd reads them, and the pass lines of its journal.

Standard library only: the machine's python3 runs the checks.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class CheckFailure(Exception):
    pass


def say(text: str) -> None:
    print(text, flush=True)


def run(args: list[str], timeout: float = 900, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``args`` run to the end; a failure raises CheckFailure with the command's output."""
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)
    if done.returncode != 0:
        raise CheckFailure(
            f"{shlex.join(args)} exited {done.returncode}:\n"
            f"{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )
    return done


def wait_for(condition: Callable[[], object], timeout: float, step: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def version() -> str:
    """The project's version, as xerodesk/__init__.py gives it."""
    found = re.search(
        r'^__version__ = "([^"]+)"', (ROOT / "xerodesk" / "__init__.py").read_text(), re.M
    )
    if found is None:
        raise CheckFailure("xerodesk/__init__.py gives no __version__")
    return found.group(1)


def package_path(revision: int) -> Path:
    """dist/xerodesk_<version>-<revision>_<arch>.deb, as scripts/build-deb names it."""
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    return ROOT / "dist" / f"xerodesk_{version()}-{revision}_{arch}.deb"


def revision_of(deb: Path) -> int:
    return int(deb.name.split("-")[-1].split("_")[0])


def build_revision(bundle: Path, revision: int) -> Path:
    """The same bundle packed again as ``revision`` (the upgrade the checks install)."""
    started = time.monotonic()
    run([str(ROOT / "scripts" / "build-deb"), "--bundle", str(bundle), "--revision",
         str(revision), "--no-lintian"], cwd=ROOT)  # fmt: skip
    built = package_path(revision)
    if not built.is_file():
        raise CheckFailure(f"build-deb --revision {revision} built no {built.name}")
    say(f"ok  upgrade package {built.name} built in {time.monotonic() - started:.0f} s")
    return built


def edit_settings(path: Path, client_id: str, secret: str, xero_url: str) -> str:
    """The admin's edit of the service's settings: a custom connection to ``xero_url``."""
    text = path.read_text()
    text = re.sub(r"(?m)^XERODESK_CLIENT_ID=.*$", f"XERODESK_CLIENT_ID={client_id}", text)
    text = re.sub(r"(?m)^XERODESK_CLIENT_SECRET=.*$", f"XERODESK_CLIENT_SECRET={secret}", text)
    text = re.sub(
        r"(?m)^XERODESK_SYNC_OPTIONS=.*$", f'XERODESK_SYNC_OPTIONS="--xero {xero_url}"', text
    )
    path.write_text(text)
    return text


def finished_pass(text: str, after: int) -> str | None:
    """The first line saying a pass numbered above ``after`` finished."""
    for line in text.splitlines():
        found = re.search(r"pass (\d+) finished", line)
        if found and int(found.group(1)) > after:
            return line
    return None


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile reads them (quotes removed)."""
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def exec_start_argv(command: str, env: dict[str, str]) -> list[str]:
    """systemd.service(5): ${NAME} is one word, $NAME splits on whitespace (none when empty)."""
    argv: list[str] = []
    for word in shlex.split(command):
        whole = re.fullmatch(r"\$\{(\w+)\}", word)
        split = re.fullmatch(r"\$(\w+)", word)
        if whole:
            argv.append(env.get(whole.group(1), ""))
        elif split:
            argv.extend(env.get(split.group(1), "").split())
        else:
            argv.append(re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), word))
    return argv
