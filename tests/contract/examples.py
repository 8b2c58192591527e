"""An organisation file built from the spec's own example payloads."""

from __future__ import annotations

from typing import Any

from tests.contract.spec import example


def _unique(records: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Later examples of the same record (fuller, single-fetch ones) win."""
    by_id: dict[str, dict[str, Any]] = {}
    for record in records:
        by_id[record[key]] = record
    return list(by_id.values())


def example_org() -> dict[str, Any]:
    """Every example record the Accounting spec gives of the pulled entities,
    as an ``--org FILE.json`` dict."""
    return {
        "Organisation": example("/Organisation")["Organisations"][0],
        "Contacts": example("/Contacts")["Contacts"]
        + example("/Contacts/{ContactNumber}")["Contacts"],
        "Items": _unique(
            example("/Items")["Items"] + example("/Items/{ItemID}")["Items"], "ItemID"
        ),
        "Invoices": example("/Invoices")["Invoices"] + example("/Invoices/{InvoiceID}")["Invoices"],
        "CreditNotes": example("/CreditNotes")["CreditNotes"],
        "PurchaseOrders": example("/PurchaseOrders")["PurchaseOrders"]
        + example("/PurchaseOrders", "put")["PurchaseOrders"],
        "TaxRates": example("/TaxRates")["TaxRates"],
        "Currencies": example("/Currencies")["Currencies"],
    }


def same(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where ``actual`` differs from ``expected`` (extra keys in ``actual``
    are fine; numbers compare by value)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        differences: list[str] = []
        for key, value in expected.items():
            if key not in actual:
                differences.append(f"{path}/{key}: missing")
            else:
                differences += same(value, actual[key], f"{path}/{key}")
        return differences
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {actual!r}"]
        return [
            d
            for n, (e, a) in enumerate(zip(expected, actual, strict=True))
            for d in same(e, a, f"{path}/{n}")
        ]
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        ok = isinstance(actual, int | float) and not isinstance(actual, bool) and actual == expected
        return [] if ok else [f"{path}: expected {expected!r}, got {actual!r}"]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]
