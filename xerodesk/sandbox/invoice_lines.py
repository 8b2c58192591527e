"""Line items sent on an invoice PUT/POST.

A line naming an item (``ItemCode`` or ``Item.Code``) is linked to it
(``Item {ItemID, Code, Name}``) and takes the item's description, unit price,
account and tax type where the line gives none (sales or purchase side by
invoice type). A line sent with the ``LineItemID`` of an existing line updates
that line; a line without one is new, and old lines not sent are removed, as
in Xero. Tax types must exist, be ACTIVE and apply to the transaction
(revenue for sales, expenses for bills).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xerodesk.sandbox.orgcore import OrgCore
from xerodesk.sandbox.records import LINE_ORDER, ordered
from xerodesk.sandbox.totals import NO_TAX
from xerodesk.sandbox.write_common import Record, item_by_code, tax_problem, text

LINE_FIELDS = {
    name.lower(): name
    for name in (
        *LINE_ORDER,
        "AccountID",
        "RepeatingInvoiceID",
        "Taxability",
        "SalesTaxCodeId",
        "TaxBreakdown",
    )
}
RECOMPUTED = ("LineAmount", "TaxAmount", "ValidationErrors")


@dataclass
class Lines:
    lines: list[Record] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    line_errors: dict[int, list[str]] = field(default_factory=dict)

    def fail(self, at: int, message: str) -> None:
        self.line_errors.setdefault(at, []).append(message)
        if message not in self.errors:
            self.errors.append(message)


@dataclass(frozen=True)
class LineContext:
    store: OrgCore
    sales: bool
    line_types: str
    contact: Record | None


def _canonical(line: Record) -> Record:
    return {LINE_FIELDS.get(key.lower(), key): value for key, value in line.items()}


def _from_item(ctx: LineContext, line: Record, item: Record) -> None:
    details = item.get("SalesDetails" if ctx.sales else "PurchaseDetails") or {}
    line["ItemCode"] = item["Code"]
    line["Item"] = {"ItemID": item["ItemID"], "Code": item["Code"], "Name": item.get("Name", "")}
    description = item.get("Description" if ctx.sales else "PurchaseDescription")
    if not text(line.get("Description")) and (description or item.get("Name")):
        line["Description"] = description or item.get("Name")
    if "UnitAmount" not in line and "LineAmount" not in line and "UnitPrice" in details:
        line["UnitAmount"] = details["UnitPrice"]
    account = details.get("AccountCode")
    if not account and not ctx.sales and item.get("IsTrackedAsInventory"):
        account = item.get("InventoryAssetAccountCode")
    if "AccountCode" not in line and account:
        line["AccountCode"] = account
    if "TaxType" not in line and details.get("TaxType"):
        line["TaxType"] = details["TaxType"]


def _tax_type(ctx: LineContext, line: Record, at: int, result: Lines) -> None:
    code = text(line.get("TaxType"))
    if not code:
        side = "AccountsReceivableTaxType" if ctx.sales else "AccountsPayableTaxType"
        fallback = text((ctx.contact or {}).get(side)) or ctx.store.default_tax_type(ctx.sales)
        line["TaxType"] = "NONE" if ctx.line_types == NO_TAX else fallback
        return
    rate = ctx.store.tax_rates().get(code)
    flag = "CanApplyToRevenue" if ctx.sales else "CanApplyToExpenses"
    if rate is None or rate.get("Status") != "ACTIVE" or rate.get(flag) is False:
        result.fail(at, tax_problem(code))


def build_lines(ctx: LineContext, given: Any, old_lines: list[Record]) -> Lines:
    """The invoice's new lines from what was sent (see the module doc)."""
    result = Lines()
    if not isinstance(given, list):
        result.errors.append("LineItems must be a list.")
        return result
    old = {str(line.get("LineItemID", "")).lower(): line for line in old_lines}
    for at, sent in enumerate(given):
        if not isinstance(sent, dict):
            result.fail(at, "A line item must be an object.")
            continue
        line = _canonical(sent)
        base = old.get(text(line.get("LineItemID")).lower())
        if base is not None:
            merged = {k: v for k, v in base.items() if k not in RECOMPUTED or k in line}
            merged.update(line)
            line = merged
        else:
            line["LineItemID"] = ctx.store.new_id()
        line.pop("ValidationErrors", None)
        code = text(line.get("ItemCode")) or text((line.get("Item") or {}).get("Code"))
        if code:
            item = item_by_code(ctx.store, code)
            if item is None:
                result.fail(at, f"Item code '{code}' is not valid")
            else:
                _from_item(ctx, line, item)
        else:
            line.pop("Item", None)
        _tax_type(ctx, line, at, result)
        line.setdefault("Tracking", [])
        result.lines.append(ordered(line, LINE_ORDER))
    return result
