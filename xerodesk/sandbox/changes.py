"""The changes Xero announces by webhook, as the organisation commits them.

``OrgCore.save`` notes a ``Change`` for each write of a contact, invoice or
credit note; a transaction hands its changes to the listeners only when it
ends without rolling back (``OrgCore.add_change_listener``). Xero has webhook
categories for contacts, invoices and credit notes only (the ``webhooks`` of
third_party/xero-openapi/xero-webhooks.yaml: contacts, invoices, creditNotes
and the app-level subscriptions), so items, purchase orders, tax rates and
currencies announce nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Collection name -> Xero's eventCategory (xero-webhooks.yaml, WebhookEvent.eventCategory).
CATEGORIES: dict[str, str] = {
    "Contacts": "CONTACT",
    "Invoices": "INVOICE",
    "CreditNotes": "CREDITNOTE",
}


@dataclass(frozen=True)
class Change:
    """One committed write Xero would announce.

    ``created`` is true when the record did not exist before (Xero's CREATE,
    else UPDATE); ``at`` is the sandbox clock at the write; ``data`` is what
    the event carries besides the ids (credit notes' ``Type`` and ``Status``,
    CreditNoteWebhookEvent in xero-webhooks.yaml).
    """

    collection: str
    resource_id: str
    created: bool
    at: datetime
    tenant_id: str
    data: dict[str, Any] | None = None

    @property
    def category(self) -> str:
        return CATEGORIES[self.collection]


ChangeListener = Callable[[list["Change"]], None]


def change_of(
    collection: str,
    record: dict[str, Any],
    key_field: str,
    created: bool,
    at: datetime,
    tenant: str,
) -> Change | None:
    """The change a write of ``record`` makes, or None where Xero sends no webhook."""
    if collection not in CATEGORIES:
        return None
    data = None
    if collection == "CreditNotes":
        data = {"Type": str(record.get("Type", "")), "Status": str(record.get("Status", ""))}
    return Change(collection, str(record[key_field]), created, at, tenant, data)


def coalesce(changes: Iterable[Change]) -> list[Change]:
    """One change per record, in the order records were first written: a
    record created and then edited in one commit is one CREATE, with the time
    and data of its last write. One API call (or one edit in Xero) is one
    change to its records; the writes the sandbox makes inside it (balances,
    stock, contact flags) are not separate events."""
    merged: dict[tuple[str, str], Change] = {}
    for change in changes:
        key = (change.collection, change.resource_id.lower())
        first = merged.get(key)
        if first is None:
            merged[key] = change
        else:
            merged[key] = Change(
                change.collection,
                first.resource_id,
                first.created,
                change.at,
                change.tenant_id,
                change.data,
            )
    return list(merged.values())
