"""What the app has sent to Xero: the outbox's latest pushes with their result, for the
Log tab (customers, products and orders, each with its name and what Xero said)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from xerodesk.engine.push.model import PushKind, PushState
from xerodesk.store.models import Product, Quote, SalesLedger
from xerodesk.store.xd_models import OutboxItem

KIND_WORDS = {
    PushKind.CUSTOMER.value: "Customer",
    PushKind.PRODUCT.value: "Product",
    PushKind.INVOICE.value: "Order (as an invoice)",
}
RESULT_WORDS = {
    PushState.PENDING.value: "Waiting to be sent",
    PushState.SENDING.value: "Being sent",
    PushState.DONE.value: "Sent to Xero",
    PushState.FAILED.value: "Not accepted by Xero",
    PushState.BLOCKED.value: "Held back: customer on stop",
    PushState.CANCELLED.value: "Not sent: the quote is no longer confirmed",
}


@dataclass(frozen=True)
class PushLine:
    at: datetime | None
    what: str
    name: str
    result: str
    #: Xero's or the mapping's reason, when refused
    reason: str
    attempts: int


def recent_pushes(connection: Connection, limit: int = 200) -> list[PushLine]:
    """The latest pushes, newest first."""
    latest = func.coalesce(OutboxItem.updated_at, OutboxItem.created_at)
    rows = connection.execute(
        select(
            OutboxItem.kind,
            OutboxItem.record_id,
            OutboxItem.state,
            OutboxItem.last_error,
            OutboxItem.attempts,
            latest.label("at"),
        )
        .order_by(latest.desc(), OutboxItem.id.desc())
        .limit(limit)
    ).all()
    names = _names(connection, rows)
    return [
        PushLine(
            row.at,
            KIND_WORDS.get(row.kind, row.kind.capitalize()),
            names.get((row.kind, row.record_id), f"#{row.record_id}"),
            RESULT_WORDS.get(row.state, row.state.capitalize()),
            (row.last_error or "") if row.state == PushState.FAILED.value else "",
            int(row.attempts or 0),
        )
        for row in rows
    ]


def _names(connection: Connection, rows: Sequence[Any]) -> dict[tuple[str, int], str]:
    """Each pushed record's name as the CRM shows it: a customer's, a product's code and
    description, a quote's number."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(row.kind, set()).add(int(row.record_id))
    names: dict[tuple[str, int], str] = {}
    queries = {
        PushKind.CUSTOMER.value: select(SalesLedger.id, SalesLedger.name).where(
            SalesLedger.id.in_(wanted.get(PushKind.CUSTOMER.value, ()))
        ),
        PushKind.PRODUCT.value: select(
            Product.id,
            func.coalesce(Product.product_item_id, "")
            + " "
            + func.coalesce(Product.description, ""),
        ).where(Product.id.in_(wanted.get(PushKind.PRODUCT.value, ()))),
        PushKind.INVOICE.value: select(Quote.id, "Quote " + Quote.quote_number).where(
            Quote.id.in_(wanted.get(PushKind.INVOICE.value, ()))
        ),
    }
    for kind, query in queries.items():
        if wanted.get(kind):
            for record_id, name in connection.execute(query):
                if name and name.strip():
                    names[(kind, int(record_id))] = name.strip()
    return names
