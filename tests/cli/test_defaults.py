"""The machine-wide defaults file as an installer uses it: the commands take the
database and options it sets, the user's own choice wins, the demo keeps to its
own file, and a mistake in it stops a command with one line."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from xerodesk.store.options import OPTIONS


def run(*args: str, home: Path, defaults: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XERODESK_HOME": str(home), "XERODESK_DEFAULTS": str(defaults)}
    return subprocess.run(
        [sys.executable, "-m", "xerodesk", *args],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip


def options_of(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as connection:
        return dict(connection.execute("select name, value from system_option"))


def machine_file(tmp_path: Path, db: Path, interval: int) -> Path:
    path = tmp_path / "defaults.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{db}"\n'
        f"[options]\nsync_interval_minutes = {interval}\nimport_currencies = false\n"
    )
    return path


def test_a_new_database_is_the_machines_and_gets_its_options(tmp_path: Path) -> None:
    shared = tmp_path / "company" / "crm.db"
    shared.parent.mkdir()
    defaults = machine_file(tmp_path, shared, 15)
    shown = run("defaults", "--json", home=tmp_path / "home", defaults=defaults)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["options"] == {
        "sync_interval_minutes": "15", "import_currencies": "false"
    }  # fmt: skip
    made = run("db", "upgrade", home=tmp_path / "home", defaults=defaults)
    assert made.returncode == 0, made.stderr
    options = options_of(shared)
    assert (options["sync_interval_minutes"], options["import_currencies"]) == ("15", "false")
    built_in = {spec.name: spec.default for spec in OPTIONS}
    others = {
        k: v for k, v in options.items() if k not in ("sync_interval_minutes", "import_currencies")
    }
    assert others == {k: v for k, v in built_in.items() if k in others} and len(options) == len(
        OPTIONS
    )
    # options a database has are its users': a later file does not change them
    changed = machine_file(tmp_path, shared, 45)
    assert run("db", "upgrade", home=tmp_path / "home", defaults=changed).returncode == 0
    assert options_of(shared)["sync_interval_minutes"] == "15"


def test_the_users_own_database_wins_and_the_demo_keeps_to_its_file(tmp_path: Path) -> None:
    shared = tmp_path / "shared.db"
    defaults = machine_file(tmp_path, shared, 15)
    own = tmp_path / "own.db"
    home = tmp_path / "home"
    assert (
        run("db", "upgrade", "--db", f"sqlite:///{own}", home=home, defaults=defaults).returncode
        == 0
    )
    assert own.exists() and not shared.exists()
    # machine options still seed the user's own new database
    assert options_of(own)["sync_interval_minutes"] == "15"
    demo = run("demo", "--headless", home=home, defaults=defaults)
    assert demo.returncode == 0, demo.stderr
    assert not shared.exists(), "the demo company must never go into the company's database"
    assert (home / "data" / "xerodesk.db").exists()


def test_a_mistake_in_the_file_stops_a_command_with_one_line(tmp_path: Path) -> None:
    defaults = tmp_path / "defaults.toml"
    defaults.write_text('[database]\nurl = "postgresql://crm:hunter2@db/crm"\n')
    for command in (["status"], ["db", "upgrade"], ["defaults"]):
        result = run(*command, home=tmp_path / "home", defaults=defaults)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stdout == "" and "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "holds a password" in lines[0] and str(defaults) in lines[0]
        assert "hunter2" not in result.stderr
