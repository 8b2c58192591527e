"""PUT/POST of items.

POST matches an existing item by ``ItemID``, then ``Code``; PUT refuses a code
already in use ("Price List Item with Code ''X'' already exists", as in Xero's
example). ``IsTrackedAsInventory``, ``QuantityOnHand`` and ``TotalCostPool``
are output only; an item is tracked when it has an inventory asset account
and a COGS account. Detail blocks sent on an update are merged field by field.
"""

from __future__ import annotations

from typing import Any

from xerodesk.sandbox.fields import ITEMS
from xerodesk.sandbox.orgcore import OrgCore
from xerodesk.sandbox.records import item_shape, stamp
from xerodesk.sandbox.write_common import (
    Record,
    Result,
    WriteRequest,
    canonical_keys,
    echo,
    tax_problem,
    text,
    with_id,
)

READ_ONLY = frozenset(
    {
        "IsTrackedAsInventory",
        "QuantityOnHand",
        "TotalCostPool",
        "UpdatedDateUTC",
        "ValidationErrors",
        "StatusAttributeString",
        "Warnings",
    }
)
LIMITS = (("Code", 30), ("Name", 50), ("Description", 4000), ("PurchaseDescription", 4000))


def _existing(store: OrgCore, data: Record, request: WriteRequest) -> tuple[Record | None, str]:
    if request.path_id:
        return store.record(ITEMS, request.path_id), ""
    code = text(data.get("Code"))
    found = store.collection(ITEMS).find_number(code) if code else None
    if request.create_only:
        return None, f"Price List Item with Code ''{code}'' already exists" if found else ""
    item_id = text(data.get("ItemID"))
    if item_id:
        record = store.record(ITEMS, item_id)
        return record, "" if record else f"Item with ItemID {item_id} could not be found."
    return (found.record() if found else None), ""


def _validate(store: OrgCore, data: Record, existing: Record | None) -> list[str]:
    errors: list[str] = []
    code = text(data["Code"]) if "Code" in data else text((existing or {}).get("Code"))
    if not code:
        errors.append("Item Code must be specified.")
    elif existing is not None:
        other = store.collection(ITEMS).find_number(code)
        if other is not None and other.key != str(existing["ItemID"]).lower():
            errors.append(f"Price List Item with Code ''{code}'' already exists")
    for field, limit in LIMITS:
        value = data.get(field)
        if isinstance(value, str) and len(value) > limit:
            errors.append(f"{field} must be {limit} characters or less.")
    rates = store.tax_rates()
    for block in ("SalesDetails", "PurchaseDetails"):
        details = data.get(block)
        tax_type = text(details.get("TaxType")) if isinstance(details, dict) else ""
        rate = rates.get(tax_type) if tax_type else None
        if tax_type and (rate is None or rate.get("Status") != "ACTIVE"):
            errors.append(tax_problem(tax_type))
    return errors


def _merge(existing: Record | None, data: Record, new_id: str) -> Record:
    record: Record = dict(existing) if existing else {"ItemID": new_id}
    for key, value in data.items():
        if key in READ_ONLY or key == "ItemID" or value is None:
            continue
        if key in ("SalesDetails", "PurchaseDetails") and isinstance(value, dict):
            merged: dict[str, Any] = dict(record.get(key) or {})
            merged.update(value)
            record[key] = merged
        elif key == "Code" and isinstance(value, str):
            record[key] = value.strip()
        else:
            record[key] = value
    return record


def write_item(store: OrgCore, element: Record, request: WriteRequest) -> Result:
    data = canonical_keys(element, ITEMS)
    existing, problem = _existing(store, data, request)
    errors = [problem] if problem else _validate(store, data, existing)
    if errors:
        return Result(echo=echo(ITEMS, with_id(ITEMS, data, existing), errors, {}), errors=errors)
    now = store.now()
    record = item_shape(_merge(existing, data, store.new_id()), now)
    stamp(record, now, iso_string=False)
    store.save(ITEMS, record)
    return Result(echo=data, key=str(record["ItemID"]))
