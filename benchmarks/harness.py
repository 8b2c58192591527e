"""The parts a benchmark run drives: the sandbox process, databases, sync processes.

Everything runs as it would for a user: ``xerodesk sandbox`` and
``xerodesk sync`` are separate processes started with this interpreter, the
database is a fresh SQLite file or a fresh database on the local PostgreSQL or
MariaDB server. Database URLs carry a password, so they stay in memory: the
results only say which kind of database and which server version.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from xerodesk.store import models, xd_models
from xerodesk.store.base import Base
from xerodesk.store.database import open_engine

KINDS = ("sqlite", "postgresql", "mariadb")

#: administrative URLs of the local servers (the account scripts/ensure-databases makes)
SERVER_URLS = {
    "postgresql": os.environ.get(
        "XERODESK_BENCH_PG_URL", "postgresql+psycopg://xerodesk:xerodesk@127.0.0.1:5432/postgres"
    ),
    "mariadb": os.environ.get(
        "XERODESK_BENCH_MARIADB_URL", "mysql+pymysql://xerodesk:xerodesk@127.0.0.1:3306/"
    ),
}
#: the test account may create databases with this prefix on both servers
DATABASE_PREFIX = "xdtest_bench"

XERODESK = (sys.executable, "-m", "xerodesk")
CLIENT_ID = "xerodesk-benchmark"
CLIENT_SECRET = "xerodesk-benchmark-secret"

#: the CRM tables of the contract (what a sync writes for the user)
CRM_TABLES = tuple(
    sorted(t.name for t in Base.metadata.sorted_tables if not t.name.startswith("xd_"))
)
#: xerodesk's own state tables
STATE_TABLES = tuple(
    sorted(t.name for t in Base.metadata.sorted_tables if t.name.startswith("xd_"))
)

assert models and xd_models  # the tables above are registered by these imports


class BenchmarkError(Exception):
    """A benchmark step failed; the message says which and why."""


# --- the sandbox ------------------------------------------------------------


class SandboxProcess:
    """``xerodesk sandbox`` in a process of its own, with its control API."""

    def __init__(
        self,
        size: str,
        seed: int,
        workdir: Path,
        timeout: float = 600.0,
        extra: tuple[str, ...] | list[str] = (),
    ) -> None:
        self.log = (workdir / "sandbox.log").open("w")
        self.process = subprocess.Popen(
            [
                *XERODESK,
                "sandbox",
                *("--generate", size, "--seed", str(seed), "--rate-limits", "off"),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=_clean_env(workdir / "sandbox-home"),
        )
        started = time.monotonic()
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.startswith("http"):
            self.close()
            raise BenchmarkError(f"the sandbox did not start (see {self.log.name})")
        self.base_url = line
        self.http = httpx.Client(base_url=line, timeout=timeout)
        self.control("GET", "/state")
        self.ready_seconds = time.monotonic() - started
        self._token: str | None = None
        self._tenant: str | None = None

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, "/_sandbox" + path, json=body)
        if response.status_code >= 400:
            raise BenchmarkError(f"sandbox {method} {path}: {response.status_code} {response.text}")
        return response.json()

    def api(self, path: str, params: Mapping[str, str], headers: Mapping[str, str]) -> Any:
        """An Accounting API GET (counted by the sandbox like any other call)."""
        if self._token is None:
            token = self.http.post(
                "/connect/token",
                data={"grant_type": "client_credentials"},
                auth=(CLIENT_ID, CLIENT_SECRET),
            )
            token.raise_for_status()
            self._token = token.json()["access_token"]
            listing = self.http.get(
                "/connections", headers={"Authorization": f"Bearer {self._token}"}
            )
            listing.raise_for_status()
            self._tenant = listing.json()[0]["tenantId"]
        response = self.http.get(
            "/api.xro/2.0/" + path,
            params=dict(params),
            headers={
                "Authorization": f"Bearer {self._token}",
                "xero-tenant-id": str(self._tenant),
                "Accept": "application/json",
                **headers,
            },
        )
        if response.status_code == 304:
            return {}
        response.raise_for_status()
        return response.json()

    def close(self) -> None:
        if hasattr(self, "http"):
            self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.log.close()


#: compiled bytecode of the children, kept between runs outside the checkout
PYCACHE = Path(tempfile.gettempdir()) / "xerodesk-bench-pycache"


def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a child: its own xerodesk folders, no inherited client.

    Children keep their compiled bytecode (as an installed copy does), in a
    cache folder of their own, even where the shell says not to write it:
    otherwise every process would compile its imports again and the start-up
    would be timed instead of the sync.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("XERODESK_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env["XERODESK_HOME"] = str(home)
    env.update(extra)
    return env


# --- databases --------------------------------------------------------------


@dataclass
class Database:
    """A fresh CRM database of one kind; ``url`` holds its password, never saved."""

    kind: str
    url: str
    name: str
    version: str


class Databases:
    """Makes fresh databases and drops the server ones at the end."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.created: list[tuple[str, str]] = []
        self.counter = 0

    def fresh(self, kind: str) -> Database:
        if kind not in KINDS:
            raise BenchmarkError(f"unknown database {kind!r}: use {', '.join(KINDS)}")
        self.counter += 1
        name = f"{DATABASE_PREFIX}_{os.getpid()}_{self.counter}"
        if kind == "sqlite":
            import sqlite3

            path = self.workdir / f"{name}.db"
            return Database(kind, f"sqlite:///{path}", name, f"SQLite {sqlite3.sqlite_version}")
        admin = create_engine(SERVER_URLS[kind], isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                charset = " CHARACTER SET utf8mb4" if kind == "mariadb" else ""
                connection.execute(text(f"CREATE DATABASE {name}{charset}"))
                query = "SHOW server_version" if kind == "postgresql" else "SELECT version()"
                version = str(connection.scalar(text(query)))
        except Exception as error:
            raise BenchmarkError(
                f"cannot create a {kind} database on the local server "
                f"({type(error).__name__}); run scripts/ensure-databases first"
            ) from None
        finally:
            admin.dispose()
        self.created.append((kind, name))
        url = make_url(SERVER_URLS[kind]).set(database=name)
        label = "PostgreSQL " if kind == "postgresql" else "MariaDB "
        return Database(kind, url.render_as_string(hide_password=False), name, label + version)

    def drop_all(self) -> None:
        for kind, name in reversed(self.created):
            admin = create_engine(SERVER_URLS[kind], isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as connection:
                    force = " WITH (FORCE)" if kind == "postgresql" else ""
                    connection.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
            finally:
                admin.dispose()
        self.created.clear()


def table_counts(url: str, tables: tuple[str, ...]) -> dict[str, int]:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name: int(
                    connection.scalar(select(func.count()).select_from(Base.metadata.tables[name]))
                    or 0
                )
                for name in tables
            }
    finally:
        engine.dispose()


# --- xerodesk processes -----------------------------------------------------


@dataclass
class ProcessRun:
    """One finished ``xerodesk`` process."""

    args: list[str]
    exit_code: int
    seconds: float
    peak_rss_bytes: int
    #: CPU time the process used (user + system): its wall time on an idle machine,
    #: less any wait for Xero or the database
    cpu_seconds: float
    stdout: str
    stderr: str
    extra: dict[str, Any] = field(default_factory=dict)


def run_xerodesk(
    args: list[str], home: Path, *, time_scale: float = 1.0, timeout: float = 3600.0
) -> ProcessRun:
    """Run ``python -m xerodesk ARGS`` to the end: wall time and peak memory.

    The peak resident set size is the kernel's own figure for the child
    (``ru_maxrss`` from ``wait4``), so no sampling can miss it.
    """
    env = _clean_env(
        home,
        XERODESK_CLIENT_ID=CLIENT_ID,
        XERODESK_CLIENT_SECRET=CLIENT_SECRET,
        XERODESK_TIME_SCALE=repr(time_scale),
    )
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        process = subprocess.Popen([*XERODESK, *args], stdout=out, stderr=err, text=True, env=env)
        status, rusage = _wait(process, timeout, args[0])
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return ProcessRun(
            args=args,
            exit_code=os.waitstatus_to_exitcode(status),
            seconds=seconds,
            peak_rss_bytes=rusage.ru_maxrss * 1024,  # kilobytes on Linux
            cpu_seconds=rusage.ru_utime + rusage.ru_stime,
            stdout=out.read(),
            stderr=err.read(),
        )


def _wait(
    process: subprocess.Popen[str], timeout: float, what: str
) -> tuple[int, resource.struct_rusage]:
    deadline = time.monotonic() + timeout
    while True:
        pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
        if pid == process.pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return status, rusage
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise BenchmarkError(f"xerodesk {what} ran over {timeout:.0f} s")
        time.sleep(0.01)


def redact(text_: str) -> str:
    """A process's output without anything that looks like a database password."""
    return re.sub(r"(://[^:/@\s]+):[^@\s]+@", r"\1:***@", text_)
