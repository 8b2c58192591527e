"""Document digests are the same text as before they were made faster.

A document's snapshot keeps a SHA-256 digest of its mapped values; a pass
compares it with the stored one to tell "unchanged" from "changed". The
digest is computed by the JSON encoder's hook instead of copying every value
first: for every document the sandbox serves and for awkward values, it must
equal the digest of ``snapshot_value``'s copy, or every stored document would
look changed (and every balance stale) after an upgrade.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.support.sandbox import RunningSandbox
from xerodesk.domain.sync import EntityKind
from xerodesk.domain.values import TransactionType
from xerodesk.engine.links import snapshot_value
from xerodesk.engine.steps.documents import _digest, document_snapshot
from xerodesk.mapping.credit_notes import map_credit_note
from xerodesk.mapping.invoices import map_invoice
from xerodesk.mapping.purchase_orders import map_purchase_order
from xerodesk.xero import jsoncodec


def reference_digest(parts: Any) -> str:
    text = json.dumps(snapshot_value(parts), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _records(sandbox: RunningSandbox, path: str, key: str) -> list[dict[str, Any]]:
    response = sandbox.api("GET", f"/{path}", params={"page": "1", "pageSize": "1000"})
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = jsoncodec.loads(response.content)[key]
    assert records
    return records


def test_every_document_digest_matches_the_snapshot_copy(sandbox: RunningSandbox) -> None:
    checked = 0
    for record in _records(sandbox, "Invoices", "Invoices"):
        if record["Type"] != "ACCREC":
            continue
        mapped = map_invoice(record)
        parts = [mapped.header, list(mapped.lines)]
        assert _digest(parts) == reference_digest(parts)
        checked += 1
    for record in _records(sandbox, "CreditNotes", "CreditNotes"):
        if record["Type"] != "ACCRECCREDIT":
            continue
        note = map_credit_note(record)
        parts = [note.status, note.updated_at, list(note.lines)]
        assert _digest(parts) == reference_digest(parts)
        checked += 1
    for record in _records(sandbox, "PurchaseOrders", "PurchaseOrders"):
        order = map_purchase_order(record)
        parts = [order.header, list(order.lines)]
        assert _digest(parts) == reference_digest(parts)
        checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    "value",
    [
        Decimal("1.000"),
        Decimal("-0"),
        Decimal("1E+2"),
        Decimal("0.0001"),
        Decimal("123456789012.3456"),
        Decimal("NaN"),
        date(2026, 2, 28),
        datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 6, 30, 12, 0),
        TransactionType.INVOICE,
        EntityKind.CONTACTS,
        (Decimal("2.50"), None, True, 3, 1.5, "é ✓"),
        {"b": [Decimal("10"), {"z": date(2020, 1, 1)}], "a": None},
        {"nested": ({"x": Decimal("0E-7")},)},
    ],
)
def test_awkward_values_digest_as_their_snapshot_copy(value: Any) -> None:
    parts = [{"value": value, "other": Decimal("7.10")}, [value]]
    assert _digest(parts) == reference_digest(parts)


def test_document_snapshot_shape() -> None:
    snapshot = document_snapshot("c-1", {"a": Decimal("1.50")}, [], balance=[Decimal("2")])
    assert snapshot["contact_id"] == "c-1"
    assert snapshot["digest"] == reference_digest([{"a": Decimal("1.50")}, []])
    assert snapshot["balance"] == reference_digest([Decimal("2")])
