"""Document digests: exact, the same in every process, and upgrades rewrite nothing.

A document's snapshot keeps a digest of its mapped values (``values``); a
pass compares it with the stored one to tell "unchanged" from "changed". The
digest must differ when any mapped value differs (a cent, a date, a line's
order), be the same for the same record in any process (no dependence on
string hashing), and a document written by an earlier release, whose
snapshot kept another kind of digest (``digest``), must not look changed
for that alone: it is judged by Xero's time of change.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.support.sandbox import RunningSandbox
from xerodesk.engine.links import Link
from xerodesk.engine.steps.documents import (
    LEGACY_KEY,
    VALUES_KEY,
    _digest,
    changed,
    document_snapshot,
)
from xerodesk.mapping.credit_notes import map_credit_note
from xerodesk.mapping.invoices import map_invoice
from xerodesk.mapping.purchase_orders import map_purchase_order
from xerodesk.xero import jsoncodec

HEADER = {
    "number": "INV-1",
    "total": Decimal("10.50"),
    "date": date(2026, 2, 28),
    "updated": datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=UTC),
    "paid": False,
    "reference": None,
}
LINES = [
    {"id": "l-1", "amount": Decimal("4.00"), "text": "é ✓"},
    {"id": "l-2", "amount": Decimal("6.50"), "text": "O'Brien; DROP TABLE"},
]


def _records(sandbox: RunningSandbox, path: str, key: str) -> list[dict[str, Any]]:
    response = sandbox.api("GET", f"/{path}", params={"page": "1", "pageSize": "1000"})
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = jsoncodec.loads(response.content)[key]
    assert records
    return records


def _sandbox_parts(sandbox: RunningSandbox) -> list[list[Any]]:
    parts: list[list[Any]] = []
    for record in _records(sandbox, "Invoices", "Invoices"):
        if record["Type"] == "ACCREC":
            mapped = map_invoice(record)
            parts.append([mapped.header, list(mapped.lines)])
    for record in _records(sandbox, "CreditNotes", "CreditNotes"):
        if record["Type"] == "ACCRECCREDIT":
            note = map_credit_note(record)
            parts.append([note.status.value, note.updated_at, list(note.lines)])
    for record in _records(sandbox, "PurchaseOrders", "PurchaseOrders"):
        order = map_purchase_order(record)
        parts.append([order.header, list(order.lines)])
    return parts


def test_every_sandbox_document_has_its_own_digest(sandbox: RunningSandbox) -> None:
    parts = _sandbox_parts(sandbox)
    assert len(parts) > 100
    digests = [_digest(p) for p in parts]
    assert len(set(digests)) == len(digests)
    assert digests == [_digest(p) for p in parts]  # the same values, the same digest


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("total", Decimal("10.51")),
        ("date", date(2026, 3, 1)),
        ("updated", datetime(2026, 6, 30, 23, 59, 59, 999998, tzinfo=UTC)),
        ("paid", True),
        ("reference", ""),
        ("number", "INV-2"),
    ],
)
def test_any_changed_header_value_changes_the_digest(field: str, value: Any) -> None:
    assert _digest([{**HEADER, field: value}, LINES]) != _digest([HEADER, LINES])


def test_changed_or_reordered_lines_change_the_digest() -> None:
    base = _digest([HEADER, LINES])
    assert _digest([HEADER, list(reversed(LINES))]) != base
    assert _digest([HEADER, LINES[:1]]) != base
    assert _digest([HEADER, [LINES[0], {**LINES[1], "text": "O'Brien"}]]) != base


def test_the_digest_does_not_depend_on_the_process() -> None:
    code = (
        "from tests.engine.test_document_digest import HEADER, LINES;"
        "from xerodesk.engine.steps.documents import _digest;"
        "print(_digest([HEADER, LINES]))"
    )
    seen = set()
    for seed in ("1", "2", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        seen.add(out.stdout.strip())
    assert seen == {_digest([HEADER, LINES])}


def test_document_snapshot_shape() -> None:
    snapshot = document_snapshot(
        "c-1", HEADER, LINES, balance=[Decimal("2")], state={"number": "INV-1"}
    )
    assert snapshot == {
        VALUES_KEY: _digest([HEADER, LINES]),
        "balance": _digest([[Decimal("2")]]),
        "contact_id": "c-1",
        "state": {"number": "INV-1"},
    }


def _link(snapshot: dict[str, Any], updated: datetime | None) -> Link:
    return Link("x-1", "sales_order_header", 1, snapshot, updated)


def test_unchanged_and_changed_documents_are_told_apart() -> None:
    updated = HEADER["updated"]
    stored = document_snapshot("c-1", HEADER, LINES, state={"status": "AUTHORISED"})
    same = document_snapshot("c-1", HEADER, LINES, state={"status": "other state"})
    assert not changed(_link(stored, updated), same, updated)
    edited = document_snapshot("c-1", {**HEADER, "total": Decimal("11.00")}, LINES)
    assert changed(_link(stored, updated), edited, updated)
    assert changed(None, same, updated)


def test_a_snapshot_of_an_earlier_release_is_judged_by_xeros_time_of_change() -> None:
    updated = HEADER["updated"]
    earlier = {LEGACY_KEY: "an older digest", "balance": "b", "contact_id": "c-1"}
    now = document_snapshot("c-1", HEADER, LINES)
    # times read back from SQLite and MariaDB are naive UTC
    naive = updated.replace(tzinfo=None)
    assert not changed(_link(earlier, naive), now, updated)
    assert not changed(_link(earlier, updated), now, updated)
    assert changed(_link(earlier, updated - timedelta(seconds=1)), now, updated)
    assert changed(_link(earlier, None), now, updated)
