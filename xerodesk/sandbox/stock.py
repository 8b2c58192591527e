"""Tracked inventory moved by invoices, as Xero moves it.

An approved (AUTHORISED or PAID) sales invoice takes its tracked items' line
quantities off ``QuantityOnHand`` and their average cost off
``TotalCostPool``; an approved bill adds them (at the line's unit amount).
Voiding or deleting an approved document, or editing its lines, moves the
difference. Xero refuses a sale that would take stock below zero unless the
request says ``allowBackorders=true``. Sources: the Items page of Xero's
developer documentation (https://developer.xero.com/documentation/api/accounting/items:
quantity and value change only through transactions, purchases add, sales
take away). An item whose stock moves gets a new ``UpdatedDateUTC``
here; Xero's documentation does not say whether it does, so the control
API's ``/items/{id}/quantity`` with ``"bump": false`` plays the other case and
the sync is tested against both (``xerodesk.engine.stock``).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from xerodesk.sandbox import wire
from xerodesk.sandbox.fields import ITEMS
from xerodesk.sandbox.orgcore import OrgCore
from xerodesk.sandbox.records import stamp

Record = dict[str, Any]
APPROVED = ("AUTHORISED", "PAID")


def _movements(document: Record | None) -> dict[str, list[Decimal]]:
    """Item code → [quantity change, cost of the purchased quantity]."""
    moves: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    if not document or document.get("Status") not in APPROVED:
        return moves
    sign = -1 if document.get("Type") == "ACCREC" else 1
    for line in document.get("LineItems") or []:
        code = line.get("ItemCode") if isinstance(line, dict) else None
        quantity = wire.to_decimal(line.get("Quantity")) if code else None
        if code and quantity:
            moves[str(code).lower()][0] += sign * quantity
            moves[str(code).lower()][1] += wire.to_decimal(line.get("LineAmount")) or Decimal(0)
    return moves


def stock_changes(before: Record | None, after: Record | None) -> dict[str, list[Decimal]]:
    """What saving ``after`` in place of ``before`` does to each item."""
    old, new = _movements(before), _movements(after)
    changes: dict[str, list[Decimal]] = {}
    for code in set(old) | set(new):
        quantity = new[code][0] - old[code][0]
        if quantity:
            changes[code] = [quantity, new[code][1] - old[code][1]]
    return changes


def shortages(store: OrgCore, changes: dict[str, list[Decimal]]) -> list[str]:
    """Messages for tracked items a sale would take below zero."""
    messages = []
    for code, (quantity, _) in sorted(changes.items()):
        entry = store.collection(ITEMS).find_number(code)
        item = entry.record() if entry is not None else None
        if not item or not item.get("IsTrackedAsInventory") or quantity >= 0:
            continue
        on_hand = wire.to_decimal(item.get("QuantityOnHand")) or Decimal(0)
        if on_hand + quantity < 0:
            messages.append(
                f"The quantity on hand of item '{item['Code']}' ({on_hand.normalize():f}) is "
                "not enough for this invoice. Use allowBackorders=true to allow negative stock."
            )
    return messages


def move_stock(store: OrgCore, changes: dict[str, list[Decimal]]) -> None:
    """Apply the changes to tracked items (untracked items have no stock)."""
    for code, (quantity, cost) in changes.items():
        entry = store.collection(ITEMS).find_number(code)
        item = entry.record() if entry is not None else None
        if not item or not item.get("IsTrackedAsInventory"):
            continue
        on_hand = wire.to_decimal(item.get("QuantityOnHand")) or Decimal(0)
        pool = wire.to_decimal(item.get("TotalCostPool")) or Decimal(0)
        if quantity > 0:
            pool += cost
        elif on_hand > 0:
            pool += pool / on_hand * quantity
        item["QuantityOnHand"] = wire.quantize(on_hand + quantity, 4)
        item["TotalCostPool"] = wire.money(pool if on_hand + quantity else Decimal(0))
        stamp(item, store.now(), iso_string=False)
        store.save(ITEMS, item)
