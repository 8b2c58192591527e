"""Generated organisation, tax rates, currencies, contacts and items.

Every choice comes from a seeded ``Dice``; the first records of each kind walk
through every variant (status, role, phone type…) before chance takes over, so
even the small ``demo`` organisation has one of everything.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from xerodesk.sandbox import wire

T = TypeVar("T")
Record = dict[str, Any]

BASE = "GBP"
# Foreign units per pound, roughly as in 2026.
RATES = {"GBP": "1", "EUR": "1.17", "USD": "1.27", "AUD": "1.93", "NZD": "2.10"}
CURRENCY_NAMES = {
    "GBP": "British Pound",
    "EUR": "Euro",
    "USD": "United States Dollar",
    "AUD": "Australian Dollar",
    "NZD": "New Zealand Dollar",
}
ROLES = ("customer", "supplier", "both", "neither")
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)
_CUMULATIVE: dict[Sequence[float], list[float]] = {}


class Dice:
    """Seeded choices; ``pick(i, …)`` walks the options in order for i < n."""

    def __init__(self, seed: int, topic: str) -> None:
        self.rng = random.Random(f"{seed}:{topic}")

    def uuid(self) -> str:
        """A version-4 UUID string from the seeded generator (as
        ``str(uuid.UUID(int=bits, version=4))``, without the object)."""
        bits = (self.rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, i: int, options: Sequence[T], weights: Sequence[float] | None = None) -> T:
        if i < len(options):
            return options[i]
        if not weights:
            return self.rng.choice(options)
        cumulative = _CUMULATIVE.get(weights)
        if cumulative is None:
            cumulative = _CUMULATIVE[tuple(weights)] = list(itertools.accumulate(weights))
        return self.rng.choices(options, cum_weights=cumulative)[0]

    def between(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def choice(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)


def tax_rate(
    name: str, tax_type: str, report: str, rate: str, flags: str, status: str = "ACTIVE"
) -> Record:
    """flags: letters A(ssets) E(quity) X(penses) L(iabilities) R(evenue)."""
    value = wire.quantize(Decimal(rate), 4)
    return {
        "Name": name,
        "TaxType": tax_type,
        "ReportTaxType": report,
        "CanApplyToAssets": "A" in flags,
        "CanApplyToEquity": "E" in flags,
        "CanApplyToExpenses": "X" in flags,
        "CanApplyToLiabilities": "L" in flags,
        "CanApplyToRevenue": "R" in flags,
        "DisplayTaxRate": value,
        "EffectiveRate": value,
        "Status": status,
        "TaxComponents": [
            {"Name": "VAT", "Rate": value, "IsCompound": False, "IsNonRecoverable": False}
        ],
    }


def tax_rates() -> list[Record]:
    """A UK VAT set with retired (DELETED, ARCHIVED) and compound rates."""
    rates = [
        tax_rate("20% (VAT on Income)", "OUTPUT2", "OUTPUT", "20", "AELR"),
        tax_rate("20% (VAT on Expenses)", "INPUT2", "INPUT", "20", "AEXL"),
        tax_rate("5% (VAT on Income)", "RROUTPUT", "OUTPUT", "5", "AELR"),
        tax_rate("5% (VAT on Expenses)", "RRINPUT", "INPUT", "5", "AEXL"),
        tax_rate("Zero Rated Income", "ZERORATEDOUTPUT", "ZERORATEDOUTPUT", "0", "R"),
        tax_rate("Zero Rated Expenses", "ZERORATEDINPUT", "ZERORATEDINPUT", "0", "AX"),
        tax_rate("Exempt Income", "EXEMPTOUTPUT", "EXEMPTOUTPUT", "0", "R"),
        tax_rate("Exempt Expenses", "EXEMPTINPUT", "EXEMPTINPUT", "0", "AX"),
        tax_rate("No VAT", "NONE", "NONE", "0", "AEXLR"),
        tax_rate("20% (VAT on Capital Purchases)", "CAPEXINPUT2", "CAPEXINPUT", "20", "A"),
        tax_rate("Reverse Charge Expenses (20%)", "REVERSECHARGES", "REVERSECHARGES", "20", "X"),
        tax_rate("17.5% VAT (until 2011)", "TAX001", "OUTPUT", "17.5", "AELR", "DELETED"),
        tax_rate("15% VAT (2009)", "TAX002", "OUTPUT", "15", "AELR", "ARCHIVED"),
    ]
    duty = tax_rate("VAT and Duty on Imports", "TAX003", "INPUT", "20", "AX")
    duty["TaxComponents"].append(
        {"Name": "Duty", "Rate": Decimal("2.5000"), "IsCompound": True, "IsNonRecoverable": False}
    )
    duty["DisplayTaxRate"] = duty["EffectiveRate"] = Decimal("23.0000")
    rates.append(duty)
    return rates


def currencies() -> list[Record]:
    return [{"Code": code, "Description": CURRENCY_NAMES[code]} for code in RATES]


def organisation(dice: Dice, anchor: datetime) -> Record:
    created = anchor - timedelta(days=2200)
    lock = wire.midnight(datetime(anchor.year - 1, 3, 31).date())
    return {
        "OrganisationID": dice.uuid(),
        "APIKey": "".join(dice.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(30)),
        "Name": "Northgate Supplies Ltd",
        "LegalName": "Northgate Supplies Limited",
        "PaysTax": True,
        "Version": "UK",
        "OrganisationType": "COMPANY",
        "BaseCurrency": BASE,
        "CountryCode": "GB",
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "RegistrationNumber": "08476213",
        "TaxNumber": "GB 284 7756 19",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 3,
        "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "QUARTERLY1",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "PeriodLockDate": wire.ms_date(lock),
        "EndOfYearLockDate": wire.ms_date(lock),
        "CreatedDateUTC": wire.ms_date_plain(created),
        "OrganisationEntityType": "COMPANY",
        "Timezone": "GMTSTANDARDTIME",
        "ShortCode": "!" + "".join(dice.choice("abcdefghkmnpqrstuvwxyz23456789") for _ in range(5)),
        "Edition": "BUSINESS",
        "Class": "PREMIUM",
        "LineOfBusiness": "Wholesale of industrial supplies",
        "Addresses": [
            {
                "AddressType": "STREET",
                "AddressLine1": "Unit 4, Northgate Trading Estate",
                "City": "Leeds",
                "Region": "West Yorkshire",
                "PostalCode": "LS9 0AB",
                "Country": "United Kingdom",
            }
        ],
        "Phones": [{"PhoneType": "OFFICE", "PhoneNumber": "496 0712", "PhoneAreaCode": "113"}],
        "ExternalLinks": [],
        "PaymentTerms": {
            "Bills": {"Day": 20, "Type": "OFFOLLOWINGMONTH"},
            "Sales": {"Day": 30, "Type": "DAYSAFTERBILLDATE"},
        },
    }


@dataclass(slots=True)
class Party:
    """What documents need to know about a generated contact."""

    contact_id: str
    name: str
    role: str
    currency: str
    sales_tax: str | None
    purchase_tax: str | None
    line_amount_types: str
    terms_days: int
    merged: bool
    record: Record = field(repr=False)


@dataclass(slots=True)
class Product:
    """What documents need to know about a generated item."""

    item_id: str
    code: str
    name: str
    description: str
    purchase_description: str
    price: Decimal
    cost: Decimal
    sold: bool
    purchased: bool
    tracked: bool
    sales_tax: str
