"""Linking a CRM record to another existing Xero record, from a conflict or CRM edit.

A person says "this CRM record is really that other Xero record": a linked
company (from a Xero contact) or product (from a Xero item) is re-pointed at
the Xero record they name, by its Xero id or, for a contact, its
ContactNumber or exact Name, for an item its Code (``parse_target``).

``request_link_in`` (the review action, one transaction, in
``engine.link_requests``) checks what it can without Xero (the id's shape; an
id already linked to another CRM record is refused at once, naming that
record) and marks the item; with the next push
the runner reads the named record from Xero (one ``GET``) and, in one
transaction (``apply_link``):

- the CRM rows of the record (company, division, ledgers, person; or the
  product) take the new Xero id, and the link is re-pointed to it;
- the record's values are taken from Xero, as a pull writes them (Xero owns
  those fields), and the snapshot is reset to them;
- CRM documents of the new Xero contact that had no CRM customer join it;
- the re-link goes to the audit trail (old and new Xero id, side ``user``)
  and the item, with any other open conflict or CRM edit of the record,
  closes as ``linked``.

The old Xero record is left as it is in Xero: nothing is deleted, archived
or changed there. When Xero has no such record, or it is linked to another
CRM record by then, the item stays open with the reason; a transient failure
leaves the request for the next push.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, select, update

from xerodesk.engine.audit import SIDE_USER, AuditLine, write_audit
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.edits import PART_TABLES, crm_rows
from xerodesk.engine.findings import CONFLICT, CRM_EDIT, keep_open_saying
from xerodesk.engine.link_requests import (
    BY,
    GUID,
    ID_FIELD,
    LINK_REQUESTED,
    NOUN,
    REFUSED_PREFIX,
    SPECS,
    Target,
    already_linked,
    linked_elsewhere,
)
from xerodesk.engine.push.lookup import where_text
from xerodesk.engine.steps.contacts import write_contacts
from xerodesk.engine.steps.items import write_items
from xerodesk.errors import (
    ConfigurationError,
    RetryableError,
    ReviewError,
    UnreachableError,
    XeroNotFoundError,
    XeroRequestError,
)
from xerodesk.mapping.contacts import MappedContact, map_contact
from xerodesk.mapping.items import map_item
from xerodesk.store.models import (
    Division,
    Product,
    PurchaseOrderHeader,
    PurchaseTransaction,
    SalesOrderHeader,
    SalesTransaction,
)
from xerodesk.store.options import Options
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import RecordLink, ReviewItem
from xerodesk.xero.client import XeroClient

__all__ = [
    "LINK_REQUESTED",
    "RELINKED",
    "LinkReport",
    "apply_link",
    "has_link_requests",
    "link_requested",
]

log = logging.getLogger(__name__)

#: the audit trail's field for a re-link (old and new Xero id as the values)
RELINKED = "relinked"

# --- carried out with the next push ------------------------------------------


@dataclass(frozen=True)
class LinkRequest:
    item_id: int
    entity: str
    old_id: str
    target: Target


@dataclass
class LinkReport:
    linked: int = 0
    refused: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)


def has_link_requests(connection: Connection) -> bool:
    found = connection.scalar(
        select(ReviewItem.id)
        .where(ReviewItem.resolved_at.is_(None), ReviewItem.resolution == LINK_REQUESTED)
        .limit(1)
    )
    return found is not None


def load_requests(connection: Connection) -> tuple[list[LinkRequest], list[tuple[int, str]]]:
    """The links to make now, and the requests that cannot be made (with why)."""
    query = (
        select(ReviewItem.id, ReviewItem.xero_id, ReviewItem.details)
        .where(ReviewItem.resolved_at.is_(None), ReviewItem.resolution == LINK_REQUESTED)
        .order_by(ReviewItem.id)
    )
    requests: list[LinkRequest] = []
    bad: list[tuple[int, str]] = []
    for item_id, xero_id, details in connection.execute(query):
        wanted = details.get("link_to") if isinstance(details, dict) else None
        entity = details.get("entity") if isinstance(details, dict) else None
        if not isinstance(wanted, dict) or entity not in SPECS or not xero_id:
            bad.append((item_id, "the item does not say which Xero record to link to"))
            continue
        requests.append(
            LinkRequest(
                item_id,
                str(entity),
                str(xero_id),
                Target(str(wanted.get("by")), str(wanted.get("value"))),
            )
        )
    return requests, bad


async def _matching(client: XeroClient, entity: str, target: Target) -> list[dict[str, Any]]:
    xero_field = BY[entity][target.by]
    where = f"{xero_field}=={where_text(target.value)}"
    pages = client.pages(SPECS[entity], where=where, include_archived=entity == "contacts")
    try:
        async for page in pages:
            records = [r for r in page.records if isinstance(r, dict)]
            exact = [r for r in records if str(r.get(xero_field) or "") == target.value]
            return exact or [
                r
                for r in records
                if str(r.get(xero_field) or "").casefold() == target.value.casefold()
            ]
    finally:
        close = getattr(pages, "aclose", None)
        if close is not None:
            await close()
    return []


async def fetch_target(client: XeroClient, entity: str, target: Target) -> dict[str, Any]:
    """The named record as Xero has it now (one call); ConfigurationError if none."""
    described = target.describe(entity)
    if target.by == "id":
        try:
            return await client.get(SPECS[entity], target.value)
        except XeroNotFoundError:
            raise ConfigurationError(f"Xero has no {described.removeprefix('Xero ')}") from None
        except ValueError:
            raise ConfigurationError(f"Xero returned nothing for {described}") from None
    found = await _matching(client, entity, target)
    if not found:
        raise ConfigurationError(f"Xero has no {described.removeprefix('Xero ')}")
    if len(found) > 1:
        raise ConfigurationError(
            f"Xero has {len(found)} records matching {described}: give its Xero id instead"
        )
    return found[0]


def _open_request(connection: Connection, item_id: int) -> bool:
    found = connection.scalar(
        select(ReviewItem.id).where(
            ReviewItem.id == item_id,
            ReviewItem.resolved_at.is_(None),
            ReviewItem.resolution == LINK_REQUESTED,
        )
    )
    return found is not None


def _rekey(connection: Connection, entity: str, old_id: str, new_id: str) -> None:
    tables: list[tuple[Table, str]] = list(PART_TABLES[entity].values())
    if entity == "contacts":
        tables.append((Division.__table__, "xero_contact_id"))  # type: ignore[arg-type]
    for table, key in tables:
        connection.execute(update(table).where(table.c[key] == old_id).values({key: new_id}))


def _adopt_documents(connection: Connection, contact_id: str) -> None:
    """CRM documents of ``contact_id`` that had no CRM customer or supplier join it."""
    ledgers = crm_rows(connection, "contacts", [contact_id]).get(contact_id, {})
    sales = (ledgers.get("sales_ledger") or {}).get("id")
    if sales is not None:
        orphans = select(SalesOrderHeader.id).where(
            SalesOrderHeader.xero_contact_id == contact_id,
            SalesOrderHeader.sales_ledger_id.is_(None),
        )
        headers = [int(h) for h in connection.execute(orphans).scalars()]
        if headers:
            connection.execute(
                update(SalesTransaction)
                .where(SalesTransaction.sales_order_header_id.in_(headers))
                .values(sales_ledger_id=sales)
            )
            connection.execute(
                update(SalesOrderHeader)
                .where(SalesOrderHeader.id.in_(headers))
                .values(sales_ledger_id=sales)
            )
    purchase = (ledgers.get("purchase_ledger") or {}).get("id")
    if purchase is not None:
        orphans = select(PurchaseOrderHeader.id).where(
            PurchaseOrderHeader.xero_contact_id == contact_id,
            PurchaseOrderHeader.purchase_ledger_id.is_(None),
        )
        headers = [int(h) for h in connection.execute(orphans).scalars()]
        if headers:
            connection.execute(
                update(PurchaseTransaction)
                .where(PurchaseTransaction.purchase_order_header_id.in_(headers))
                .values(purchase_ledger_id=purchase)
            )
            connection.execute(
                update(PurchaseOrderHeader)
                .where(PurchaseOrderHeader.id.in_(headers))
                .values(purchase_ledger_id=purchase)
            )


def _check_code_free(connection: Connection, old_id: str, code: str) -> None:
    """An item's Code is the product's key: another CRM product must not hold it."""
    holder = connection.execute(
        select(Product.id, Product.xero_item_id, Product.description).where(
            Product.product_item_id == code
        )
    ).first()
    if holder is not None and holder[1] != old_id:
        raise ConfigurationError(
            f'the CRM already has another product with code "{code}" (product {holder[0]}'
            + (f' "{holder[2]}"' if holder[2] else "")
            + "); one CRM product can have one code only."
        )


def _check_same_role(mapped: MappedContact, main_table: str, row_id: int) -> None:
    """A CRM customer (supplier) can only become a Xero contact that is one too:
    its ledger takes the contact's values; the other kind would leave it stale."""
    roles = {"sales_ledger": "customer", "purchase_ledger": "supplier"}
    if main_table in roles and getattr(mapped, main_table) is None:
        role = roles[main_table]
        raise ConfigurationError(
            f'Xero contact "{mapped.name}" ({mapped.contact_id}) is not a {role} in Xero, '
            f"while the CRM record is a {role}; "
            f"link to a contact Xero holds as a {role}"
        )


def apply_link(
    connection: Connection, request: LinkRequest, record: dict[str, Any], run_id: int | None
) -> bool:
    """Xero has the record: re-point the CRM record at it, in one transaction.

    Returns False when the request is no longer open (done or withdrawn
    meanwhile). Raises ConfigurationError when the link cannot be made.
    """
    if not _open_request(connection, request.item_id):
        return False
    entity, old_id = request.entity, request.old_id
    new_id = str(record.get(ID_FIELD[entity]) or "").lower()
    if not GUID.match(new_id):
        raise ConfigurationError("Xero's answer does not carry the record's id")
    if new_id == old_id.lower():
        raise ConfigurationError(
            f"the CRM record is already linked to Xero {NOUN[entity]} {new_id}"
        )
    if entity == "contacts" and record.get("MergedToContactID"):
        raise ConfigurationError(
            f"Xero contact {new_id} was merged into another contact; link to that one instead"
        )
    holder = linked_elsewhere(connection, entity, new_id)
    if holder is not None:
        raise already_linked(entity, new_id, holder)
    link = connection.execute(
        select(RecordLink.id, RecordLink.crm_table, RecordLink.crm_id).where(
            RecordLink.entity == entity, RecordLink.xero_id == old_id
        )
    ).first()
    if link is None:
        raise ConfigurationError("the CRM record is not linked to a Xero record any more")
    options = Options.load(connection)
    if entity == "items":
        mapped_item = map_item(record)
        _check_code_free(connection, old_id, mapped_item.code)
    else:
        mapped = map_contact(record, display_account_number=options.display_account_number)
        _check_same_role(mapped, str(link[1]), int(link[2]))
    _rekey(connection, entity, old_id, new_id)
    # the link follows; without a snapshot every value of Xero's record is taken
    connection.execute(
        update(RecordLink)
        .where(RecordLink.id == link[0])
        .values(xero_id=new_id, snapshot=None, synced_at=utcnow())
    )
    if entity == "contacts":
        write_contacts(connection, [mapped], run_id)
        _adopt_documents(connection, new_id)
    else:
        write_items(connection, [mapped_item], options.default_warehouse_code, run_id)
    crm_table, crm_id = connection.execute(
        select(RecordLink.crm_table, RecordLink.crm_id).where(RecordLink.id == link[0])
    ).one()
    write_audit(
        connection,
        [AuditLine(str(crm_table), int(crm_id), new_id, RELINKED, old_id, new_id, SIDE_USER)],
        run_id,
    )
    now = utcnow()
    connection.execute(
        update(ReviewItem)
        .where(
            ReviewItem.resolved_at.is_(None),
            ReviewItem.kind.in_((CONFLICT, CRM_EDIT)),
            (ReviewItem.id == request.item_id) | (ReviewItem.xero_id == old_id),
        )
        .values(resolved_at=now, updated_at=now, resolution="linked")
    )
    return True


def refuse(connection: Connection, item_id: int, message: str) -> None:
    """The link cannot be made: the item stays open, saying why."""
    keep_open_saying(connection, item_id, message, prefix=REFUSED_PREFIX, detail="link_refusal")


async def link_requested(client: XeroClient, db: DbWorker, run_id: int | None = None) -> LinkReport:
    """Make every link a person asked for; one read of Xero per record."""
    report = LinkReport()
    requests, bad = await db.read(load_requests)
    for item_id, reason in bad:
        await db.write(refuse, item_id, reason)
        report.refused += 1
    for request in requests:
        try:
            record = await fetch_target(client, request.entity, request.target)
            made = await db.write(apply_link, request, record, run_id)
        except (RetryableError, UnreachableError) as error:
            log.info("link of review item %d deferred: %s", request.item_id, error)
            report.deferred += 1
            continue
        except (ConfigurationError, XeroRequestError, ReviewError) as error:
            message = str(error)
            if isinstance(error, XeroRequestError) and error.messages:
                message = "; ".join(error.messages)
            await db.write(refuse, request.item_id, message)
            report.errors.append(message)
            report.refused += 1
            continue
        report.linked += int(made)
    return report
