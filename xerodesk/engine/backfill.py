"""Links filled late: documents written before their customer, supplier or item.

A document is written even when its contact or an item on it is not in the
CRM yet; its rows keep the Xero ids (``xero_contact_id``, ``product_item_id``)
with the link NULL. After the contacts and items of each pass, a handful of
set-based ``UPDATE … WHERE link IS NULL`` statements fill what can now be
filled. Each only looks at rows whose link is still NULL, so a pass with
nothing to fill costs a few index probes.

Credit-note lines have no header to keep the ContactID on; their link
snapshots (``xd_link``) keep it, and the few unlinked ones are filled from there.
"""

from __future__ import annotations

from sqlalchemy import Connection, Table, and_, bindparam, select, update

from xerodesk.domain.sync import EntityKind
from xerodesk.engine.links import load_links
from xerodesk.store.models import (
    Product,
    PurchaseLedger,
    PurchaseOrderHeader,
    PurchaseTransaction,
    SalesLedger,
    SalesOrderHeader,
    SalesTransaction,
)

SALES_HEADERS: Table = SalesOrderHeader.__table__  # type: ignore[assignment]
SALES_LINES: Table = SalesTransaction.__table__  # type: ignore[assignment]
SALES_LEDGERS: Table = SalesLedger.__table__  # type: ignore[assignment]
PURCHASE_HEADERS: Table = PurchaseOrderHeader.__table__  # type: ignore[assignment]
PURCHASE_LINES: Table = PurchaseTransaction.__table__  # type: ignore[assignment]
PURCHASE_LEDGERS: Table = PurchaseLedger.__table__  # type: ignore[assignment]
PRODUCTS: Table = Product.__table__  # type: ignore[assignment]


def fill_missing_links(connection: Connection) -> int:
    """Fill every link that can now be filled; returns the rows changed."""
    changed = _header_ledgers(connection, SALES_HEADERS, SALES_LEDGERS, "sales_ledger_id")
    changed += _header_ledgers(connection, PURCHASE_HEADERS, PURCHASE_LEDGERS, "purchase_ledger_id")
    changed += _invoice_line_ledgers(connection)
    changed += _credit_line_ledgers(connection)
    changed += _line_products(connection, SALES_LINES)
    changed += _line_products(connection, PURCHASE_LINES)
    return changed


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _header_ledgers(connection: Connection, headers: Table, ledgers: Table, column: str) -> int:
    """``header.<ledger> = ledger.id`` where the ledger's ContactID is the header's."""
    ledger_key = ledgers.c[column]
    match = select(ledgers.c.id).where(ledger_key == headers.c.xero_contact_id).scalar_subquery()
    result = connection.execute(
        update(headers)
        .where(
            headers.c[column].is_(None),
            headers.c.xero_contact_id.in_(select(ledger_key).where(ledger_key.is_not(None))),
        )
        .values({column: match})
    )
    return _rowcount(result)


def _invoice_line_ledgers(connection: Connection) -> int:
    """Invoice lines take their header's ledger."""
    header = SALES_HEADERS
    ledger = (
        select(header.c.sales_ledger_id)
        .where(header.c.id == SALES_LINES.c.sales_order_header_id)
        .scalar_subquery()
    )
    linked = select(header.c.id).where(header.c.sales_ledger_id.is_not(None))
    result = connection.execute(
        update(SALES_LINES)
        .where(
            SALES_LINES.c.sales_ledger_id.is_(None),
            SALES_LINES.c.sales_order_header_id.in_(linked),
        )
        .values(sales_ledger_id=ledger)
    )
    return _rowcount(result)


def _credit_line_ledgers(connection: Connection) -> int:
    """Credit-note lines: the ContactID from the credit note's link snapshot."""
    notes = list(
        connection.execute(
            select(SALES_LINES.c.xero_credit_note_id)
            .where(
                and_(
                    SALES_LINES.c.sales_ledger_id.is_(None),
                    SALES_LINES.c.xero_credit_note_id.is_not(None),
                )
            )
            .distinct()
        ).scalars()
    )
    if not notes:
        return 0
    links = load_links(connection, EntityKind.CREDIT_NOTES.value, notes)
    contacts = {
        note: str(link.snapshot["contact_id"])
        for note, link in links.items()
        if link.snapshot and link.snapshot.get("contact_id")
    }
    rows = connection.execute(
        select(SALES_LEDGERS.c.sales_ledger_id, SALES_LEDGERS.c.id).where(
            SALES_LEDGERS.c.sales_ledger_id.in_(sorted(set(contacts.values())))
        )
    )
    ledgers = {str(contact): ledger_id for contact, ledger_id in rows}
    params = [
        {"note": note, "ledger": ledgers[contact]}
        for note, contact in contacts.items()
        if contact in ledgers
    ]
    if not params:
        return 0
    result = connection.execute(
        update(SALES_LINES)
        .where(
            SALES_LINES.c.xero_credit_note_id == bindparam("note"),
            SALES_LINES.c.sales_ledger_id.is_(None),
        )
        .values(sales_ledger_id=bindparam("ledger")),
        params,
    )
    return _rowcount(result)


def _line_products(connection: Connection, lines: Table) -> int:
    """``line.product_id`` from the product whose code the line carries."""
    match = (
        select(PRODUCTS.c.id)
        .where(PRODUCTS.c.product_item_id == lines.c.product_item_id)
        .scalar_subquery()
    )
    known = select(PRODUCTS.c.product_item_id).where(PRODUCTS.c.product_item_id.is_not(None))
    result = connection.execute(
        update(lines)
        .where(
            lines.c.product_id.is_(None),
            lines.c.product_item_id.is_not(None),
            lines.c.product_item_id.in_(known),
        )
        .values(product_id=match)
    )
    return _rowcount(result)
