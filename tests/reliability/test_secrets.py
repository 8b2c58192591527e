"""No token or secret outside the keyring, after real runs that succeed and fail.

A real ``xerodesk login`` (PKCE through the sandbox's consent, a scripted
browser, the keyrings.alt file backend) then syncs with ``--debug``: a full
one, one after the access token expired (the refresh token rotates), one
against a Xero that keeps failing, a custom connection with its own client
secret, and runs pointed at a database whose password is unique to this test.
Every access token, refresh token and authorisation code the sandbox issued
is recorded as it is issued. Then the logs, every output of every run, every
file under the app's folders but the keyring file, and every text column of
every table are searched for each of them: zero hits. The sandbox binds only
to loopback (the sign-in listener's one-callback and loopback rules are
tested in tests/xero/test_loopback.py).
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, Text, inspect, select

from tests.support.databases import DatabaseFactory
from tests.support.reliability import REPO, TIME_SCALE, record, reliability_sandbox
from tests.support.sandbox import RunningSandbox
from xerodesk.store.base import Base
from xerodesk.store.database import open_engine

#: these run real processes and whole syncs: longer than the suite-wide timeout
pytestmark = pytest.mark.timeout(3600)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class IssuedSecrets:
    """Records every token and code the sandbox's identity service hands out."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.values: set[str] = set()
        identity = sandbox.state.identity
        token_set, issue_code = identity._token_set, identity.issue_code

        def recorded_token_set(grant: Any) -> dict[str, Any]:
            body = token_set(grant)
            for key in ("access_token", "refresh_token", "id_token"):
                if body.get(key):
                    self.values.add(str(body[key]))
            return body

        def recorded_code(*args: Any) -> str:
            code = issue_code(*args)
            self.values.add(code)
            return code

        identity._token_set = recorded_token_set  # type: ignore[method-assign]
        identity.issue_code = recorded_code  # type: ignore[method-assign,assignment]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xerodesk", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=600,
        check=False,
    )


def base_env(tmp_path: Path) -> dict[str, str]:
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("XERODESK_CLIENT_ID", "XERODESK_CLIENT_SECRET")
    }
    browser = tmp_path / "browser.py"
    browser.write_text(
        "import sys, httpx\nhttpx.get(sys.argv[1], follow_redirects=True, timeout=30)\n",
        encoding="utf-8",
    )
    env.update(
        HOME=str(tmp_path / "userhome"),
        XERODESK_HOME=str(tmp_path / "home"),
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
        XDG_STATE_HOME=str(tmp_path / "xdg-state"),
        XDG_CACHE_HOME=str(tmp_path / "xdg-cache"),
        BROWSER=f"{sys.executable} {browser} %s",
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XERODESK_ALLOW_INSECURE_KEYRING="1",
        XERODESK_TIME_SCALE=str(TIME_SCALE),
    )
    return env


def text_values(url: str) -> list[str]:
    """Every non-empty value of every text column of every table in the database."""
    engine = open_engine(url)
    try:
        values: list[str] = []
        names = inspect(engine).get_table_names()
        with engine.connect() as connection:
            for name in names:
                table = Base.metadata.tables.get(name)
                if table is None:
                    from sqlalchemy import MetaData, Table

                    table = Table(name, MetaData(), autoload_with=connection)
                columns = [c for c in table.c if isinstance(c.type, String | Text)]
                if not columns:
                    continue
                for row in connection.execute(select(*columns)):
                    values.extend(str(v) for v in row if v)
        return values
    finally:
        engine.dispose()


def files_under(*folders: Path, skip: Path) -> dict[Path, str]:
    found: dict[Path, str] = {}
    for folder in folders:
        if not folder.exists():
            continue
        for path in folder.rglob("*"):
            if path.is_file() and path != skip and path.suffix != ".db":
                found[path] = path.read_text(encoding="utf-8", errors="replace")
    return found


class Runs:
    """Real ``xerodesk`` runs, with every output kept for the scan."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.outputs: list[str] = []

    def __call__(self, args: list[str], *expected: int, **env: str) -> None:
        done = run(args, {**self.env, **env})
        self.outputs += [done.stdout, done.stderr]
        assert done.returncode in expected, f"{args}: {done.returncode} {done.stderr}"


def exercise(sandbox: RunningSandbox, runs: Runs, url: str) -> set[str]:
    """Sign in, sync, refresh, fail, use a custom connection and unreachable
    databases; returns the secrets of the custom connection and the database."""
    port = str(_free_port())
    runs(["login", "--xero", sandbox.base_url, "--client-id", "desktop-app", "--port", port], 0)
    sync = ["--debug", "sync", "--db", url, "--xero", sandbox.base_url]
    runs([*sync, "--full"], 0, 1)
    sandbox.control("POST", "/clock", {"advance": 45 * 60})  # the access token expires
    runs(sync, 0, 1)
    sandbox.control("POST", "/faults", {"spec": "503=1"})
    runs(sync, 3)
    sandbox.control("POST", "/faults", {"clear": True})

    client_secret = "cs-" + secrets.token_urlsafe(24)
    custom = {"XERODESK_CLIENT_ID": "custom-app", "XERODESK_CLIENT_SECRET": client_secret}
    runs(sync, 0, 1, **custom)
    sandbox.control("POST", "/faults", {"spec": "500=1"})
    runs(sync, 3, **custom)
    sandbox.control("POST", "/faults", {"clear": True})

    db_password = "pw-" + secrets.token_urlsafe(18)
    unreachable = f"postgresql+psycopg://someone:{db_password}@127.0.0.1:{_free_port()}/crm"
    runs(["--debug", "sync", "--db", unreachable, "--xero", sandbox.base_url], 3, **custom)
    runs(["--debug", "status", "--db", unreachable], 3, **custom)
    runs(["--debug", "db", "upgrade", "--db", unreachable], 3, **custom)
    runs(["status", "--db", url, "--json"], 0, 1)
    return {client_secret, db_password}


def test_no_token_or_secret_outside_the_keyring(
    database_factory: DatabaseFactory, tmp_path: Path
) -> None:
    sandbox = reliability_sandbox(generate="demo", seed=5)
    try:
        issued = IssuedSecrets(sandbox)
        assert sandbox.server.base_url.startswith("http://127.0.0.1:")
        runs = Runs(base_env(tmp_path))
        url = database_factory.fresh("sqlite")
        secrets_used = {*exercise(sandbox, runs, url), *issued.values}
        assert len(issued.values) >= 4, "login and the refresh issued tokens"
        keyring_file = tmp_path / "xdg" / "python_keyring" / "keyring_pass.cfg"
        assert keyring_file.exists()
        folders = ("home", "xdg", "xdg-config", "xdg-state", "xdg-cache", "userhome")
        files = files_under(*(tmp_path / f for f in folders), skip=keyring_file)
        database = text_values(url)
        hits: dict[str, int] = {}
        for value in secrets_used:
            places = [f"output {i}" for i, text in enumerate(runs.outputs) if value in text]
            places += [str(p.relative_to(tmp_path)) for p, text in files.items() if value in text]
            places += ["database" for text in database if value in text]
            for place in places:
                hits[place] = hits.get(place, 0) + 1
        log_files = [p for p in files if ".log" in p.name]
        keyring_text = keyring_file.read_text(encoding="utf-8")
        record(
            "secrets_scan",
            {
                "secrets_checked": len(secrets_used),
                "tokens_issued": len(issued.values),
                "runs": len(runs.outputs) // 2,
                "files_scanned": len(files),
                "log_files": len(log_files),
                "database_text_values": len(database),
                "hits": sum(hits.values()),
                "hit_places": hits,
                "keyring_file_plaintext_tokens": sum(v in keyring_text for v in issued.values),
            },
        )
        assert log_files, "the runs wrote a log"
        assert hits == {}, f"secrets found outside the keyring: {hits}"
    finally:
        sandbox.close()
