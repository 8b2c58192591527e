"""Webhooks working or looking off, and how the planner spaces passes for each.

From the run log and the stored events alone, on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert

from xerodesk.cli_text import webhook_lines
from xerodesk.engine.budget import day_usage
from xerodesk.engine.outlook import sync_outlook
from xerodesk.engine.schedule import MINIMUM, WEBHOOKS, next_pass, plan_next_pass
from xerodesk.engine.webhooks.health import mark_listening, webhook_health
from xerodesk.store.options import set_option
from xerodesk.store.state import add_run_counts
from xerodesk.store.webhook_events import CONTACT, AnnouncedChange, store_events
from xerodesk.store.xd_models import SyncRun

NOW = datetime.now(UTC).replace(microsecond=0)


def pass_found(engine: Engine, ago: timedelta, entity: str, updated: int) -> None:
    """A scheduled pass ``ago`` that updated ``updated`` records of ``entity``."""
    at = NOW - ago
    with engine.begin() as connection:
        run_id = connection.execute(
            insert(SyncRun).values(
                trigger="schedule", started_at=at, finished_at=at, outcome="ok", calls_used=5
            )
        ).inserted_primary_key[0]
        add_run_counts(connection, int(run_id), entity, updated=updated, pages=1, calls=1)


def delivered(engine: Engine, ago: timedelta) -> None:
    change = AnnouncedChange(CONTACT, "00000000-0000-4000-8000-000000000001", "UPDATE", NOW - ago)
    with engine.begin() as connection:
        store_events(connection, [change], received_at=NOW - ago, sequence=1)


def test_no_listening_service_means_no_webhooks(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        health = webhook_health(connection, NOW)
    assert (health.working, health.looks_off) == (False, False)


def test_a_quiet_organisation_keeps_webhooks_working(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        mark_listening(connection, NOW - timedelta(hours=5))
    pass_found(db_engine, timedelta(hours=1), "invoices", 0)  # passes found nothing new
    with db_engine.connect() as connection:
        health = webhook_health(connection, NOW)
    assert health.working and not health.looks_off
    assert health.to_json()["listening_since"] == (NOW - timedelta(hours=5)).isoformat()


def test_silence_beside_unannounced_changes_looks_off(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        mark_listening(connection, NOW - timedelta(hours=5))
    delivered(db_engine, timedelta(hours=3))
    pass_found(db_engine, timedelta(hours=4), "invoices", 9)  # before the delivery: announced
    pass_found(db_engine, timedelta(hours=1), "contacts", 4)  # balances move unannounced
    with db_engine.connect() as connection:
        assert webhook_health(connection, NOW).working
    # a change a pass found a moment ago may still have its delivery on the way
    pass_found(db_engine, timedelta(minutes=2), "invoices", 1)
    with db_engine.connect() as connection:
        assert webhook_health(connection, NOW).working
    pass_found(db_engine, timedelta(minutes=30), "invoices", 2)
    with db_engine.connect() as connection:
        health = webhook_health(connection, NOW)
    assert health.looks_off and not health.working
    assert health.unannounced == 2
    # a delivery now: working again
    delivered(db_engine, timedelta(seconds=0))
    with db_engine.connect() as connection:
        assert webhook_health(connection, NOW).working


def test_a_stopped_service_is_not_listening(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        mark_listening(connection, NOW - timedelta(hours=1))
        mark_listening(connection, None)
        assert webhook_health(connection, NOW).listening_since is None


def test_with_webhooks_passes_come_at_the_webhook_interval(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        set_option(connection, "webhook_poll_minutes", "30")
        plain = next_pass(connection, NOW, NOW)
        hooked = next_pass(connection, NOW, NOW, webhooks=True)
    assert plain.interval == timedelta(minutes=2)
    assert plain.reason == MINIMUM
    assert hooked.interval == timedelta(minutes=30)
    assert hooked.reason == WEBHOOKS


def test_the_reads_webhooks_ask_for_slow_the_passes_down(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        set_option(connection, "daily_call_budget", "1000")
        connection.execute(
            insert(SyncRun).values(
                trigger="webhook",
                started_at=NOW - timedelta(hours=1),
                finished_at=NOW - timedelta(hours=1),
                outcome="ok",
                calls_used=300,
            )
        )
        usage = day_usage(connection, 1000, NOW)
    assert usage.webhook_calls == 300
    # 1000 less the push reserve (100) less the webhooks' 300: 600 for passes of 6 calls
    schedule = plan_next_pass(usage, 6, timedelta(minutes=1), NOW)
    assert schedule.interval == timedelta(days=1) * 6 / 600


def test_the_status_says_when_webhooks_look_off(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        assert sync_outlook(connection, NOW).to_json()["webhooks"]["listening_since"] is None
        assert webhook_lines(webhook_health(connection, NOW)) == []
        mark_listening(connection, NOW - timedelta(hours=3))
    pass_found(db_engine, timedelta(minutes=30), "credit_notes", 3)
    with db_engine.connect() as connection:
        outlook = sync_outlook(connection, NOW)
    data = outlook.to_json()["webhooks"]
    assert (data["looks_off"], data["working"], data["unannounced_changes"]) == (True, False, 3)
    lines = webhook_lines(outlook.webhooks)
    assert lines[0].startswith("Webhooks: on since") and "no delivery yet" in lines[0]
    assert lines[1].startswith("Warning: Xero's webhooks look off")
    # and the plan shown is the one without webhooks: as often as the minimum allows
    assert outlook.schedule.reason != WEBHOOKS
