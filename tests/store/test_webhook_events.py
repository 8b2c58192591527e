"""Webhook events in the CRM database: kept once, taken in order, marked done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from xerodesk.store.webhook_events import (
    CONTACT,
    INVOICE,
    AnnouncedChange,
    finish_events,
    last_delivery_at,
    store_events,
    waiting_counts,
    waiting_events,
)

AT = datetime(2026, 6, 2, 9, 30, 15, 123000, tzinfo=UTC)


def change(category: str, n: int, event_type: str = "UPDATE") -> AnnouncedChange:
    return AnnouncedChange(category, f"00000000-0000-0000-0000-{n:012d}", event_type, AT)


def test_a_repeated_delivery_adds_nothing(db_engine: Engine) -> None:
    first = [change(CONTACT, 1), change(CONTACT, 2), change(INVOICE, 3, "CREATE")]
    with db_engine.begin() as connection:
        assert store_events(connection, first, received_at=AT, sequence=7) == 3
    with db_engine.begin() as connection:
        # Xero retries a delivery it saw no 200 for: the same events again, and one new
        again = [*first, change(CONTACT, 1), change(CONTACT, 4)]
        assert (
            store_events(connection, again, received_at=AT + timedelta(seconds=5), sequence=7) == 1
        )
        assert waiting_counts(connection) == {CONTACT: 3, INVOICE: 1}
        assert last_delivery_at(connection) == AT + timedelta(seconds=5)


def test_events_are_taken_oldest_first_and_done_once(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        for n in range(5):
            store_events(
                connection,
                [change(CONTACT, n)],
                received_at=AT + timedelta(minutes=n),
                sequence=n + 1,
            )
        taken = waiting_events(connection, CONTACT, 3)
        assert [e.resource_id[-1] for e in taken] == ["0", "1", "2"]
        finish_events(connection, [e.id for e in taken], outcome="read", run_id=4, now=AT)
        assert [e.resource_id[-1] for e in waiting_events(connection, CONTACT, 10)] == ["3", "4"]
        assert waiting_events(connection, INVOICE, 10) == []
        assert waiting_counts(connection) == {CONTACT: 2}


def test_a_delivery_rolled_back_keeps_nothing(db_engine: Engine) -> None:
    connection = db_engine.connect()
    try:
        transaction = connection.begin()
        store_events(connection, [change(CONTACT, 9)], received_at=AT, sequence=1)
        transaction.rollback()
    finally:
        connection.close()
    with db_engine.connect() as connection:
        assert waiting_counts(connection) == {}
        assert last_delivery_at(connection) is None
