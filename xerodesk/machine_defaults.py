"""Machine-wide defaults: what an installer sets once for every user of a computer.

A TOML file (``packaging/defaults.toml.example`` is the documented example)
with three optional tables:

- ``[database] url``: the CRM database every user opens unless they choose
  another (``--db``, the app's Connection tab);
- ``[xero] client_id``: the client id of the company's Xero app, where
  ``xerodesk login`` and the setup assistant start;
- ``[options]``: system options for a database that has not got them yet (a
  new database, or an option an upgrade adds); options already in a
  database are the users' and stay as they are.

It is read before the user's own choices, which win: ``--db``,
``--client-id``, ``XERODESK_CLIENT_ID`` and what the app remembers. The file
is found at ``XERODESK_DEFAULTS`` when set, else at the platform's place for
machine-wide settings (``DEFAULTS_PATHS``). Everyone on the computer can read
it, so it refuses a password in the database URL. A mistake in it (bad TOML,
a misspelt key, a value an option does not take) is a one-line error naming
the file, never silently ignored: an installer's typo would otherwise leave
every user on the built-in defaults without a word.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from xerodesk.errors import ConfigurationError
from xerodesk.store.options import OPTIONS
from xerodesk.xero.signin import client_id_problem

#: names the defaults file, instead of the platform's place
DEFAULTS_ENV = "XERODESK_DEFAULTS"
#: the platform's place for machine-wide settings, by ``sys.platform``
DEFAULTS_PATHS = {
    "linux": "/etc/xerodesk/defaults.toml",
    "darwin": "/Library/Application Support/xerodesk/defaults.toml",
}
#: on Windows, under %ProgramData% (C:\ProgramData when it is not set)
WINDOWS_FOLDER = PureWindowsPath("xerodesk", "defaults.toml")
KEYS = {"database": ("url",), "xero": ("client_id",)}
#: the databases xerodesk syncs into (SQLAlchemy backend names)
BACKENDS = ("sqlite", "postgresql", "mysql", "mariadb")


@dataclass(frozen=True)
class MachineDefaults:
    """What the defaults file sets; ``path`` is None when there is no file."""

    path: Path | None = None
    database: str | None = None
    client_id: str | None = None
    options: Mapping[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """What the file sets, in words (``xerodesk defaults``)."""
        found = [f"Machine-wide defaults from {self.path}:"]
        if self.database:
            found.append(f"  database: {self.database}")
        if self.client_id:
            found.append(f"  Xero app client id: {self.client_id}")
        found.extend(f"  option {name} = {value}" for name, value in self.options.items())
        if len(found) == 1:
            found.append("  (the file sets nothing)")
        return found


def defaults_path(platform: str = sys.platform, environ: Mapping[str, str] = os.environ) -> Path:
    """Where the defaults file is looked for."""
    named = environ.get(DEFAULTS_ENV, "").strip()
    if named:
        return Path(named).expanduser()
    if platform == "win32":
        return Path(environ.get("PROGRAMDATA") or r"C:\ProgramData") / WINDOWS_FOLDER
    return Path(DEFAULTS_PATHS.get(platform, DEFAULTS_PATHS["linux"]))


def load_machine_defaults(path: Path | None = None) -> MachineDefaults:
    """The defaults at ``path`` (default: ``defaults_path()``); none when no file is there.

    A file named by ``XERODESK_DEFAULTS`` must exist; a file that is there must
    be right (``ConfigurationError`` naming it and what is wrong)."""
    where = path or defaults_path()
    if not where.is_file():
        if path is None and os.environ.get(DEFAULTS_ENV, "").strip():
            raise ConfigurationError(f"{DEFAULTS_ENV} names {where}, which is not a file")
        return MachineDefaults()
    try:
        data = tomllib.loads(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"cannot read the defaults file {where}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"the defaults file {where} is not valid TOML: {error}") from None
    try:
        return _parse(where, data)
    except ValueError as error:
        raise ConfigurationError(f"the defaults file {where}: {error}") from None


def _parse(where: Path, data: Mapping[str, Any]) -> MachineDefaults:
    unknown = sorted(set(data) - {*KEYS, "options"})
    if unknown:
        raise ValueError(f"no such table [{unknown[0]}] (only [database], [xero], [options])")
    tables = {name: _table(data, name) for name in (*KEYS, "options")}
    for name, allowed in KEYS.items():
        extra = sorted(set(tables[name]) - set(allowed))
        if extra:
            raise ValueError(f"[{name}] has no setting {extra[0]!r} (only {', '.join(allowed)})")
    return MachineDefaults(
        where,
        _database(tables["database"].get("url")),
        _client_id(tables["xero"].get("client_id")),
        _options(tables["options"]),
    )


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ValueError(f"{name} must be a table ([{name}]), not a value")
    return table


def _text(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text in quotes")
    return value.strip() or None


def _database(value: Any) -> str | None:
    url = _text(value, "[database] url")
    if url is None:
        return None
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(f"[database] url is not a database URL: {url!r}") from None
    if parsed.get_backend_name() not in BACKENDS:
        raise ValueError(
            f"[database] url must be a SQLite, PostgreSQL or MariaDB/MySQL database, not {url!r}"
        )
    if parsed.password:
        raise ValueError(
            "[database] url holds a password, which everyone on this computer could "
            "read: leave it out (each user's keyring, or a .pgpass file, keeps it)"
        )
    return url


def _client_id(value: Any) -> str | None:
    client_id = _text(value, "[xero] client_id")
    if client_id is None:
        return None
    problem = client_id_problem(client_id)
    if problem is not None:
        raise ValueError(f"[xero] client_id: {problem}")
    return client_id.upper()


def _options(table: Mapping[str, Any]) -> dict[str, str]:
    specs = {spec.name: spec for spec in OPTIONS}
    chosen: dict[str, str] = {}
    for name, value in table.items():
        spec = specs.get(name)
        if spec is None:
            raise ValueError(f"[options] has no option {name!r} (docs/crm-schema.md lists them)")
        if isinstance(value, bool):
            raw = "true" if value else "false"
        elif isinstance(value, int | str):
            raw = str(value)
        else:
            raise ValueError(f"[options] {name} must be a number, true/false or text")
        try:
            chosen[name] = spec.validate(raw)
        except ConfigurationError as error:
            raise ValueError(f"[options] {name}: {error}") from None
    return chosen


def machine_defaults_or_problem() -> tuple[MachineDefaults, str | None]:
    """The defaults, or none and the one line that says what is wrong with the file
    (for the app, which shows it and goes on with each user's own settings)."""
    try:
        return load_machine_defaults(), None
    except ConfigurationError as error:
        return MachineDefaults(), str(error)
