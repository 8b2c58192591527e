"""The machine-wide defaults file: where it is, what it sets, and every mistake in it
refused with a line that names the file and the mistake."""

from __future__ import annotations

import re
from pathlib import Path, PureWindowsPath

import pytest

from xerodesk.errors import ConfigurationError
from xerodesk.machine_defaults import (
    DEFAULTS_ENV,
    defaults_path,
    load_machine_defaults,
    machine_defaults_or_problem,
)

EXAMPLE = Path(__file__).parents[2] / "packaging" / "defaults.toml.example"
CLIENT_ID = "0123456789abcdef0123456789ABCDEF"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "defaults.toml"
    path.write_text(text)
    return path


def test_each_platform_has_its_place_and_the_variable_comes_first() -> None:
    assert defaults_path("linux", {}) == Path("/etc/xerodesk/defaults.toml")
    assert defaults_path("darwin", {}) == Path(
        "/Library/Application Support/xerodesk/defaults.toml"
    )
    windows = defaults_path("win32", {"PROGRAMDATA": "D:\\Shared"})
    assert PureWindowsPath(windows).parts[-2:] == ("xerodesk", "defaults.toml")
    assert str(windows).startswith("D:\\Shared")
    assert str(defaults_path("win32", {})).startswith("C:\\ProgramData")
    assert defaults_path("linux", {DEFAULTS_ENV: "/srv/x.toml"}) == Path("/srv/x.toml")


def test_no_file_sets_nothing(tmp_path: Path) -> None:
    found = load_machine_defaults(tmp_path / "absent.toml")
    assert (found.path, found.database, found.client_id, dict(found.options)) == (
        None, None, None, {},
    )  # fmt: skip


def test_a_file_the_variable_names_must_be_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DEFAULTS_ENV, str(tmp_path / "typo.toml"))
    with pytest.raises(ConfigurationError, match=r"XERODESK_DEFAULTS names .*typo.toml"):
        load_machine_defaults()
    found, problem = machine_defaults_or_problem()
    assert found.database is None and problem is not None and "typo.toml" in problem


def test_a_full_file_is_read_with_options_as_the_database_keeps_them(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[database]\nurl = "postgresql+psycopg://crm@db.example.com:5433/crm"\n'
        f'[xero]\nclient_id = " {CLIENT_ID} "\n'
        "[options]\nsync_interval_minutes = 10\nimport_currencies = false\n"
        'pushed_invoice_status = "AUTHORISED"\n',
    )
    found = load_machine_defaults(path)
    assert found.path == path
    assert found.database == "postgresql+psycopg://crm@db.example.com:5433/crm"
    assert found.client_id == CLIENT_ID.upper()
    assert dict(found.options) == {
        "sync_interval_minutes": "10",
        "import_currencies": "false",
        "pushed_invoice_status": "AUTHORISED",
    }
    assert found.lines()[0] == f"Machine-wide defaults from {path}:"
    assert "  option import_currencies = false" in found.lines()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[database\n", "is not valid TOML: .*line 1"),
        ("[datbase]\nurl = 'sqlite:///x.db'\n", r"no such table \[datbase\]"),
        ("[database]\nhost = 'db'\n", r"\[database\] has no setting 'host'"),
        ("database = 'sqlite:///x.db'\n", "database must be a table"),
        ("[database]\nurl = 5\n", r"\[database\] url must be text"),
        ("[database]\nurl = 'not a url'\n", "is not a database URL"),
        ("[database]\nurl = 'oracle://db/crm'\n", "must be a SQLite, PostgreSQL or MariaDB"),
        ("[database]\nurl = 'postgresql://crm:hunter2@db/crm'\n", "holds a password"),
        ("[xero]\nclient_id = 'my-app'\n", r"\[xero\] client_id: That is not a Xero client id"),
        ("[options]\nsync_interval_minute = 3\n", "has no option 'sync_interval_minute'"),
        ("[options]\nsync_interval_minutes = 0\n", "Minutes between syncs must be at least 1"),
        ("[options]\npushed_invoice_status = 'PAID'\n", r"\[options\] pushed_invoice_status"),
        ("[options]\nsync_interval_minutes = [5]\n", "must be a number, true/false or text"),
    ],
)
def test_a_mistake_is_one_line_naming_the_file(tmp_path: Path, text: str, says: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigurationError) as caught:
        load_machine_defaults(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    assert re.search(says, message), message
    assert "hunter2" not in message


def test_the_example_sets_nothing_and_every_line_of_it_is_right(tmp_path: Path) -> None:
    """As shipped, every setting is a comment; uncommented, each is taken as it is."""
    assert load_machine_defaults(EXAMPLE).lines()[1:] == ["  (the file sets nothing)"]
    setting = re.compile(r"^# ([a-z_]+ = .+)$")
    lines = [setting.sub(r"\1", line) for line in EXAMPLE.read_text().splitlines()]
    uncommented = write(tmp_path, "\n".join(lines) + "\n")
    found = load_machine_defaults(uncommented)
    assert found.database and found.client_id
    assert set(found.options) == {
        "sync_interval_minutes", "daily_call_budget", "pushed_invoice_status"
    }  # fmt: skip
