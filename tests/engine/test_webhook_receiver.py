"""The webhook receiver on a real HTTP server on loopback, with a real database.

Deliveries are signed here as Xero signs them (tests.support.webhooks), and
validated against Xero's published schema. The storing tests run on SQLite,
PostgreSQL and MariaDB.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import Connection, Engine, func, select
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.support.databases import DatabaseFactory
from tests.support.webhooks import (
    KEY,
    OTHER_TENANT,
    TENANT,
    delivery,
    event,
    intent_to_receive,
    signature,
    signed,
)
from xerodesk.credentials import Secret
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.webhooks.receiver import WEBHOOK_PATH, WebhookReceiver
from xerodesk.engine.webhooks.serving import ListenAddress, WebhookServer, bind
from xerodesk.store.database import open_engine
from xerodesk.store.webhook_events import EVENTS

T = TypeVar("T")
CONTACT_1 = "55d84274-a3da-4829-a7c0-0cab601b95cc"
INVOICE_1 = "f1c3a0e2-2b1d-4c55-9d0a-7e6b5c4d3a21"
CREDIT_1 = "0b9d8c7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e"


@dataclass
class Receiving:
    """A receiver served on loopback, a client for it, and what it stored."""

    receiver: WebhookReceiver
    client: httpx.AsyncClient
    engine: Engine
    woken: list[int] = field(default_factory=list)

    async def post(self, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.post(WEBHOOK_PATH, content=body, headers=headers or {})

    def stored(self) -> list[tuple[str, str, str, datetime, int | None]]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(
                    EVENTS.c.category,
                    EVENTS.c.resource_id,
                    EVENTS.c.event_type,
                    EVENTS.c.event_at,
                    EVENTS.c.sequence,
                ).order_by(EVENTS.c.id)
            ).all()
        return [(r[0], r[1], r[2], _utc(r[3]), r[4]) for r in rows]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _count(connection: Connection) -> int:
    return int(connection.scalar(select(func.count()).select_from(EVENTS)) or 0)


@pytest.fixture
def sqlite_engine(database_factory: DatabaseFactory) -> Iterator[Engine]:
    engine = open_engine(database_factory.fresh("sqlite"))
    yield engine
    engine.dispose()


async def _serve(
    engine: Engine,
    db: DbWorker | None = None,
    wrap: Callable[[ASGIApp], ASGIApp] | None = None,
    **options: Any,
) -> AsyncIterator[Receiving]:
    worker = db or DbWorker(engine)
    woken: list[int] = []
    receiver = WebhookReceiver(
        Secret(KEY), TENANT, worker, on_events=lambda: woken.append(1), **options
    )
    app = wrap(receiver.app) if wrap else receiver.app
    server = WebhookServer(app, bind(ListenAddress("127.0.0.1", 0)))
    try:
        async with server.running():
            base = server.url.removesuffix(WEBHOOK_PATH)
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                yield Receiving(receiver, client, engine, woken)
    finally:
        worker.close()


@pytest.fixture
async def on_sqlite(sqlite_engine: Engine) -> AsyncIterator[Receiving]:
    async for receiving in _serve(sqlite_engine):
        yield receiving


@pytest.fixture
async def on_each_db(db_engine: Engine) -> AsyncIterator[Receiving]:
    async for receiving in _serve(db_engine):
        yield receiving


def _assert_bare(response: httpx.Response) -> None:
    """Xero's rule for every answer: no body, no cookie."""
    assert response.content == b""
    assert "set-cookie" not in response.headers


async def test_intent_to_receive_gets_200_when_signed_and_401_otherwise(
    on_sqlite: Receiving, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="xerodesk")
    answers = []
    for n in range(4):
        body = intent_to_receive(f"S0m3r4Nd0mt3xt{n}")
        good = await on_sqlite.post(body, signed(body))
        other = signed(intent_to_receive(f"0th3r{n}"))  # the signature of another body
        bad = await on_sqlite.post(body, other)
        wrong_key = await on_sqlite.post(body, signed(body, key="not-the-webhooks-key"))
        unsigned = await on_sqlite.post(body, {"content-type": "application/json"})
        answers.append([r.status_code for r in (good, bad, wrong_key, unsigned)])
        for response in (good, bad, wrong_key, unsigned):
            _assert_bare(response)
    assert answers == [[200, 401, 401, 401]] * 4
    assert on_sqlite.stored() == [] and on_sqlite.woken == []
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("webhook delivery refused: bad signature") == 8
    assert messages.count("webhook delivery refused: no signature") == 4


async def test_other_paths_and_methods_get_empty_404_and_405(on_sqlite: Receiving) -> None:
    body = intent_to_receive("abc")
    elsewhere = await on_sqlite.client.post("/xero/webhook", content=body, headers=signed(body))
    fetched = await on_sqlite.client.get(WEBHOOK_PATH)
    put = await on_sqlite.client.put(WEBHOOK_PATH, content=body, headers=signed(body))
    assert [elsewhere.status_code, fetched.status_code, put.status_code] == [404, 405, 405]
    assert fetched.headers["allow"] == "POST"
    for response in (elsewhere, fetched, put):
        _assert_bare(response)


async def test_a_delivery_is_stored_before_its_200_and_a_repeat_adds_nothing(
    on_each_db: Receiving,
) -> None:
    body = delivery(
        [
            event("CONTACT", CONTACT_1, at="2024-06-21T01:15:39.902"),
            event("INVOICE", INVOICE_1, event_type="CREATE", at="2024-06-21T01:15:40.5"),
            event("CREDITNOTE", CREDIT_1.upper(), at="2024-06-21T01:15:41"),
        ],
        sequence=76,
    )
    first = await on_each_db.post(body, signed(body))
    assert first.status_code == 200
    _assert_bare(first)
    expected = [
        ("CONTACT", CONTACT_1, "UPDATE", datetime(2024, 6, 21, 1, 15, 39, 902000, UTC), 78),
        ("INVOICE", INVOICE_1, "CREATE", datetime(2024, 6, 21, 1, 15, 40, 500000, UTC), 78),
        ("CREDITNOTE", CREDIT_1, "UPDATE", datetime(2024, 6, 21, 1, 15, 41, tzinfo=UTC), 78),
    ]
    assert on_each_db.stored() == expected  # in the database when the 200 came
    assert on_each_db.woken == [1]
    # Xero sends a delivery again when it saw no 200 in time: the same bytes
    again = await on_each_db.post(body, signed(body))
    assert again.status_code == 200
    assert on_each_db.stored() == expected
    assert on_each_db.woken == [1]  # nothing new: the consumer is not woken again


async def test_a_tampered_body_is_refused_and_nothing_is_stored(on_each_db: Receiving) -> None:
    real = delivery([event("CONTACT", CONTACT_1)])
    tampered = delivery([event("CONTACT", INVOICE_1)])
    response = await on_each_db.post(tampered, signed(real))
    assert response.status_code == 401
    _assert_bare(response)
    # the signature is over the raw bytes: the same JSON spaced differently is another body
    respaced = json.dumps(json.loads(real), indent=1).encode()
    assert (await on_each_db.post(respaced, signed(real))).status_code == 401
    assert on_each_db.stored() == [] and on_each_db.woken == []


async def test_events_of_another_organisation_or_kind_are_counted_not_stored(
    on_each_db: Receiving, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="xerodesk")
    body = delivery(
        [
            event("CONTACT", CONTACT_1, tenant=OTHER_TENANT),
            event("INVOICE", INVOICE_1, tenant=OTHER_TENANT),
            event("SUBSCRIPTION", CREDIT_1),
            event("CONTACT", CREDIT_1, tenant=TENANT.upper()),
        ]
    )
    response = await on_each_db.post(body, signed(body))
    assert response.status_code == 200
    assert [row[:2] for row in on_each_db.stored()] == [("CONTACT", CREDIT_1)]
    messages = [r.getMessage() for r in caplog.records]
    assert "ignored 2 events for another organisation" in messages
    assert "ignored 1 event of a kind the sync does not keep (SUBSCRIPTION)" in messages
    only_others = delivery([event("CONTACT", INVOICE_1, tenant=OTHER_TENANT)], sequence=9)
    assert (await on_each_db.post(only_others, signed(only_others))).status_code == 200
    assert len(on_each_db.stored()) == 1
    assert "ignored 1 event for another organisation" in [r.getMessage() for r in caplog.records]
    assert on_each_db.woken == [1]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"[1, 2]", b'{"events": {"a": 1}}', b"\xff\xfe"],
    ids=["broken", "empty", "list", "events-not-a-list", "not-utf8"],
)
async def test_a_signed_body_that_does_not_parse_is_answered_200_and_ignored(
    on_sqlite: Receiving, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    caplog.set_level(logging.INFO, logger="xerodesk")
    response = await on_sqlite.post(body, signed(body))
    assert response.status_code == 200
    _assert_bare(response)
    assert on_sqlite.stored() == [] and on_sqlite.woken == []
    ignored = [r for r in caplog.records if r.getMessage().startswith("webhook delivery ignored")]
    assert len(ignored) == 1 and ignored[0].levelno == logging.WARNING
    assert "\n" not in ignored[0].getMessage()


async def test_events_that_do_not_fit_are_left_out_and_the_rest_kept(
    on_sqlite: Receiving, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="xerodesk")
    good = event("INVOICE", INVOICE_1)
    bad_id = {**event("CONTACT", CONTACT_1), "resourceId": "not-a-uuid"}
    bad_date = {**event("CONTACT", CONTACT_1), "eventDateUtc": "yesterday"}
    no_tenant = {k: v for k, v in event("CONTACT", CONTACT_1).items() if k != "tenantId"}
    body = json.dumps(
        {"events": [good, bad_id, bad_date, no_tenant, "x"], "lastEventSequence": 3}
    ).encode()
    assert (await on_sqlite.post(body, signed(body))).status_code == 200
    assert [row[:2] for row in on_sqlite.stored()] == [("INVOICE", INVOICE_1)]
    assert "ignored 4 events not in Xero's format" in [r.getMessage() for r in caplog.records]


async def test_a_declared_length_over_the_cap_is_refused_before_the_body(
    on_sqlite: Receiving,
) -> None:
    """Content-Length says 10 MB: 413 at once, though not a byte of the body was sent."""
    url = httpx.URL(str(on_sqlite.client.base_url))
    reader, writer = await asyncio.open_connection(url.host, url.port)
    try:
        writer.write(
            f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: {url.host}\r\n"
            f"Content-Type: application/json\r\nx-xero-signature: {signature(b'x')}\r\n"
            f"Content-Length: {10 * 1024 * 1024}\r\n\r\n".encode()
        )
        await writer.drain()
        # (a guard against a hang, should the server wait for the body: no time is asserted)
        status_line = await asyncio.wait_for(reader.readline(), 60)
        head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)).decode().lower()
    finally:
        writer.close()
    assert status_line.startswith(b"HTTP/1.1 413")
    assert "content-length: 0" in head and "set-cookie" not in head
    assert on_sqlite.stored() == []


async def test_a_streamed_body_over_the_cap_is_refused_without_reading_it_all(
    sqlite_engine: Engine,
) -> None:
    """10 MB sent chunked (no Content-Length) to the real server: the receiver stops
    reading past 1 MiB and answers 413; the app saw a little over 1 MiB of it."""
    seen = {"bytes": 0}

    def counting(inner: ASGIApp) -> ASGIApp:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            async def counted() -> Any:
                message = await receive()
                seen["bytes"] += len(message.get("body", b""))
                return message

            await inner(scope, counted, send)

        return app

    async def ten_megabytes() -> AsyncIterator[bytes]:
        for _ in range(160):
            yield b"x" * 65536

    async for receiving in _serve(sqlite_engine, wrap=counting):
        status: int | None = None
        try:
            response = await receiving.client.post(WEBHOOK_PATH, content=ten_megabytes())
            status = response.status_code
        except httpx.TransportError:
            pass  # the server closed the connection on the rest of the upload, as it may
        assert status in (413, None)
        assert 1024 * 1024 < seen["bytes"] <= 2 * 1024 * 1024
        assert receiving.stored() == []


async def test_the_body_is_pulled_chunk_by_chunk_and_dropped_past_the_cap(
    sqlite_engine: Engine,
) -> None:
    """Straight through ASGI: of 160 chunks of 64 KiB, the receiver pulls 17."""
    db = DbWorker(sqlite_engine)
    receiver = WebhookReceiver(Secret(KEY), TENANT, db)
    pulled: list[int] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        pulled.append(1)
        more = len(pulled) < 160
        return {"type": "http.request", "body": b"x" * 65536, "more_body": more}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": WEBHOOK_PATH,
        "raw_path": WEBHOOK_PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"x-xero-signature", signature(b"x").encode())],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
    }
    try:
        await receiver.app(scope, receive, send)  # type: ignore[arg-type]
    finally:
        db.close()
    assert sent[0]["status"] == 413
    assert len(pulled) == 17  # 1 MiB is 16 chunks; the 17th goes over
    with sqlite_engine.connect() as connection:
        assert _count(connection) == 0


async def test_a_database_failure_is_answered_500_so_xero_sends_it_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A database without the events table (never migrated): the write fails."""
    engine = open_engine(f"sqlite:///{tmp_path / 'unmigrated.db'}")
    caplog.set_level(logging.DEBUG)
    try:
        async for receiving in _serve(engine):
            body = delivery([event("CONTACT", CONTACT_1)])
            response = await receiving.post(body, signed(body))
            assert response.status_code == 500
            _assert_bare(response)
            assert receiving.woken == []
    finally:
        engine.dispose()
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert messages == ["webhook delivery not stored (OperationalError); Xero will send it again"]
    _assert_key_absent(caplog)


class _GatedDb(DbWorker):
    """A database whose writes wait for ``gate`` (a write stuck behind a big page)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.gate = asyncio.Event()

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        await self.gate.wait()
        return await super().write(fn, *args, **kwargs)


async def test_a_busy_database_gets_503_and_the_delivery_is_still_kept(
    sqlite_engine: Engine,
) -> None:
    db = _GatedDb(sqlite_engine)
    async for receiving in _serve(sqlite_engine, db, store_within=0.05):
        body = delivery([event("CONTACT", CONTACT_1)])
        response = await receiving.post(body, signed(body))
        assert response.status_code == 503  # not 200: it was not stored yet
        assert receiving.stored() == []
        db.gate.set()
        for _ in range(500):
            if not receiving.receiver._late:
                break
            await asyncio.sleep(0.01)
        assert [row[:2] for row in receiving.stored()] == [("CONTACT", CONTACT_1)]
        assert receiving.woken == [1]
        # Xero sends it again: 200 now, and still one row
        assert (await receiving.post(body, signed(body))).status_code == 200
        assert len(receiving.stored()) == 1


async def test_the_key_is_never_logged_nor_in_an_error(
    on_sqlite: Receiving, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = delivery([event("CONTACT", CONTACT_1)])
    await on_sqlite.post(body, signed(body))
    await on_sqlite.post(body, signed(body, key="wrong"))
    await on_sqlite.post(body, {"x-xero-signature": KEY})  # the key itself as a signature
    await on_sqlite.post(b"{", signed(b"{"))
    assert len(caplog.records) >= 4
    _assert_key_absent(caplog)
    assert KEY not in repr(on_sqlite.receiver.key) and KEY not in str(on_sqlite.receiver.key)
    assert KEY not in repr(vars(on_sqlite.receiver))


def _assert_key_absent(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        assert KEY not in record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            assert KEY not in str(record.exc_info[1])
            assert KEY not in logging.Formatter().formatException(record.exc_info)
