"""Xero tax rates → vat_code rows: the sheet's "Tax rates" row and the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from xerodesk.domain.values import CountryType, VatTransactionType
from xerodesk.domain.xero_codes import TaxRateStatus
from xerodesk.errors import MalformedRecordError
from xerodesk.mapping.tax_rates import VAT_CODE_KEY, MappedTaxRate, applies_to, map_tax_rate

COUNTRY_TYPES = {"Home", "EU Registered", "EU Unregistered", "Non-EU"}


def tax_rate_record(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Name": "20% (VAT on Income)",
        "TaxType": "OUTPUT2",
        "ReportTaxType": "OUTPUT",
        "CanApplyToAssets": True,
        "CanApplyToEquity": True,
        "CanApplyToExpenses": False,
        "CanApplyToLiabilities": True,
        "CanApplyToRevenue": True,
        "DisplayTaxRate": Decimal("20.0000"),
        "EffectiveRate": Decimal("20.0000"),
        "Status": "ACTIVE",
        "TaxComponents": [{"Name": "VAT", "Rate": Decimal("20.0000"), "IsCompound": False}],
    }
    record.update(changes)
    return record


def mapped(**changes: Any) -> MappedTaxRate:
    return map_tax_rate(tax_rate_record(**changes))


def combinations(result: MappedTaxRate) -> set[tuple[str, str]]:
    return {(row["country_type"], row["transaction_type"]) for row in result.rows}


TAX_RATE_ROWS = [
    pytest.param(
        {"CanApplyToRevenue": True, "CanApplyToExpenses": False},
        {(country, "Sales") for country in COUNTRY_TYPES},
        id="Tax rates: revenue only - Sales for every country type",
    ),
    pytest.param(
        {"CanApplyToRevenue": False, "CanApplyToExpenses": True},
        {(country, "Purchase") for country in COUNTRY_TYPES},
        id="Tax rates: expenses only - Purchase for every country type",
    ),
    pytest.param(
        {"CanApplyToRevenue": True, "CanApplyToExpenses": True},
        {(country, kind) for country in COUNTRY_TYPES for kind in ("Sales", "Purchase")},
        id="Tax rates: both - every country type x transaction type",
    ),
    pytest.param(
        {"CanApplyToRevenue": None, "CanApplyToExpenses": None},
        {(country, kind) for country in COUNTRY_TYPES for kind in ("Sales", "Purchase")},
        id="Tax rates: neither flag present - both transaction types",
    ),
    pytest.param(
        {"CanApplyToRevenue": False, "CanApplyToExpenses": False},
        set(),
        id="Tax rates: applies to neither side - no rows",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), TAX_RATE_ROWS)
def test_tax_rates_feature_sheet_row(
    changes: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    result = mapped(**changes)
    assert combinations(result) == expected
    assert len(result.rows) == len(expected)
    for row in result.rows:
        assert row["code"] == "OUTPUT2"
        assert row["name"] == "20% (VAT on Income)"
        assert row["rate"] == Decimal("20.0000")
        assert row["active"] is True


@pytest.mark.parametrize(
    ("status", "active"),
    [
        pytest.param("ACTIVE", True, id="Tax rates: all active rates are imported"),
        pytest.param("DELETED", False, id="Tax rates: DELETED sets active false"),
        pytest.param("ARCHIVED", False, id="Tax rates: ARCHIVED sets active false"),
        pytest.param("PENDING", False, id="Tax rates: PENDING is not active"),
    ],
)
def test_tax_rates_feature_sheet_row_status(status: str, active: bool) -> None:
    result = mapped(Status=status)
    assert result.status is TaxRateStatus(status)
    assert result.active is active
    assert result.rows
    assert all(row["active"] is active for row in result.rows)


def test_rate_is_the_effective_rate() -> None:
    result = mapped(DisplayTaxRate=Decimal("15.0000"), EffectiveRate=Decimal("12.5000"))
    assert {row["rate"] for row in result.rows} == {Decimal("12.5000")}


def test_rows_are_unique_on_the_vat_code_key() -> None:
    result = mapped(CanApplyToExpenses=True)
    keys = [tuple(row[column] for column in VAT_CODE_KEY) for row in result.rows]
    assert len(keys) == len(set(keys)) == 8


def test_values_are_the_contract_strings() -> None:
    assert {kind.value for kind in CountryType} == COUNTRY_TYPES
    assert applies_to(None, None) == (VatTransactionType.SALES, VatTransactionType.PURCHASE)
    assert applies_to(True, None) == (VatTransactionType.SALES,)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"TaxType": None}, "TaxType", id="missing code"),
        pytest.param({"EffectiveRate": "twenty"}, "EffectiveRate", id="rate not a number"),
        pytest.param({"CanApplyToRevenue": "Y"}, "CanApplyToRevenue", id="flag not a bool"),
        pytest.param({"Status": "RETIRED"}, "Status", id="unknown status"),
    ],
)
def test_malformed_tax_rate_names_the_record_and_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(MalformedRecordError) as caught:
        mapped(**changes)
    assert field in str(caught.value)
    assert "tax rate" in str(caught.value)
