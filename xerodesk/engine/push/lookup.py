"""Finding a pushed record in Xero: one filtered read of the first page.

Used before creating a record whose Idempotency-Key Xero may have forgotten
(first sent more than ``KEY_SAFE_AGE`` ago), and after a refusal, to tell "it
is there already" (a contact with our ContactNumber, an item with the code)
from a real refusal. The filters use fields Xero indexes (ContactNumber,
Name, Code, Type, Reference, Contact.ContactID).
"""

from __future__ import annotations

from typing import Any

from xerodesk.engine.push.model import PushKind
from xerodesk.xero.client import XeroClient
from xerodesk.xero.endpoints import CONTACTS, INVOICES, ITEMS, EntitySpec

__all__ = [
    "find_contact_by_name",
    "find_contact_by_number",
    "find_existing",
    "find_invoice",
    "find_item_by_code",
    "where_text",
]

Record = dict[str, Any]


def where_text(value: str) -> str:
    """A string literal for Xero's ``where`` (quotes doubled)."""
    return '"' + value.replace('"', '""') + '"'


async def _first_page(
    client: XeroClient, spec: EntitySpec, where: str, include_archived: bool = False
) -> list[Record]:
    pages = client.pages(spec, where=where, include_archived=include_archived)
    try:
        async for page in pages:
            return list(page.records)
    finally:
        close = getattr(pages, "aclose", None)
        if close is not None:
            await close()
    return []


def _id_of(records: list[Record], field: str) -> str | None:
    for record in records:
        value = record.get(field)
        if isinstance(value, str) and value:
            return value
    return None


async def find_contact_by_number(client: XeroClient, number: str) -> str | None:
    """The ContactID of the contact whose ContactNumber is ``number`` (archived too)."""
    records = await _first_page(
        client, CONTACTS, f"ContactNumber=={where_text(number)}", include_archived=True
    )
    exact = [r for r in records if str(r.get("ContactNumber") or "") == number]
    return _id_of(exact, "ContactID")


async def find_contact_by_name(client: XeroClient, name: str) -> str | None:
    """The ContactID of the active contact called ``name`` (Xero ignores case)."""
    records = await _first_page(client, CONTACTS, f"Name=={where_text(name.strip())}")
    active = [r for r in records if r.get("ContactStatus", "ACTIVE") == "ACTIVE"]
    return _id_of(active, "ContactID")


async def find_item_by_code(client: XeroClient, code: str) -> str | None:
    records = await _first_page(client, ITEMS, f"Code=={where_text(code)}")
    exact = [r for r in records if str(r.get("Code") or "").casefold() == code.casefold()]
    return _id_of(exact, "ItemID")


async def find_invoice(client: XeroClient, reference: str, contact_id: str) -> str | None:
    """The sales invoice of ``contact_id`` whose Reference is ``reference``.

    A live one is preferred; a deleted or voided one still counts, since it
    was made (and then withdrawn) in Xero: the order is not sent twice.
    """
    where = (
        f'Type=="ACCREC"&&Reference=={where_text(reference)}'
        f'&&Contact.ContactID==Guid("{contact_id}")'
    )
    records = await _first_page(client, INVOICES, where)
    records.sort(key=lambda r: r.get("Status") in ("DELETED", "VOIDED"))
    return _id_of(records, "InvoiceID")


async def find_existing(client: XeroClient, kind: PushKind, body: Record) -> str | None:
    """The Xero id of the record ``body`` would create, if Xero has it already."""
    if kind is PushKind.CUSTOMER:
        return await find_contact_by_number(client, str(body["ContactNumber"]))
    if kind is PushKind.PRODUCT:
        return await find_item_by_code(client, str(body["Code"]))
    contact = body.get("Contact") or {}
    return await find_invoice(client, str(body["Reference"]), str(contact.get("ContactID")))
