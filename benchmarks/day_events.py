"""The events of a simulated business day, and the checks that they arrived.

Xero-side changes are made through the sandbox's control API, which acts as
a Xero user does (an edit gives the record a new ``UpdatedDateUTC``; a
payment moves the contact's balance without one). CRM-side changes are
written with SQL, as the CRM itself would: a new customer, or a quote
confirmed with lines of products the CRM has from Xero. Each change knows
what the other side shows once it has arrived, and ``arrived`` looks for it
there: in the CRM's rows for a Xero change, in the outbox and the CRM's
record of what Xero answered for a CRM change.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select

from benchmarks.harness import SandboxProcess
from xerodesk.store.models import (
    Company,
    Division,
    Product,
    Quote,
    QuoteLine,
    SalesLedger,
    SalesOrderHeader,
)

#: the business day, in hours after midnight (UTC)
OPENS, CLOSES = 8, 16
#: two busy hours, when changes come three times as fast
BURSTS = ((10, 11), (14, 15))
BURST_FACTOR = 3.0
#: the mix of Xero-side changes
XERO_KINDS = (("contact", 0.25), ("item", 0.2), ("invoice", 0.3), ("payment", 0.25))


@dataclass
class Change:
    """One change on one side, when it was made and when the other side had it."""

    at: datetime
    side: str  # "xero" or "crm"
    kind: str
    key: str
    marker: str = ""
    seen_at: datetime | None = None
    record_id: int | None = None

    @property
    def latency(self) -> float | None:
        if self.seen_at is None:
            return None
        return (self.seen_at - self.at).total_seconds()


@dataclass
class Pools:
    """What the day's changes pick from: ids the CRM has from its first sync."""

    contacts: list[str]
    items: list[str]
    open_invoices: list[str]
    products: list[int]
    used: set[str] = field(default_factory=set)

    def take(self, pool: list[str], rng: random.Random) -> str:
        for _ in range(50):
            choice = rng.choice(pool)
            if choice not in self.used:
                self.used.add(choice)
                return choice
        return rng.choice(pool)


def load_pools(connection: Connection) -> Pools:
    """Contacts, items, unpaid invoices and sellable products the CRM knows."""
    contacts = connection.execute(
        select(SalesLedger.sales_ledger_id).where(SalesLedger.sales_ledger_id.is_not(None))
    ).scalars()
    items = connection.execute(  # sold items: Xero blanks the description of the others
        select(Product.xero_item_id).where(
            Product.xero_item_id.is_not(None), Product.sellable.is_(True)
        )
    ).scalars()
    invoices = connection.execute(
        select(SalesOrderHeader.xero_invoice_id).where(
            SalesOrderHeader.xero_status == "AUTHORISED",
            SalesOrderHeader.amount_due > 0,
        )
    ).scalars()
    products = connection.execute(
        select(Product.id).where(
            Product.xero_item_id.is_not(None),
            Product.sellable.is_(True),
            Product.sell_price.is_not(None),
        )
    ).scalars()
    return Pools(
        sorted(str(c) for c in contacts),
        sorted(str(i) for i in items),
        sorted(str(i) for i in invoices),
        sorted(int(p) for p in products),
    )


def _rate_at(hour: float) -> float:
    return BURST_FACTOR if any(start <= hour < end for start, end in BURSTS) else 1.0


def change_times(count: int, day: datetime, rng: random.Random) -> list[datetime]:
    """``count`` moments in the business day, denser in the busy hours (thinning a
    uniform draw by the hour's rate: a Poisson process of that shape)."""
    times: list[datetime] = []
    span = (CLOSES - OPENS) * 3600.0
    while len(times) < count:
        offset = rng.uniform(0.0, span)
        hour = OPENS + offset / 3600.0
        if rng.uniform(0.0, BURST_FACTOR) <= _rate_at(hour):
            times.append(day + timedelta(hours=OPENS, seconds=math.floor(offset)))
    return sorted(times)


def plan_changes(
    pools: Pools, day: datetime, xero: int, crm: int, rng: random.Random
) -> list[Change]:
    """The day's changes in time order: ``xero`` Xero-side, ``crm`` CRM-side."""
    weights = [w for _, w in XERO_KINDS]
    kinds = [k for k, _ in XERO_KINDS]
    changes: list[Change] = []
    for n, at in enumerate(change_times(xero, day, rng)):
        kind = rng.choices(kinds, weights)[0]
        if kind == "payment" and not pools.open_invoices:
            kind = "invoice"
        pool = {
            "contact": pools.contacts,
            "item": pools.items,
            "invoice": pools.open_invoices or pools.contacts,
            "payment": pools.open_invoices,
        }[kind]
        changes.append(Change(at, "xero", kind, pools.take(pool, rng), f"day-{n}"))
    for n, at in enumerate(change_times(crm, day, rng)):
        kind = "customer" if n % 2 == 0 else "order"
        changes.append(Change(at, "crm", kind, f"crm-{n}", f"DAY-{n}"))
    return sorted(changes, key=lambda c: (c.at, c.side, c.marker))


# --- making the changes ---------------------------------------------------------


def make_xero_change(sandbox: SandboxProcess, change: Change) -> None:
    """The change as a Xero user makes it (control API: not counted as the sync's calls)."""
    edits = {
        "contact": ("Contacts", {"EmailAddress": f"{change.marker}@example.com"}),
        "item": ("Items", {"Description": f"Changed in Xero ({change.marker})"}),
        "invoice": ("Invoices", {"Reference": change.marker}),
    }
    if change.kind in edits:
        collection, edit = edits[change.kind]
        body = {"collection": collection, "id": change.key, "changes": edit}
        sandbox.control("POST", "/edit", body)
    else:
        sandbox.control("POST", f"/documents/Invoices/{change.key}/status", {"Status": "PAID"})


def make_crm_change(
    connection: Connection, change: Change, pools: Pools, rng: random.Random, now: datetime
) -> None:
    """A new customer, or a confirmed quote for a new customer (as the CRM writes them)."""
    name = f"Day Customer {change.marker}"
    company = connection.execute(insert(Company).values(name=name, company_type="Customer"))
    company_id = company.inserted_primary_key[0]  # type: ignore[index]
    division = connection.execute(insert(Division).values(company_id=company_id, name=name))
    ledger = connection.execute(
        insert(SalesLedger).values(
            company_id=company_id,
            division_id=division.inserted_primary_key[0],  # type: ignore[index]
            name=name,
            email=f"{change.marker.lower()}@example.com",
            origin="crm",
            on_stop=False,
        )
    )
    ledger_id = int(ledger.inserted_primary_key[0])  # type: ignore[index]
    change.record_id = ledger_id
    if change.kind != "order":
        return
    quote = connection.execute(
        insert(Quote).values(
            quote_number=change.marker,
            sales_ledger_id=ledger_id,
            status="Confirmed",
            confirmed_at=now,
            currency_code=None,
        )
    )
    quote_id = int(quote.inserted_primary_key[0])  # type: ignore[index]
    change.record_id = quote_id
    for line, product in enumerate(rng.sample(pools.products, min(2, len(pools.products))), 1):
        price = connection.scalar(select(Product.sell_price).where(Product.id == product))
        connection.execute(
            insert(QuoteLine).values(
                quote_id=quote_id,
                line_number=line,
                product_id=product,
                description=f"Day order line {line}",
                quantity=Decimal(1 + line),
                unit_price=Decimal(price or 1),
            )
        )


# --- seeing them arrive ------------------------------------------------------------


def arrived(connection: Connection, change: Change) -> bool:
    """Whether the other side shows ``change`` (read from the CRM's own rows)."""
    if change.side == "crm":
        if change.kind == "customer":
            found = connection.scalar(
                select(SalesLedger.sales_ledger_id).where(SalesLedger.id == change.record_id)
            )
            return found is not None
        row = connection.execute(
            select(Quote.xero_invoice_id, Quote.push_state).where(Quote.id == change.record_id)
        ).one_or_none()
        return row is not None and row[0] is not None and row[1] == "sent"
    return _xero_change_arrived(connection, change)


def _xero_change_arrived(connection: Connection, change: Change) -> bool:
    if change.kind == "contact":
        email = connection.scalar(
            select(SalesLedger.email).where(SalesLedger.sales_ledger_id == change.key)
        )
        return email == f"{change.marker}@example.com"
    if change.kind == "item":
        text = connection.scalar(
            select(Product.extended_description).where(Product.xero_item_id == change.key)
        )
        return text == f"Changed in Xero ({change.marker})"
    header = SalesOrderHeader
    row: Any = connection.execute(
        select(header.customer_reference, header.xero_status).where(
            header.xero_invoice_id == change.key
        )
    ).one_or_none()
    if row is None:
        return False
    if change.kind == "invoice":
        return bool(row[0] == change.marker)
    return bool(row[1] == "PAID")
