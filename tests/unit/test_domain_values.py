"""Domain vocabularies: enum values are the contract's strings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from xerodesk.domain.currency_codes import XERO_CURRENCY_CODES, is_known_currency
from xerodesk.domain.rates import ReferenceRates
from xerodesk.domain.values import (
    CompanyType,
    CountryType,
    OrderStatus,
    Origin,
    TransactionType,
    VatTransactionType,
)
from xerodesk.domain.xero_codes import DocumentStatus, LineAmountType


@pytest.mark.parametrize(
    ("enum", "values"),
    [
        (CompanyType, {"Customer", "Supplier"}),
        (OrderStatus, {"Invoice", "Pending", "Deleted", "Voided"}),
        (TransactionType, {"I", "C"}),
        (VatTransactionType, {"Sales", "Purchase"}),
        (CountryType, {"Home", "EU Registered", "EU Unregistered", "Non-EU"}),
        (Origin, {"xero", "crm"}),
    ],
)
def test_crm_enums_hold_the_contract_strings(enum: type, values: set[str]) -> None:
    assert {member.value for member in enum} == values  # type: ignore[attr-defined]


def test_string_enums_compare_equal_to_their_values() -> None:
    assert OrderStatus.INVOICE == "Invoice"
    assert f"{CountryType.NON_EU}" == "Non-EU"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Exclusive", LineAmountType.EXCLUSIVE),
        ("EXCLUSIVE", LineAmountType.EXCLUSIVE),
        ("inclusive", LineAmountType.INCLUSIVE),
        (" NoTax ", LineAmountType.NO_TAX),
        ("NOTAX", LineAmountType.NO_TAX),
    ],
)
def test_line_amount_type_parses_either_spelling(text: str, expected: LineAmountType) -> None:
    assert LineAmountType.parse(text) is expected


def test_line_amount_type_refuses_unknown_text() -> None:
    with pytest.raises(ValueError, match="line amount type"):
        LineAmountType.parse("Mixed")


def test_document_statuses_are_xeros_six() -> None:
    assert {status.value for status in DocumentStatus} == {
        "DRAFT",
        "SUBMITTED",
        "AUTHORISED",
        "PAID",
        "VOIDED",
        "DELETED",
    }


def test_currency_codes_are_xeros_list() -> None:
    assert len(XERO_CURRENCY_CODES) == 168
    assert all(len(code) == 3 and code.isupper() for code in XERO_CURRENCY_CODES)
    assert is_known_currency("NZD") and is_known_currency("TRY")
    assert not is_known_currency("nzd") and not is_known_currency("XXQ")
    assert not is_known_currency("")


def test_reference_rates_unpack_as_date_and_rates() -> None:
    as_of, rates = ReferenceRates(date(2026, 3, 4), {"USD": Decimal("1.085")})
    assert as_of == date(2026, 3, 4)
    assert rates == {"USD": Decimal("1.085")}
