"""The fewest Xero calls a pass could make, asked of the sandbox itself.

Paged endpoints cost ``ceil(records / 1000)`` calls (at least one), counting
the records the sync asks for (sales invoices and customer credit notes only,
archived contacts included); unpaged endpoints cost one call each. The counts
come from the sandbox's own ``pagination.itemCount`` with the same filters,
so they are read before the call counters are reset for a measured pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from benchmarks.harness import SandboxProcess
from xerodesk.xero.client import SALES_CREDIT_NOTES, SALES_INVOICES

MAX_PAGE_SIZE = 1000

#: paged endpoints the sync reads, with the filters it uses
PAGED: dict[str, dict[str, str]] = {
    "Contacts": {"includeArchived": "true"},
    "Invoices": {"where": SALES_INVOICES},
    "CreditNotes": {"where": SALES_CREDIT_NOTES},
    "PurchaseOrders": {},
}
#: unpaged endpoints a full sync needs: one call each
UNPAGED = ("TaxRates", "Currencies", "Organisation", "Items")
#: one call per entity read on every pass (tax rates and currencies are read
#: hourly): what a pass with nothing to read may cost
ENTITIES = 5


@dataclass(frozen=True)
class Minimum:
    """Records per paged endpoint and the calls they need at the largest page size."""

    records: dict[str, int]
    unpaged: tuple[str, ...]

    @property
    def paged_calls(self) -> dict[str, int]:
        return {name: max(1, math.ceil(n / MAX_PAGE_SIZE)) for name, n in self.records.items()}

    @property
    def calls(self) -> int:
        return sum(self.paged_calls.values()) + len(self.unpaged)

    def as_json(self) -> dict[str, object]:
        return {
            "calls": self.calls,
            "records": self.records,
            "paged_calls": self.paged_calls,
            "unpaged": list(self.unpaged),
        }


def item_counts(sandbox: SandboxProcess, since: datetime | None = None) -> dict[str, int]:
    """Records each paged endpoint holds (changed since ``since`` when given)."""
    headers = {}
    if since is not None:
        headers["If-Modified-Since"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    counts: dict[str, int] = {}
    for path, params in PAGED.items():
        body = sandbox.api(path, {**params, "page": "1", "pageSize": "1"}, headers)
        pagination = body.get("pagination") or {}
        counts[path] = int(pagination.get("itemCount") or 0)
    return counts


def full_minimum(sandbox: SandboxProcess) -> Minimum:
    return Minimum(item_counts(sandbox), UNPAGED)


def changed_minimum(sandbox: SandboxProcess, since: datetime) -> Minimum:
    """An incremental pass after edits: the changed records' pages, plus one call
    for the items changed (not paged); tax rates and currencies, read hourly,
    were read by the pass before."""
    return Minimum(item_counts(sandbox, since), ("Items",))
