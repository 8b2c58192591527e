"""Sanity guards on a walk: nothing lost quietly, nothing believed blindly.

- A page that repeats the one before (the same ids) means Xero's paging went
  wrong: the walk stops, its cursor stays, and a review item says so.
- A complete walk that saw fewer distinct records than Xero counted
  (``pagination.itemCount``) skipped some: with pages read concurrently,
  records edited meanwhile shift the pages under the reader. The walk is then
  repeated one page at a time, which cannot skip (see ``cursors``).
- A full read that returns nothing where the CRM holds plenty from Xero is
  suspicious (a wrong organisation, a filter gone wrong): it is reported, and
  nothing is concluded from it (no deletions inferred). A whole list lacking
  most of what the CRM holds at once is reported the same way
  (``mass_disappearance``) rather than taken as deletions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xerodesk.domain.sync import EntityKind
from xerodesk.store.state import ReviewRequest
from xerodesk.xero.paging import Page

SANITY = "sanity_guard"

ID_FIELDS: dict[EntityKind, str] = {
    EntityKind.CONTACTS: "ContactID",
    EntityKind.ITEMS: "ItemID",
    EntityKind.INVOICES: "InvoiceID",
    EntityKind.CREDIT_NOTES: "CreditNoteID",
    EntityKind.PURCHASE_ORDERS: "PurchaseOrderID",
    EntityKind.TAX_RATES: "TaxType",
    EntityKind.CURRENCIES: "Code",
}

#: a full read returning nothing is suspicious once the CRM holds this many
PLENTY = 5


@dataclass
class WalkWatch:
    """Watches the pages of one walk as they arrive."""

    entity: EntityKind
    start_page: int = 1
    seen: set[str] = field(default_factory=set)
    records: int = 0
    item_count: int | None = None
    _previous: frozenset[str] | None = None

    def observe(self, page: Page) -> ReviewRequest | None:
        """Note a page; a ReviewRequest when the walk must stop here."""
        key = ID_FIELDS.get(self.entity)
        ids = [r.get(key) for r in page.records if key and isinstance(r.get(key), str)]
        current = frozenset(str(i) for i in ids)
        if current and current == self._previous:
            return repeated_page(self.entity, page.page)
        self._previous = current
        self.seen.update(current)
        self.records += len(page.records)
        if page.pagination is not None and page.pagination.item_count is not None:
            self.item_count = max(self.item_count or 0, page.pagination.item_count)
        return None

    def missing(self) -> int:
        """How many records Xero counted that this walk never saw (0 if unknown)."""
        if self.start_page != 1 or self.item_count is None:
            return 0
        return max(0, self.item_count - len(self.seen))


def repeated_page(entity: EntityKind, page: int) -> ReviewRequest:
    return ReviewRequest(
        kind=SANITY,
        dedupe_key=f"{SANITY}:{entity.value}:repeated-page",
        title=f"Xero sent page {page} of {entity.value.replace('_', ' ')} twice",
        explanation=(
            f"Page {page} held exactly the records of the page before it, so Xero's paging "
            "cannot be trusted right now. The sync stopped reading this list and kept its "
            "place; it will try again on the next pass. Nothing was lost."
        ),
        details={"entity": entity.value, "page": page},
        actions=("retry", "dismiss"),
    )


def empty_full_read(entity: EntityKind, known: int) -> ReviewRequest:
    name = entity.value.replace("_", " ")
    return ReviewRequest(
        kind=SANITY,
        dedupe_key=f"{SANITY}:{entity.value}:empty-read",
        title=f"Xero returned no {name}, though {known:,} were synced before",
        explanation=(
            f"A full read of {name} came back empty while the CRM holds {known:,} from "
            "this organisation. Check that xerodesk is connected to the right Xero "
            "organisation. Nothing was changed or removed in the CRM because of it."
        ),
        details={"entity": entity.value, "known": known},
        actions=("retry", "dismiss"),
    )


def mass_disappearance(entity: EntityKind, gone: int, known: int) -> ReviewRequest:
    name = entity.value.replace("_", " ")
    return ReviewRequest(
        kind=SANITY,
        dedupe_key=f"{SANITY}:{entity.value}:mass-disappearance",
        title=f"{gone:,} of {known:,} {name} seem to have vanished from Xero",
        explanation=(
            f"The latest full list of {name} lacks {gone:,} of the {known:,} the CRM knows. "
            "That many at once is more likely a fault than real deletions, so none was "
            "marked deleted. If they really were deleted in Xero, dismiss this item and "
            "the next sync will mark them."
        ),
        details={"entity": entity.value, "gone": gone, "known": known},
        actions=("dismiss",),
    )
