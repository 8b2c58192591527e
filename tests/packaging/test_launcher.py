"""The bundle's entry point runs the app's sync process, and nothing else, for ``-c``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from xerodesk.session import RUNNER_COMMAND, demo_target

LAUNCHER = Path(__file__).resolve().parents[2] / "packaging" / "launcher.py"


def launch(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(LAUNCHER), *args],
        input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120,
    )  # fmt: skip


def test_the_runner_command_line_runs_the_sync_process(tmp_path: Path) -> None:
    opening = {"cmd": "open", "db_url": "nosuchdb://somewhere/crm"}
    done = launch(*RUNNER_COMMAND[1:], cwd=tmp_path, stdin=json.dumps(opening) + "\n")
    message = json.loads(done.stdout.splitlines()[0])
    assert message["event"] == "error"
    assert message["reason"] == "config"
    assert "nosuchdb" in message["message"]
    assert done.returncode == 2


def test_the_runner_connects_to_the_demo_company_and_ends_with_the_app(tmp_path: Path) -> None:
    database = tmp_path / "crm.db"
    opening = {"cmd": "open", "db_url": f"sqlite:///{database}", **demo_target().to_message()}
    # stdin ends after the opening message, as when the app's end of the pipe closes
    done = launch(*RUNNER_COMMAND[1:], cwd=tmp_path, stdin=json.dumps(opening) + "\n")
    events = [json.loads(line)["event"] for line in done.stdout.splitlines()]
    assert events[0] == "ready", done.stdout + done.stderr
    assert done.returncode == 0, done.stderr
    assert database.exists()


def test_any_other_code_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    done = launch("-c", f"open({str(marker)!r}, 'w').close()", cwd=tmp_path)
    assert done.returncode == 2
    assert "-c is not a xerodesk option" in done.stderr
    assert not marker.exists()
