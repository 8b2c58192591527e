"""The day in the life, played small: counts that must hold, and hold every time.

A tiny organisation, twelve Xero-side changes and four CRM-side ones in
business hours, the Starter tier's 1,000 calls. Everything is simulated time,
so what is asserted is counts: every change reached the other side, no push
waited for the budget, the day's calls stayed within it, the client's and the
sandbox's counts of calls and bytes agree, and a second day played with the
same seed counts the same (on the wire within a hair: gzip packs the random
ids of pushed records a little differently). No time is asserted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.day import DaySettings, run_day

ORG = "contacts=40,items=30,invoices=150,credit_notes=20,purchase_orders=15"


def _day(folder: Path) -> dict[str, Any]:
    folder.mkdir()
    settings = DaySettings(ORG, budget=1000, seed=3, xero_changes=12, crm_changes=4)
    data = run_day(settings, folder).as_json()
    data.pop("real_seconds")
    return data


def test_a_small_day_keeps_every_promise_and_counts_the_same_twice(tmp_path: Path) -> None:
    day = _day(tmp_path / "first")
    assert day["xero_to_crm"]["changes"] == day["xero_to_crm"]["arrived"] == 12
    assert day["crm_to_xero"]["changes"] == day["crm_to_xero"]["arrived"] == 4
    assert day["pushes_delayed_by_budget"] == 0
    assert 0 < day["calls"] <= 1000
    # the client counted what the sandbox served, call for call and byte for byte
    assert day["calls"] == day["sandbox_calls"]
    assert (day["bytes_read"], day["wire_bytes"]) == (
        day["sandbox_bytes"]["body"],
        day["sandbox_bytes"]["wire"],
    )
    assert day["wire_bytes"] < day["bytes_read"]
    # passes as often as 1,000 calls allow, not every two minutes (720 a day)
    assert 100 <= day["passes"] < 720
    again = _day(tmp_path / "second")
    # the same calls, passes, latencies and bytes read; on the wire within a
    # hair, as gzip packs the random ids of the records pushed a little differently
    wire = (day.pop("wire_bytes"), again.pop("wire_bytes"))
    served = (day.pop("sandbox_bytes")["wire"], again.pop("sandbox_bytes")["wire"])
    assert again == day
    assert wire == served and abs(wire[0] - wire[1]) * 200 < wire[0]


def test_a_small_day_with_webhooks_reads_by_id_and_polls_less(tmp_path: Path) -> None:
    """The same day with Xero's webhooks on: every change still arrives, the
    announced ones within the delivery's wait and a read (simulated seconds, not
    time: the clock is the day's), with fewer calls than polling alone."""
    folder = tmp_path / "hooks"
    folder.mkdir()
    settings = DaySettings(ORG, budget=1000, seed=3, xero_changes=12, crm_changes=4, webhooks=True)
    day = run_day(settings, folder).as_json()
    polling = _day(tmp_path / "polling")
    assert day["xero_to_crm"]["changes"] == day["xero_to_crm"]["arrived"] == 12
    assert day["crm_to_xero"]["arrived"] == 4
    assert day["pushes_delayed_by_budget"] == 0
    assert day["calls"] == day["sandbox_calls"]
    hooks = day["webhooks"]
    announced = day["xero_to_crm_announced"]
    # each announced change came in a delivery and was read by id: within the
    # sandbox's wait (5 s of batching, 10 s of delay) and a read of a few calls
    assert hooks["deliveries"] >= 1 and hooks["events"] >= announced["changes"]
    assert hooks["reads"] >= 1
    assert announced["max_s"] is not None and announced["max_s"] <= 30
    # passes at most every webhook_poll_minutes (30): at most 48 in the day
    assert day["passes"] <= 49
    assert day["calls"] < polling["calls"]
