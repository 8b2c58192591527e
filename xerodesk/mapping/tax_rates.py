"""A Xero tax rate → ``vat_code`` rows, one per country type and transaction type.

Feature sheet, "Tax rates"; mapping rules, "Tax rates". Every ACTIVE rate
gives a row for each country type (Home, EU Registered, EU Unregistered,
Non-EU) and each transaction type it applies to: Sales when
``CanApplyToRevenue``, Purchase when ``CanApplyToExpenses``, both when neither
flag is sent. A rate that is DELETED or ARCHIVED (or still PENDING) gives the
same rows with ``active`` false, so the engine can switch existing rows off;
whether it inserts such rows or only updates is the engine's choice. A rate
that applies to neither side (e.g. GST on imports: liabilities only) gives no
rows. Rows are keyed on (``code``, ``country_type``, ``transaction_type``).
Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xerodesk.domain.values import CountryType, VatTransactionType
from xerodesk.domain.xero_codes import TaxRateStatus
from xerodesk.mapping.reader import CODE_MAX, NAME_MAX, Fields, Row

__all__ = ["VAT_CODE_KEY", "MappedTaxRate", "applies_to", "map_tax_rate"]

VAT_CODE_KEY = ("code", "country_type", "transaction_type")


@dataclass(frozen=True)
class MappedTaxRate:
    """One Xero tax rate: its TaxType code, status and ``vat_code`` rows."""

    code: str
    status: TaxRateStatus
    active: bool
    rows: tuple[Row, ...]


def applies_to(
    can_revenue: bool | None, can_expenses: bool | None
) -> tuple[VatTransactionType, ...]:
    """Rules "Tax rates": Sales when CanApplyToRevenue, Purchase when
    CanApplyToExpenses; neither flag present (both None) → both."""
    if can_revenue is None and can_expenses is None:
        return (VatTransactionType.SALES, VatTransactionType.PURCHASE)
    kinds = []
    if can_revenue:
        kinds.append(VatTransactionType.SALES)
    if can_expenses:
        kinds.append(VatTransactionType.PURCHASE)
    return tuple(kinds)


def _optional_flag(fields: Fields, key: str) -> bool | None:
    return fields.flag(key, False) if fields.raw(key) is not None else None


def map_tax_rate(record: Mapping[str, Any]) -> MappedTaxRate:
    """Map one Xero tax rate; raises ``MalformedXeroRecordError`` naming the bad field."""
    fields = Fields.of_record(record, "tax rate", "TaxType", "Name")
    code = fields.required_text("TaxType", CODE_MAX)
    status = fields.choice("Status", TaxRateStatus, TaxRateStatus.ACTIVE)
    # Sheet "Tax rates": all active rates are imported; others are switched off.
    active = status is TaxRateStatus.ACTIVE
    name = fields.text("Name", NAME_MAX)
    # Rules "Tax rates": rate = EffectiveRate (a percentage).
    rate = fields.amount("EffectiveRate")
    kinds = applies_to(
        _optional_flag(fields, "CanApplyToRevenue"), _optional_flag(fields, "CanApplyToExpenses")
    )
    # Sheet "Tax rates": each country type × transaction type combination.
    rows = tuple(
        {
            "code": code,
            "name": name,
            "rate": rate,
            "country_type": country.value,
            "transaction_type": kind.value,
            "active": active,
        }
        for country in CountryType
        for kind in kinds
    )
    return MappedTaxRate(code=code, status=status, active=active, rows=rows)
