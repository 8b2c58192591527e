"""Pull Xero contacts into companies, divisions, ledgers and contacts.

Every row is keyed on the Xero ContactID, so re-imports update in place. A
customer created in the CRM and pushed already carries its ContactID in
``sales_ledger.sales_ledger_id``: its company and division are adopted (given
the ContactID) before the upsert, so it is matched, never duplicated.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update

from xerodesk.domain.sync import Counts, EntityKind
from xerodesk.engine.audit import CREATED, SIDE_XERO, AuditLine, write_audit
from xerodesk.engine.cursors import WALK_ORDER, WalkPlan
from xerodesk.engine.edits import Judged, judge_pulled
from xerodesk.engine.findings import raise_findings
from xerodesk.engine.links import Link, load_links, make_snapshot, save_links
from xerodesk.engine.pull import PageOutcome, WriteContext
from xerodesk.engine.steps.common import (
    write_mapped_page,
)
from xerodesk.engine.stops import report_stops
from xerodesk.mapping.contacts import (
    XERO_OWNED_COMPANY_COLUMNS,
    XERO_OWNED_CONTACT_COLUMNS,
    XERO_OWNED_DIVISION_COLUMNS,
    XERO_OWNED_PURCHASE_LEDGER_COLUMNS,
    XERO_OWNED_SALES_LEDGER_COLUMNS,
    MappedContact,
    map_contact,
)
from xerodesk.store.models import Company, Contact, Division, PurchaseLedger, SalesLedger
from xerodesk.store.upsert import bulk_upsert, fetch_ids
from xerodesk.xero.client import XeroClient
from xerodesk.xero.paging import Page

COMPANY: Table = Company.__table__  # type: ignore[assignment]
DIVISION: Table = Division.__table__  # type: ignore[assignment]
SALES: Table = SalesLedger.__table__  # type: ignore[assignment]
PURCHASE: Table = PurchaseLedger.__table__  # type: ignore[assignment]
CONTACT: Table = Contact.__table__  # type: ignore[assignment]


def contact_snapshot(mapped: MappedContact) -> dict[str, Any]:
    return make_snapshot(
        {
            "company": mapped.company,
            "sales_ledger": mapped.sales_ledger,
            "purchase_ledger": mapped.purchase_ledger,
            "contact": mapped.contact,
            "merged_to": {"id": mapped.merged_to},
        }
    )


@dataclass
class ContactsStep:
    """Contacts, archived ones included (archives put customers on stop)."""

    entity: EntityKind = EntityKind.CONTACTS

    def walk(self, client: XeroClient, plan: WalkPlan) -> AsyncIterator[Page]:
        return client.contacts(
            modified_since=plan.since,
            include_archived=True,
            order=WALK_ORDER,
            start_page=plan.start_page,
        )

    def write_page(self, connection: Connection, page: Page, context: WriteContext) -> PageOutcome:
        show_number = context.options.display_account_number
        claim_pushed_customers(connection, page.records)
        return write_mapped_page(
            connection,
            page,
            context,
            lambda record: map_contact(record, display_account_number=show_number),
            "ContactID",
            lambda mapped: write_contacts(connection, mapped, context.run_id),
        )


_CRM_NUMBER = re.compile(r"^CRM-(\d+)$")


def claim_pushed_customers(connection: Connection, records: Sequence[Mapping[str, Any]]) -> int:
    """Give CRM customers the ContactID of the Xero contact that carries their number.

    A customer pushed to Xero has ``ContactNumber`` = ``CRM-<sales_ledger.id>``.
    If the write-back of its ContactID was lost (a crash between Xero's answer
    and the commit), the contact coming back in a pull still finds its CRM row
    here, instead of becoming a second customer. Returns the rows claimed.
    """
    wanted: dict[int, str] = {}
    for record in records:
        number, contact_id = record.get("ContactNumber"), record.get("ContactID")
        match = _CRM_NUMBER.match(number) if isinstance(number, str) else None
        if match and isinstance(contact_id, str):
            wanted[int(match.group(1))] = contact_id
    if not wanted:
        return 0
    taken = set(
        connection.execute(
            select(SalesLedger.sales_ledger_id).where(
                SalesLedger.sales_ledger_id.in_(list(wanted.values()))
            )
        ).scalars()
    )
    params = [{"lid": lid, "cid": cid} for lid, cid in wanted.items() if cid not in taken]
    if not params:
        return 0
    result = connection.execute(
        update(SALES)
        .where(SALES.c.id == bindparam("lid"))
        .where(SALES.c.sales_ledger_id.is_(None), SALES.c.origin == "crm")
        .values(sales_ledger_id=bindparam("cid")),
        params,
    )
    return int(result.rowcount or 0)


def _latest_per_contact(mapped: Sequence[MappedContact]) -> list[MappedContact]:
    latest: dict[str, MappedContact] = {}
    for item in mapped:
        seen = latest.get(item.contact_id)
        if seen is None or item.updated_at >= seen.updated_at:
            latest[item.contact_id] = item
    return list(latest.values())


def write_contacts(
    connection: Connection, mapped: Sequence[MappedContact], run_id: int | None = None
) -> Counts:
    """Upsert the rows of ``mapped`` contacts; unchanged ones are not written.

    Linked contacts are judged field by field first (``engine.edits``): a
    Xero-owned value edited in the CRM only is kept, conflicts are reported,
    and every value written goes to the audit trail.
    """
    entity = EntityKind.CONTACTS.value
    records = _latest_per_contact(mapped)
    links = load_links(connection, entity, [m.contact_id for m in records])
    snapshots = {m.contact_id: contact_snapshot(m) for m in records}
    todo = [m for m in records if _changed(links.get(m.contact_id), snapshots[m.contact_id])]
    if not todo:
        return Counts(unchanged=len(records))
    judged = judge_pulled(
        connection,
        entity,
        [
            (m.contact_id, links[m.contact_id], snapshots[m.contact_id])
            for m in todo
            if m.contact_id in links
        ],
    )
    _adopt_crm_companies(connection, [m.contact_id for m in todo])
    company_ids = _upsert_keyed(
        connection,
        COMPANY,
        [_kept(judged, m, "company", m.company) for m in todo],
        XERO_OWNED_COMPANY_COLUMNS,
    )
    divisions = [{**m.division, "company_id": company_ids[m.contact_id]} for m in todo]
    division_ids = _upsert_keyed(
        connection, DIVISION, divisions, (*XERO_OWNED_DIVISION_COLUMNS, "company_id")
    )
    ledger_ids = _write_ledgers(connection, todo, company_ids, division_ids, judged)
    people = [
        {**_kept(judged, m, "contact", m.contact), "company_id": company_ids[m.contact_id]}
        for m in todo
        if m.contact
    ]
    _upsert_keyed(connection, CONTACT, people, (*XERO_OWNED_CONTACT_COLUMNS, "company_id"))
    save_links(
        connection,
        entity,
        [
            (m.contact_id, *ledger_ids[m.contact_id], snapshots[m.contact_id], m.updated_at)
            for m in todo
        ],
    )
    new = [m for m in todo if m.contact_id not in links]
    created = [
        AuditLine(*ledger_ids[m.contact_id], m.contact_id, CREATED, None, m.name, SIDE_XERO)
        for m in new
    ]
    write_audit(connection, [*created, *judged.audit], run_id)
    raise_findings(connection, judged.findings, run_id)
    report_stops(connection, judged.audit, run_id)
    return Counts(
        created=len(new), updated=len(todo) - len(new), unchanged=len(records) - len(todo)
    )


def _kept(judged: Judged, m: MappedContact, part: str, row: dict[str, Any]) -> dict[str, Any]:
    """Xero's row for ``part`` with the CRM's own edits of Xero-owned fields kept."""
    kept = judged.keep.get(m.contact_id, {}).get(part)
    return {**row, **kept} if kept else row


def _changed(link: Link | None, snapshot: dict[str, Any]) -> bool:
    return link is None or link.snapshot != snapshot


def _upsert_keyed(
    connection: Connection, table: Table, rows: list[dict[str, Any]], owned: Sequence[str]
) -> dict[str, int]:
    """Upsert rows keyed on their Xero ContactID column; returns ContactID → row id."""
    key = next(
        k for k in ("xero_contact_id", "sales_ledger_id", "purchase_ledger_id") if k in table.c
    )
    if not rows:
        return {}
    columns = sorted({c for row in rows for c in row})
    full_rows = [{c: row.get(c) for c in columns} for row in rows]
    update_columns = [c for c in columns if c in owned and c != key]
    bulk_upsert(connection, table, full_rows, [key], update=update_columns)
    return fetch_ids(connection, table, [key], [row[key] for row in rows])


def _write_ledgers(
    connection: Connection,
    todo: Sequence[MappedContact],
    company_ids: dict[str, int],
    division_ids: dict[str, int],
    judged: Judged,
) -> dict[str, tuple[str, int]]:
    """Sales and purchase ledgers; returns ContactID → (main table, row id) for the link."""
    sales = [
        {
            **_kept(judged, m, "sales_ledger", m.sales_ledger),
            "company_id": company_ids[m.contact_id],
            "division_id": division_ids[m.contact_id],
        }
        for m in todo
        if m.sales_ledger is not None
    ]
    owned_sales = (*XERO_OWNED_SALES_LEDGER_COLUMNS, "company_id", "division_id")
    sales_ids = _upsert_keyed(connection, SALES, sales, owned_sales)
    purchases = [
        {
            **_kept(judged, m, "purchase_ledger", m.purchase_ledger),
            "company_id": company_ids[m.contact_id],
        }
        for m in todo
        if m.purchase_ledger is not None
    ]
    owned_purchase = (*XERO_OWNED_PURCHASE_LEDGER_COLUMNS, "company_id")
    purchase_ids = _upsert_keyed(connection, PURCHASE, purchases, owned_purchase)
    targets: dict[str, tuple[str, int]] = {}
    for m in todo:
        if m.contact_id in sales_ids:
            targets[m.contact_id] = ("sales_ledger", sales_ids[m.contact_id])
        elif m.contact_id in purchase_ids:
            targets[m.contact_id] = ("purchase_ledger", purchase_ids[m.contact_id])
        else:
            targets[m.contact_id] = ("company", company_ids[m.contact_id])
    return targets


def _adopt_crm_companies(connection: Connection, contact_ids: Sequence[str]) -> None:
    """Give a pushed CRM customer's company and division its ContactID, once."""
    rows = connection.execute(
        select(SalesLedger.sales_ledger_id, SalesLedger.company_id, SalesLedger.division_id)
        .where(SalesLedger.sales_ledger_id.in_(list(contact_ids)))
        .where(SalesLedger.origin == "crm")
    ).all()
    for table, position in ((COMPANY, 1), (DIVISION, 2)):
        params = [{"cid": row[0], "rid": row[position]} for row in rows if row[position]]
        if params:
            connection.execute(
                update(table)
                .where(table.c.id == bindparam("rid"), table.c.xero_contact_id.is_(None))
                .values(xero_contact_id=bindparam("cid")),
                params,
            )
