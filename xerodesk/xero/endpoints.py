"""Where Xero lives, and what each Accounting endpoint the sync uses allows."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CONTACTS",
    "CREDIT_NOTES",
    "CURRENCIES",
    "ENTITIES",
    "INVOICES",
    "ITEMS",
    "ORGANISATION",
    "PURCHASE_ORDERS",
    "SCOPES",
    "TAX_RATES",
    "EntitySpec",
    "XeroEndpoints",
]

#: The granular scopes Xero requires of apps created since March 2026.
SCOPES = "offline_access accounting.contacts accounting.settings accounting.invoices"

#: The largest ``pageSize`` Xero accepts (since July 2024).
MAX_PAGE_SIZE = 1000

#: Xero's advice for one write: at most 50 records.
MAX_BATCH = 50


@dataclass(frozen=True)
class XeroEndpoints:
    """The URLs of Xero's hosts; ``for_base`` maps all of them onto one root."""

    api: str = "https://api.xero.com/api.xro/2.0"
    connections: str = "https://api.xero.com/connections"
    token: str = "https://identity.xero.com/connect/token"
    revocation: str = "https://identity.xero.com/connect/revocation"
    authorize: str = "https://login.xero.com/identity/connect/authorize"

    @classmethod
    def for_base(cls, base_url: str | None) -> XeroEndpoints:
        """Xero itself for ``None``; else every host's paths under ``base_url``.

        That is how ``--xero URL`` points the client at the sandbox.
        """
        if not base_url:
            return cls()
        root = base_url.rstrip("/")
        return cls(
            api=f"{root}/api.xro/2.0",
            connections=f"{root}/connections",
            token=f"{root}/connect/token",
            revocation=f"{root}/connect/revocation",
            authorize=f"{root}/identity/connect/authorize",
        )

    @property
    def namespace(self) -> str:
        """A key that tells the real Xero from a sandbox, for stored tokens."""
        return self.api.removesuffix("/api.xro/2.0")


@dataclass(frozen=True)
class EntitySpec:
    """What one Accounting endpoint accepts (see the API notes, "Paging")."""

    name: str
    path: str
    collection_key: str
    id_field: str
    paged: bool = False
    modified_since: bool = False
    where: bool = True
    include_archived: bool = False
    unitdp: bool = False
    max_page_size: int = MAX_PAGE_SIZE
    max_batch: int = MAX_BATCH

    def __str__(self) -> str:
        return self.name


CONTACTS = EntitySpec(
    "Contacts",
    "Contacts",
    "Contacts",
    "ContactID",
    paged=True,
    modified_since=True,
    include_archived=True,
)
INVOICES = EntitySpec(
    "Invoices",
    "Invoices",
    "Invoices",
    "InvoiceID",
    paged=True,
    modified_since=True,
    include_archived=True,
    unitdp=True,
)
CREDIT_NOTES = EntitySpec(
    "CreditNotes",
    "CreditNotes",
    "CreditNotes",
    "CreditNoteID",
    paged=True,
    modified_since=True,
    unitdp=True,
)
PURCHASE_ORDERS = EntitySpec(
    "PurchaseOrders",
    "PurchaseOrders",
    "PurchaseOrders",
    "PurchaseOrderID",
    paged=True,
    modified_since=True,
    where=False,
)
ITEMS = EntitySpec("Items", "Items", "Items", "ItemID", modified_since=True, unitdp=True)
TAX_RATES = EntitySpec("TaxRates", "TaxRates", "TaxRates", "TaxType", max_batch=1)
CURRENCIES = EntitySpec("Currencies", "Currencies", "Currencies", "Code", max_batch=1)
ORGANISATION = EntitySpec(
    "Organisation", "Organisation", "Organisations", "OrganisationID", where=False
)

ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        CONTACTS,
        INVOICES,
        CREDIT_NOTES,
        PURCHASE_ORDERS,
        ITEMS,
        TAX_RATES,
        CURRENCIES,
        ORGANISATION,
    )
}
