"""`xerodesk webhooks set-key` and `xerodesk sync --watch --webhooks`, run as a user runs
them: real processes, the keyring they use, a sandbox, a delivery signed as Xero signs it."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.support.databases import DatabaseFactory
from tests.support.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, RunningSandbox, start_sandbox
from tests.support.webhooks import KEY, OTHER_TENANT, delivery, event, signed
from xerodesk.store.database import open_engine

CONTACT = "55d84274-a3da-4829-a7c0-0cab601b95cc"


@pytest.fixture
def demo_sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off")
    yield running
    running.close()


@pytest.fixture
def sqlite_db(database_factory: DatabaseFactory) -> Iterator[Engine]:
    engine = open_engine(database_factory.fresh("sqlite"))
    yield engine
    engine.dispose()


def _env(home: Path, **extra: str) -> dict[str, str]:
    """A user's environment: their own home, a custom connection, a keyring file."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith("XERODESK_")}
    return {
        **keep,
        "XERODESK_HOME": str(home),
        "XDG_DATA_HOME": str(home / "xdg-data"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "XERODESK_ALLOW_INSECURE_KEYRING": "1",
        "XERODESK_CLIENT_ID": TEST_CLIENT_ID,
        "XERODESK_CLIENT_SECRET": TEST_CLIENT_SECRET,
        **extra,
    }


def _xerodesk(
    *args: str, home: Path, stdin: str = "", **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xerodesk", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(home, **extra),
        timeout=120,
        check=False,
    )


def _watch(base: str, db: Engine, home: Path, listen: str, **extra: str) -> subprocess.Popen[str]:
    url = db.url.render_as_string(hide_password=False)
    command = ["sync", "--watch", "--webhooks", listen, "--db", url, "--xero", base]
    return subprocess.Popen(
        [sys.executable, "-m", "xerodesk", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(home, **extra),
    )


def _receiver_url(service: subprocess.Popen[str]) -> str:
    """The URL the service announces on stderr (it listens on a free port)."""
    assert service.stderr is not None
    seen = []
    for line in service.stderr:
        seen.append(line)
        if "receiving Xero's webhooks at " in line:
            return line.rsplit(" ", 1)[-1].strip()
    raise AssertionError(f"the receiver never started: {''.join(seen)}")


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("xerodesk:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def _events(db: Engine) -> list[tuple[str, str]]:
    with db.connect() as connection:
        rows = connection.execute(text("select category, resource_id from xd_webhook_event"))
        return [(row[0], row[1]) for row in rows]


def _logs(home: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in (home / "logs").glob("*.log*"))


def test_the_key_is_set_from_stdin_and_the_watch_takes_a_signed_delivery(
    demo_sandbox: RunningSandbox, sqlite_db: Engine, tmp_path: Path
) -> None:
    base = demo_sandbox.base_url
    stored = _xerodesk("webhooks", "set-key", "--xero", base, home=tmp_path, stdin=KEY + "\n")
    assert stored.returncode == 0, stored.stderr
    assert KEY not in stored.stdout + stored.stderr
    tenant = demo_sandbox.state.org.tenant_id
    service = _watch(base, sqlite_db, tmp_path, "127.0.0.1:0")
    try:
        url = _receiver_url(service)
        assert url.startswith("http://127.0.0.1:") and url.endswith("/xero/webhooks")
        body = delivery([event("CONTACT", CONTACT, tenant=tenant)], sequence=5)
        other = delivery([event("INVOICE", CONTACT, tenant=OTHER_TENANT)], sequence=6)
        with httpx.Client(timeout=30) as client:
            answers = [
                client.post(url, content=body, headers=signed(body)),
                client.post(url, content=body, headers=signed(body, key="another-key")),
                client.post(url, content=other, headers=signed(other)),
            ]
        assert [a.status_code for a in answers] == [200, 401, 200]
        assert all(a.content == b"" for a in answers)
        assert _events(sqlite_db) == [("CONTACT", CONTACT)]  # kept before the 200
        service.send_signal(signal.SIGTERM)
        out, err = service.communicate(timeout=60)
    finally:
        if service.poll() is None:
            service.kill()
            service.wait(10)
    assert service.returncode == 0, err
    assert "Traceback" not in err and "stopped after" in err
    logs = _logs(tmp_path)
    assert "webhook delivery refused: bad signature" in logs
    assert "ignored 1 event for another organisation" in logs
    assert KEY not in out + err + logs
    with pytest.raises(httpx.TransportError):  # the receiver stopped with the watch
        httpx.post(url, content=body, headers=signed(body), timeout=5)


def test_the_watch_refuses_to_receive_webhooks_without_a_key(
    sqlite_db: Engine, tmp_path: Path
) -> None:
    url = sqlite_db.url.render_as_string(hide_password=False)
    result = _xerodesk(
        "sync",
        "--watch",
        "--webhooks",
        "0",
        "--db",
        url,
        "--xero",
        "http://127.0.0.1:9",
        home=tmp_path,
    )
    assert result.returncode == 2
    assert "no Xero webhooks key is stored" in _one_line_error(result)
    assert "xerodesk webhooks set-key" in result.stderr


def test_the_watch_refuses_a_port_in_use(sqlite_db: Engine, tmp_path: Path) -> None:
    url = sqlite_db.url.render_as_string(hide_password=False)
    taken = socket.socket()
    try:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = _xerodesk(
            "sync",
            "--watch",
            "--webhooks",
            f"127.0.0.1:{port}",
            "--db",
            url,
            "--xero",
            "http://127.0.0.1:9",
            home=tmp_path,
            XERODESK_WEBHOOK_KEY=KEY,  # the key from the environment, beside the client's
        )
    finally:
        taken.close()
    assert result.returncode == 2
    error = _one_line_error(result)
    assert f"cannot receive Xero's webhooks on 127.0.0.1:{port}" in error
    assert "in use" in error
    assert KEY not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["sync", "--webhooks", "8080"], "", "--webhooks works with --watch"),
        (["sync", "--watch", "--webhooks", "host:port"], "", "--webhooks takes [HOST:]PORT"),
        (["webhooks", "set-key"], "\n", "no webhooks key given"),
        (["webhooks", "set-key"], "two words\n", "no webhooks key given"),
        (["webhooks"], "", "choose an action"),
    ],
    ids=["without-watch", "bad-port", "empty-key", "spaced-key", "no-action"],
)
def test_bad_usage_is_one_line_and_status_2(
    args: list[str], stdin: str, message: str, tmp_path: Path
) -> None:
    result = _xerodesk(*args, home=tmp_path, stdin=stdin)
    assert result.returncode == 2
    assert message in _one_line_error(result)


def test_forget_key_removes_it(tmp_path: Path) -> None:
    assert _xerodesk("webhooks", "set-key", home=tmp_path, stdin=KEY).returncode == 0
    assert _xerodesk("webhooks", "forget-key", home=tmp_path).returncode == 0
    result = _xerodesk("sync", "--watch", "--webhooks", "0", home=tmp_path)
    assert result.returncode == 2
    assert "no Xero webhooks key is stored" in _one_line_error(result)


async def test_run_watch_hands_the_service_an_event_the_receiver_sets(
    demo_sandbox: RunningSandbox,
    sqlite_db: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In process: the service gets the consumer and ``webhook_events``, which the
    receiver sets once new events are stored, and reads what they name."""
    from xerodesk import app
    from xerodesk.engine.service import SyncService
    from xerodesk.engine.webhooks.serving import ListenAddress

    monkeypatch.setenv("XERODESK_CLIENT_ID", TEST_CLIENT_ID)
    monkeypatch.setenv("XERODESK_CLIENT_SECRET", TEST_CLIENT_SECRET)
    monkeypatch.setenv("XERODESK_WEBHOOK_KEY", KEY)
    services: list[SyncService] = []

    class Recorded(SyncService):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            services.append(self)

    monkeypatch.setattr(app, "SyncService", Recorded)
    started: asyncio.Queue[str | None] = asyncio.Queue()
    stop = asyncio.Event()
    settings = app.SyncSettings(
        db_url=sqlite_db.url.render_as_string(hide_password=False),
        xero_url=demo_sandbox.base_url,
    )
    watch = asyncio.create_task(
        app.run_watch(
            settings, stop, webhooks=ListenAddress("127.0.0.1", 0), on_started=started.put_nowait
        )
    )
    try:
        url = await asyncio.wait_for(started.get(), 120)  # a guard against a hang only
        assert url is not None
        service = services[0]
        # set from the start, so that events kept before a restart are read first
        assert service.webhook_events is not None and service.consumer is not None
        # after the first pass (which answers what came before it began)
        for _ in range(1200):  # a guard against a hang only
            if service.stats.passes:
                break
            await asyncio.sleep(0.1)
        tenant = demo_sandbox.state.org.tenant_id
        body = delivery([event("INVOICE", CONTACT, tenant=tenant)], sequence=3)
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.post(url, content=body, headers=signed(body))
        assert answer.status_code == 200
        assert _events(sqlite_db) == [("INVOICE", CONTACT)]  # kept before the 200
        # the service wakes and reads it: Xero has no such invoice, so it ends not_synced
        for _ in range(600):  # a guard against a hang only
            if service.stats.webhook_reads:
                break
            await asyncio.sleep(0.1)
        assert service.stats.webhook_reads == 1
        assert service.stats.webhook_reports[0].events == 1
    finally:
        stop.set()
        stats = await watch
    assert stats.failures == 0
