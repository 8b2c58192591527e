"""The pure rules of field-level conflicts and the bodies that send CRM values back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xerodesk.engine.conflicts import (
    RULES,
    FieldRole,
    Verdict,
    classify,
    comparable,
    diff_record,
)
from xerodesk.mapping.contacts import (
    XERO_OWNED_COMPANY_COLUMNS,
    XERO_OWNED_CONTACT_COLUMNS,
    XERO_OWNED_PURCHASE_LEDGER_COLUMNS,
    XERO_OWNED_SALES_LEDGER_COLUMNS,
)
from xerodesk.mapping.items import XERO_OWNED_PRODUCT_COLUMNS
from xerodesk.mapping.updates import (
    UnsendableFieldError,
    contact_update_body,
    item_update_body,
)


@pytest.mark.parametrize(
    ("base", "crm", "xero", "verdict"),
    [
        ("a", "a", "a", Verdict.SAME),
        ("a", "b", "b", Verdict.SAME),  # both sides made the same edit
        ("a", "a", "b", Verdict.TAKE_XERO),
        ("a", "b", "a", Verdict.CRM_EDIT),
        ("a", "b", "c", Verdict.CONFLICT),
        (None, "b", "c", Verdict.CONFLICT),
        ("a", None, "a", Verdict.CRM_EDIT),  # cleared in the CRM
        ("a", "a", None, Verdict.TAKE_XERO),  # cleared in Xero
    ],
)
def test_the_decision_list(base: Any, crm: Any, xero: Any, verdict: Verdict) -> None:
    assert classify(base, crm, xero) is verdict


def test_without_a_base_xero_is_taken() -> None:
    assert classify(None, "crm", "xero", has_base=False) is Verdict.TAKE_XERO


@given(st.text(max_size=5), st.text(max_size=5), st.text(max_size=5))
def test_a_verdict_never_loses_a_side(base: str, crm: str, xero: str) -> None:
    verdict = classify(base, crm, xero)
    if crm == xero:
        assert verdict is Verdict.SAME
    elif crm == base:
        assert verdict is Verdict.TAKE_XERO
    elif xero == base:
        assert verdict is Verdict.CRM_EDIT
    else:
        assert verdict is Verdict.CONFLICT


@pytest.mark.parametrize(
    ("kind", "left", "right"),
    [
        ("money", Decimal("12.5000"), "12.5"),
        ("money", Decimal("0.0000"), "0"),
        ("money", Decimal("100"), "1E+2"),
        ("text", "", None),
        ("text", "  Acme ", "Acme"),
        ("flag", True, "true"),
    ],
)
def test_values_compare_as_their_kind(kind: str, left: Any, right: Any) -> None:
    assert comparable(kind, left) == comparable(kind, right)


def test_money_that_differs_is_different() -> None:
    assert comparable("money", Decimal("12.5")) != comparable("money", "12.51")


def test_every_mapped_column_has_a_role() -> None:
    """A column the pull writes but the rules do not know would never be looked at."""
    mapped = {
        "company": set(XERO_OWNED_COMPANY_COLUMNS),
        "sales_ledger": set(XERO_OWNED_SALES_LEDGER_COLUMNS) | {"origin"},
        "purchase_ledger": set(XERO_OWNED_PURCHASE_LEDGER_COLUMNS),
        "contact": set(XERO_OWNED_CONTACT_COLUMNS),
    }
    for part, columns in mapped.items():
        assert set(RULES["contacts"][part]) == columns, part
    assert set(RULES["items"]["product"]) == set(XERO_OWNED_PRODUCT_COLUMNS) | {"origin"}


def test_engine_derived_columns_never_conflict() -> None:
    base = {"sales_ledger": {"on_stop": False, "balance_outstanding": "10", "email": "a@x"}}
    crm = {"sales_ledger": {"on_stop": True, "balance_outstanding": Decimal(5), "email": "a@x"}}
    xero = {"sales_ledger": {"on_stop": False, "balance_outstanding": "20", "email": "a@x"}}
    diffs = diff_record("contacts", base, crm, xero)
    assert {d.column: d.verdict for d in diffs} == {
        "on_stop": Verdict.TAKE_XERO,
        "balance_outstanding": Verdict.TAKE_XERO,
    }
    assert all(d.rule.role is FieldRole.DERIVED for d in diffs)


def test_between_pulls_only_crm_edits_of_xero_owned_fields_show() -> None:
    snapshot = {"product": {"sell_price": "10", "stocked": True, "description": "Widget"}}
    crm = {"product": {"sell_price": Decimal("10.0000"), "stocked": False, "description": "W2"}}
    diffs = diff_record("items", snapshot, crm, snapshot, between_pulls=True)
    assert [(d.name, d.verdict) for d in diffs] == [("product.description", Verdict.CRM_EDIT)]


def test_a_row_the_crm_does_not_have_yet_is_not_judged() -> None:
    xero = {"contact": {"first_name": "Ada"}, "sales_ledger": None}
    assert diff_record("contacts", {}, {"sales_ledger": {"name": "x"}}, xero) == []


def test_contact_update_sends_only_the_chosen_fields() -> None:
    rows = {
        "sales_ledger": {
            "name": "Acme",
            "email": "new@acme.example",
            "phone": "0113 1",
            "fax": None,
            "address_line1": "1 High St",
            "address_line5": "Leeds, West Yorkshire",
            "postcode": "LS1",
            "country": "UK",
        },
        "contact": {"first_name": "Ada"},
    }
    body = contact_update_body(
        "cid",
        ["sales_ledger.email", "sales_ledger.phone", "sales_ledger.postcode", "contact.first_name"],
        rows,
    )
    assert body == {
        "ContactID": "cid",
        "EmailAddress": "new@acme.example",
        "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "0113 1"}],
        "Addresses": [
            {
                "AddressType": "POBOX",
                "AddressLine1": "1 High St",
                "City": "Leeds",
                "Region": "West Yorkshire",
                "PostalCode": "LS1",
                "Country": "UK",
            }
        ],
        "FirstName": "Ada",
    }


@pytest.mark.parametrize("field", ["company.website", "sales_ledger.overall_discount", "x.y", "z"])
def test_read_only_or_unknown_fields_cannot_be_sent(field: str) -> None:
    with pytest.raises(UnsendableFieldError):
        contact_update_body("cid", [field], {"company": {}, "sales_ledger": {}})


def test_item_update_carries_code_and_the_chosen_details() -> None:
    product = {"product_item_id": "W-1", "sell_price": Decimal("9.5"), "vat_code": "OUTPUT2"}
    body = item_update_body("iid", ["product.sell_price", "product.vat_code"], product)
    assert body == {
        "ItemID": "iid",
        "Code": "W-1",
        "SalesDetails": {"UnitPrice": Decimal("9.5"), "TaxType": "OUTPUT2"},
    }
    with pytest.raises(UnsendableFieldError):
        item_update_body("iid", ["product.stocked"], product)
