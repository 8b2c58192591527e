"""Document digests: exact, the same in every process, and upgrades rewrite nothing.

A document's snapshot keeps a digest of its rows as written (``rows``); a
pass compares it with the stored one to tell "unchanged" from "changed". The
digest must differ when any written value differs (a cent, a date, a line's
order), be the same for the same record in any process (no dependence on
string hashing or on which equal objects happen to be shared), and a
document written by an earlier release, whose snapshot kept another kind of
digest (``digest`` or ``values``), must not look changed for that alone: it
is judged by Xero's time of change.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite

from tests.support.sandbox import RunningSandbox
from xerodesk.engine.links import Link
from xerodesk.engine.steps.credit_notes import credit_note_rows
from xerodesk.engine.steps.invoices import invoice_rows
from xerodesk.engine.steps.snapshots import (
    VALUES_KEY,
    changed,
    digest,
    document_snapshot,
    plain,
)
from xerodesk.mapping.credit_notes import map_credit_note
from xerodesk.mapping.invoices import map_invoice
from xerodesk.store.rows import SqliteBinder
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


def _sandbox_digests(sandbox: RunningSandbox, binder: SqliteBinder | None) -> list[str]:
    invoices = [
        map_invoice(r) for r in _records(sandbox, "Invoices", "Invoices") if r["Type"] == "ACCREC"
    ]
    notes = [
        map_credit_note(r)
        for r in _records(sandbox, "CreditNotes", "CreditNotes")
        if r["Type"] == "ACCRECCREDIT"
    ]
    rows = invoice_rows(invoices, binder)
    notes_rows = credit_note_rows(notes, binder)
    return [rows.digest(m) for m in invoices] + [
        notes_rows.digest(m, m.status.value, m.updated_at.isoformat()) for m in notes
    ]


@pytest.mark.parametrize("bound", [True, False], ids=["sqlite", "other databases"])
def test_every_sandbox_document_has_its_own_digest(sandbox: RunningSandbox, bound: bool) -> None:
    binder = SqliteBinder(sqlite.dialect()) if bound else None
    digests = _sandbox_digests(sandbox, binder)
    assert len(digests) > 100
    assert len(set(digests)) == len(digests)
    assert digests == _sandbox_digests(sandbox, binder)  # the same values, the same digest


def _digest(parts: list[Any]) -> str:
    """The digest of a header and its lines, as mapped rows are taken: by value."""
    return digest(plain([tuple(parts[0].values()), [tuple(p.values()) for p in parts[1]]]))


def test_values_already_plain_and_values_made_plain_give_one_digest() -> None:
    values = ("INV-1", 10.5, 3, None, True, ["é ✓", ("a", -0.0)])
    assert plain(values) == values
    assert digest(values) == digest(plain(values))
    assert digest((Decimal("10.50"), date(2026, 2, 28))) == digest(("10.50", "2026-02-28"))
    assert digest((Decimal("10.50"),)) != digest((Decimal("10.5"),))  # exact text elsewhere


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
        "from tests.engine.test_document_digest import HEADER, LINES, _digest;"
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
    rows = _digest([HEADER, LINES])
    snapshot = document_snapshot("c-1", rows, balance=[Decimal("2")], state={"number": "INV-1"})
    assert snapshot == {
        VALUES_KEY: rows,
        "balance": digest([["2"]]),
        "contact_id": "c-1",
        "state": {"number": "INV-1"},
    }


def _link(snapshot: dict[str, Any], updated: datetime | None) -> Link:
    return Link("x-1", "sales_order_header", 1, snapshot, updated)


def test_unchanged_and_changed_documents_are_told_apart() -> None:
    updated = HEADER["updated"]
    rows = _digest([HEADER, LINES])
    stored = document_snapshot("c-1", rows, state={"status": "AUTHORISED"})
    same = document_snapshot("c-1", rows, state={"status": "other state"})
    assert not changed(_link(stored, updated), same, updated)
    edited = document_snapshot("c-1", _digest([{**HEADER, "total": Decimal("11.00")}, LINES]))
    assert changed(_link(stored, updated), edited, updated)
    assert changed(None, same, updated)


@pytest.mark.parametrize("earlier_key", ["digest", "values"])
def test_a_snapshot_of_an_earlier_release_is_judged_by_xeros_time_of_change(
    earlier_key: str,
) -> None:
    updated = HEADER["updated"]
    earlier = {earlier_key: "an older digest", "balance": "b", "contact_id": "c-1"}
    now = document_snapshot("c-1", _digest([HEADER, LINES]))
    # times read back from SQLite and MariaDB are naive UTC
    naive = updated.replace(tzinfo=None)
    assert not changed(_link(earlier, naive), now, updated)
    assert not changed(_link(earlier, updated), now, updated)
    assert changed(_link(earlier, updated - timedelta(seconds=1)), now, updated)
    assert changed(_link(earlier, None), now, updated)
