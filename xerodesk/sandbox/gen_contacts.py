"""Generated contacts and items (see ``gen_parties`` for the ground rules)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from xerodesk.sandbox import gen_words as words
from xerodesk.sandbox import wire
from xerodesk.sandbox.gen_parties import ROLES, Dice, Party, Product
from xerodesk.sandbox.records import empty_address, empty_phone

Record = dict[str, Any]
CURRENCY_WEIGHTS = (("GBP", "EUR", "USD", "AUD", "NZD"), (70, 12, 10, 5, 3))
LINE_TYPES = ("EXCLUSIVE", "INCLUSIVE", "NONE")


def _moment(dice: Dice, anchor: datetime, max_days: int) -> datetime:
    return anchor - timedelta(days=dice.between(1, max_days), seconds=dice.between(0, 86_399))


class ContactMaker:
    def __init__(self, seed: int, anchor: datetime) -> None:
        self.dice = Dice(seed, "contacts")
        self.anchor = anchor
        self.names: set[str] = set()

    def name(self, i: int, person: bool) -> tuple[str, str, str]:
        first = self.dice.choice(words.FIRST_NAMES)
        last = self.dice.choice(words.LAST_NAMES)
        if person:
            name = f"{first} {last}"
        else:
            parts = (self.dice.choice(words.NAME_PARTS), self.dice.choice(words.TRADES))
            name = " ".join(p for p in (*parts, self.dice.choice(words.SUFFIXES)) if p)
        base, n = name, 2
        while name.lower() in self.names:
            name, n = f"{base} ({n})", n + 1
        self.names.add(name.lower())
        return name, first, last

    def phones(self, i: int, currency: str) -> list[Record]:
        country = words.COUNTRY_CODES[currency]
        result = []
        for slot, p in (("DDI", 0.2), ("DEFAULT", 0.85), ("FAX", 0.15), ("MOBILE", 0.5)):
            phone = empty_phone(slot)
            if i == 0 or self.dice.chance(p):
                phone["PhoneNumber"] = (
                    f"{self.dice.between(200, 999)} {self.dice.between(1000, 9999)}"
                )
                phone["PhoneAreaCode"] = self.dice.choice(
                    ("20", "161", "113", "117", "131", "7700")
                )
                if i % 3 == 0 or self.dice.chance(0.5):
                    phone["PhoneCountryCode"] = country
            result.append(phone)
        return result

    def address(self, kind: str, i: int, currency: str) -> Record:
        address = empty_address(kind)
        city, region, code, country = self.dice.choice(words.PLACES[currency])
        lines = ["PO Box " + str(self.dice.between(10, 9999))] if kind == "POBOX" else []
        lines.append(f"{self.dice.between(1, 250)} {self.dice.choice(words.STREETS)}")
        if i == 1 or self.dice.chance(0.3):
            lines += ["Suite " + str(self.dice.between(1, 40)), "Business Park"]
        for n, line in enumerate(lines[:4], start=1):
            address[f"AddressLine{n}"] = line
        inward = self.dice.choice("ABDEFGHJ") + self.dice.choice("LNPQRTUW")
        suffix = f" {self.dice.between(1, 9)}{inward}"
        address.update(City=city, Region=region, Country=country)
        address["PostalCode"] = code + (suffix if currency == "GBP" else "")
        if self.dice.chance(0.2):
            address["AttentionTo"] = "Accounts Payable"
        return address

    def persons(self, i: int) -> list[Record]:
        count = self.dice.between(1, 3) if i < 3 or self.dice.chance(0.3) else 0
        return [
            {
                "FirstName": self.dice.choice(words.FIRST_NAMES),
                "LastName": self.dice.choice(words.LAST_NAMES),
                "EmailAddress": f"person{n}.{i}@example.org",
                "IncludeInEmails": n == 0,
            }
            for n in range(count)
        ]

    def make(self, i: int) -> Party:
        dice = self.dice
        role = dice.pick(i, ROLES, (55, 15, 10, 20))
        currency = dice.pick(i, *CURRENCY_WEIGHTS)
        name, first, last = self.name(i, person=dice.chance(0.15))
        record: Record = {"ContactID": dice.uuid()}
        if i % 10 == 3:
            record["ContactNumber"] = f"XC-{i + 1:05d}"
        if i % 5 in (0, 2):
            record["AccountNumber"] = f"ACC{i + 1:05d}"
        archived = i == 4 or (i > 8 and dice.chance(0.04))
        merged = i == 5 or (i > 8 and dice.chance(0.01))
        record["ContactStatus"] = "ARCHIVED" if archived or merged else "ACTIVE"
        record["Name"] = name
        if i % 10 < 7:
            record.update(FirstName=first, LastName=last)
        if dice.chance(0.2):
            record["CompanyNumber"] = f"{dice.between(1000000, 9999999):08d}"
        if i % 7 != 6:
            slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
            record["EmailAddress"] = f"accounts@{slug}.example.com"
        record["BankAccountDetails"] = (
            f"{dice.between(10, 99)}-{dice.between(10, 99)}-{dice.between(10, 99)} "
            f"{dice.between(10000000, 99999999)}"
            if role in ("supplier", "both") and dice.chance(0.5)
            else ""
        )
        self.tax_fields(i, record, role, currency)
        record["Addresses"] = self.addresses(i, currency)
        record["Phones"] = self.phones(i, currency)
        record["UpdatedDateUTC"] = wire.ms_date(_moment(dice, self.anchor, 1200))
        record["ContactGroups"] = []
        line_types = dice.pick(i, LINE_TYPES, (75, 20, 5))
        record["SalesDefaultLineAmountType"] = line_types
        record["PurchasesDefaultLineAmountType"] = dice.pick(i + 1, LINE_TYPES, (80, 15, 5))
        if currency != "GBP" or dice.chance(0.5):
            record["DefaultCurrency"] = currency
        self.extras(i, record)
        record["ContactPersons"] = self.persons(i)
        terms = 30
        if i % 4 == 1 or dice.chance(0.25):
            terms = dice.choice((7, 14, 30, 60))
            record["PaymentTerms"] = {
                "Bills": {"Day": 20, "Type": "OFFOLLOWINGMONTH"},
                "Sales": {"Day": terms, "Type": "DAYSAFTERBILLDATE"},
            }
        return Party(
            contact_id=record["ContactID"],
            name=name,
            role=role,
            currency=currency,
            sales_tax=record.get("AccountsReceivableTaxType"),
            purchase_tax=record.get("AccountsPayableTaxType"),
            line_amount_types={"EXCLUSIVE": "Exclusive", "INCLUSIVE": "Inclusive"}.get(
                line_types, "NoTax"
            ),
            terms_days=terms,
            merged=merged,
            record=record,
        )

    def tax_fields(self, i: int, record: Record, role: str, currency: str) -> None:
        if i % 3 == 0 or self.dice.chance(0.3):
            prefix = {"GBP": "GB", "EUR": "IE"}.get(currency, "")
            record["TaxNumber"] = f"{prefix}{self.dice.between(100000000, 999999999)}"
        if currency != "GBP":
            record["AccountsReceivableTaxType"] = "ZERORATEDOUTPUT"
        elif i % 6 == 0 or self.dice.chance(0.2):
            record["AccountsReceivableTaxType"] = self.dice.choice(
                ("OUTPUT2", "OUTPUT2", "RROUTPUT")
            )
        if role in ("supplier", "both") and (i % 2 == 1 or self.dice.chance(0.3)):
            record["AccountsPayableTaxType"] = "INPUT2"

    def addresses(self, i: int, currency: str) -> list[Record]:
        street = (
            self.address("STREET", i, currency)
            if i % 2 == 0 or self.dice.chance(0.5)
            else empty_address("STREET")
        )
        pobox = (
            self.address("POBOX", i, currency)
            if i % 8 != 7 and not self.dice.chance(0.1)
            else empty_address("POBOX")
        )
        return [street, pobox]

    def extras(self, i: int, record: Record) -> None:
        if i % 10 == 0 or self.dice.chance(0.08):
            record["Discount"] = self.dice.choice(
                (Decimal("2.50"), Decimal("5.00"), Decimal("10.00"), Decimal("12.50"))
            )
        if i % 3 == 1 or self.dice.chance(0.3):
            slug = "".join(ch for ch in record["Name"].lower() if ch.isalnum())[:20]
            record["Website"] = f"https://www.{slug}.example.com"
        record["SalesTrackingCategories"] = []
        record["PurchasesTrackingCategories"] = []


def make_contacts(count: int, seed: int, anchor: datetime) -> list[Party]:
    """``count`` contacts; merged ones point at an earlier active contact."""
    maker = ContactMaker(seed, anchor)
    parties = [maker.make(i) for i in range(count)]
    active = [p for p in parties if p.record["ContactStatus"] == "ACTIVE"]
    for party in parties:
        if party.merged and active:
            winner = maker.dice.choice(active)
            party.record["MergedToContactID"] = winner.contact_id
    return parties


def make_items(count: int, seed: int, anchor: datetime) -> tuple[list[Product], list[Record]]:
    dice = Dice(seed, "items")
    products: list[Product] = []
    records: list[Record] = []
    for i in range(count):
        product = dice.choice(words.PRODUCTS)
        name = f"{dice.choice(words.SIZES)} {dice.choice(words.MATERIALS)} {product}"
        tracked = i == 0 or (i > 3 and dice.chance(0.35))
        sold = i != 1 and not (i > 3 and dice.chance(0.08))
        purchased = tracked or (i != 2 and not (i > 3 and dice.chance(0.2)))
        price = wire.money(Decimal(dice.between(150, 50_000)) / 100)
        cost = wire.quantize(price * Decimal(dice.between(40, 70)) / 100, 4)
        item = Product(
            item_id=dice.uuid(),
            code=f"{product[:3].upper()}-{1001 + i}",
            name=name[:50],
            description=f"{name} - {dice.choice(words.MATERIALS).lower()} finish",
            purchase_description=f"{name} (supplier pack)",
            price=price,
            cost=cost,
            sold=sold,
            purchased=purchased,
            tracked=tracked,
            sales_tax=dice.pick(i, ("OUTPUT2", "RROUTPUT", "ZERORATEDOUTPUT"), (85, 10, 5)),
        )
        products.append(item)
        records.append(_item_record(item, dice, anchor, i))
    return products, records


def _item_record(item: Product, dice: Dice, anchor: datetime, i: int) -> Record:
    record: Record = {"ItemID": item.item_id, "Code": item.code}
    if item.sold:
        record["Description"] = item.description
    if item.purchased:
        record["PurchaseDescription"] = item.purchase_description
    record["UpdatedDateUTC"] = wire.ms_date(_moment(dice, anchor, 900))
    purchase: Record = {}
    if item.purchased:
        purchase = {"UnitPrice": item.cost, "AccountCode": "300", "TaxType": "INPUT2"}
        if item.tracked:
            purchase = {"UnitPrice": item.cost, "COGSAccountCode": "310", "TaxType": "INPUT2"}
    record["PurchaseDetails"] = purchase
    record["SalesDetails"] = (
        {"UnitPrice": wire.quantize(item.price, 4), "AccountCode": "200", "TaxType": item.sales_tax}
        if item.sold
        else {}
    )
    record["Name"] = item.name
    record["IsTrackedAsInventory"] = item.tracked
    if item.tracked:
        quantity = Decimal(0) if i % 5 == 0 else Decimal(dice.between(1, 500))
        record["InventoryAssetAccountCode"] = "630"
        record["TotalCostPool"] = wire.money(quantity * item.cost)
        record["QuantityOnHand"] = wire.quantize(quantity, 4)
    record["IsSold"] = item.sold
    record["IsPurchased"] = item.purchased
    return record
