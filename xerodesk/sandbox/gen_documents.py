"""Generated invoices, bills, credit notes and purchase orders.

Documents are dated over the three years before the anchor day, oldest
first; older ones are mostly settled. Amounts are priced like Xero prices
them (``totals``), payments and credit-note allocations keep ``AmountDue``,
``AmountPaid``, ``AmountCredited`` and ``RemainingCredit`` consistent, and
every document adds its share to its contact's balances.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from xerodesk.sandbox import gen_words as words
from xerodesk.sandbox import wire
from xerodesk.sandbox.balances import Tally, invoice_share
from xerodesk.sandbox.gen_parties import RATES, Dice, Party, Product
from xerodesk.sandbox.totals import NO_TAX, price_document

Record = dict[str, Any]
Emit = Callable[[str, Record], None]
ZERO = Decimal("0.00")
STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")
RECENT_WEIGHTS = (10, 6, 40, 40, 2, 2)
OLD_WEIGHTS = (1, 0, 8, 84, 4, 3)
LINE_COUNTS = (tuple(range(1, 9)), (25, 22, 17, 12, 9, 7, 5, 3))
DISCOUNTS = (Decimal("5.00"), Decimal("10.00"), Decimal("12.50"), Decimal("15.00"))


def day(moment: datetime) -> tuple[str, str]:
    midnight = wire.midnight(moment.date())
    return wire.ms_date(midnight), wire.date_string(midnight)


class DocumentMaker:
    """Makes every document of a generated organisation, in date order."""

    def __init__(
        self,
        seed: int,
        anchor: datetime,
        parties: list[Party],
        products: list[Product],
        rates: dict[str, Decimal],
        emit: Emit,
    ) -> None:
        self.dice = Dice(seed, "documents")
        self.anchor = anchor
        self.today = wire.midnight(anchor.date())
        usable = [p for p in parties if not p.merged]
        self.buyers = [p for p in usable if p.role in ("customer", "both")]
        self.sellers = [p for p in usable if p.role in ("supplier", "both")]
        self.sellable = [p for p in products if p.sold] or products
        self.buyable = [p for p in products if p.purchased] or products
        self.rates = rates
        self.emit = emit
        self.tally = Tally()
        self.customers: set[str] = set()
        self.suppliers: set[str] = set()
        self.numbers = {"INV": 0, "CN": 0, "PO": 0}
        self.credit_budget = 0
        self.alloc_chance = 0.0
        self.used = {"ACCREC": 0, "ACCPAY": 0}
        self.current: tuple[list[Record], str] = ([], "Exclusive")

    # ----------------------------------------------------------- helpers
    def rate_of(self, tax_type: str | None) -> Decimal:
        return self.rates.get(tax_type or "", Decimal(0))

    def number(self, prefix: str) -> str:
        self.numbers[prefix] += 1
        return f"{prefix}-{self.numbers[prefix]:04d}"

    def when(self, i: int, n: int, span: int = 1095) -> datetime:
        age = 1 + (n - 1 - i) * (span - 1) // max(n - 1, 1) + self.dice.between(0, 2)
        return self.today - timedelta(days=age)

    def updated(self, moment: datetime) -> datetime:
        later = moment + timedelta(seconds=self.dice.between(3_600, 5 * 86_400))
        return min(later, self.today - timedelta(seconds=self.dice.between(1, 3_600)))

    def currency_rate(self, currency: str) -> Decimal:
        base = Decimal(RATES[currency])
        if currency == "GBP":
            return Decimal("1.000000")
        noise = Decimal(self.dice.between(-300, 300)) / 10_000
        return wire.quantize(base * (1 + noise), 6)

    def party(self, pool: list[Party], kind: str) -> Party:
        at = self.used[kind]
        self.used[kind] += 1
        return pool[at] if at < len(pool) else self.dice.choice(pool)

    # ------------------------------------------------------------- lines
    def line(self, sales: bool, party: Party, line_types: str, zero: bool) -> Record:
        dice = self.dice
        tax: str | None
        if dice.chance(0.72):
            product = dice.choice(self.sellable if sales else self.buyable)
            line: Record = {
                "ItemCode": product.code,
                "Description": product.description if sales else product.purchase_description,
                "UnitAmount": wire.quantize(product.price if sales else product.cost, 4),
                "AccountCode": "200" if sales else ("630" if product.tracked else "300"),
                "Item": {"ItemID": product.item_id, "Code": product.code, "Name": product.name},
            }
            tax = product.sales_tax if sales else "INPUT2"
        else:
            text, account, price = dice.choice(words.SERVICES if sales else words.EXPENSES)
            line = {"Description": text, "UnitAmount": wire.quantize(Decimal(price), 4)}
            line["AccountCode"] = account
            tax = "OUTPUT2" if sales else "INPUT2"
        tax = (party.sales_tax if sales else party.purchase_tax) or tax
        line["TaxType"] = "NONE" if line_types == NO_TAX else tax
        line["Quantity"] = wire.quantize(
            Decimal(dice.choice((1, 1, 1, 2, 3, 4, 5, 6, 10, 12, 24))), 4
        )
        if zero:
            line["UnitAmount"] = Decimal("0.0000")
        if sales and dice.chance(0.1):
            line["DiscountRate"] = dice.choice(DISCOUNTS)
        line["Tracking"] = []
        line["LineItemID"] = dice.uuid()
        return line

    def lines(self, sales: bool, party: Party, line_types: str, zero: bool) -> list[Record]:
        count = self.dice.rng.choices(*LINE_COUNTS)[0]
        return [self.line(sales, party, line_types, zero) for _ in range(count)]

    def payment(self, when: datetime, amount: Decimal, rate: Decimal) -> Record:
        payment: Record = {"PaymentID": self.dice.uuid(), "Date": day(when)[0], "Amount": amount}
        if self.dice.chance(0.3):
            payment["Reference"] = f"BACS {self.dice.between(100000, 999999)}"
        payment.update(CurrencyRate=rate, HasAccount=False, HasValidationErrors=False)
        return payment

    def pay_date(self, start: datetime, days: int) -> datetime:
        return min(
            start + timedelta(days=self.dice.between(0, days)), self.today - timedelta(days=1)
        )

    # ----------------------------------------------------------- invoices
    def invoices(self, count: int, credit_notes: int) -> None:
        self.credit_budget = int(credit_notes * 0.4)
        self.alloc_chance = self.credit_budget / max(1.0, count * 0.45)
        for i in range(count):
            self.invoice(i, count)

    def status(self, i: int, issued: datetime) -> str:
        old = (self.today - issued).days > 120
        return self.dice.pick(i, STATUSES, OLD_WEIGHTS if old else RECENT_WEIGHTS)

    def invoice(self, i: int, count: int) -> None:
        dice = self.dice
        type_ = dice.pick(i // 6, ("ACCREC", "ACCPAY"), (80, 20))
        sales = type_ == "ACCREC"
        pool = self.buyers if sales else self.sellers
        if not pool:
            return
        party = self.party(pool, type_)
        issued = self.when(i, count)
        status = self.status(i % 6 if i < 12 else i, issued)
        line_types = (
            party.line_amount_types
            if dice.chance(0.8)
            else dice.choice(("Exclusive", "Inclusive", "NoTax"))
        )
        zero = i == 3 or dice.chance(0.01)
        lines = self.lines(sales, party, line_types, zero)
        self.current = (lines, line_types)
        totals = price_document(lines, line_types, self.rate_of)
        rate = self.currency_rate(party.currency)
        record: Record = {"Type": type_, "InvoiceID": dice.uuid()}
        if sales:
            record["InvoiceNumber"] = self.number("INV")
            record["Reference"] = f"PO {dice.between(1000, 99999)}" if dice.chance(0.6) else ""
        else:
            record["InvoiceNumber"] = (
                f"BILL-{dice.between(1000, 99999)}" if dice.chance(0.9) else ""
            )
        due = issued + timedelta(days=party.terms_days)
        settled = self.settle(record, status, totals.total, issued, due, rate, sales, party)
        record.update(self.header(party, issued, due, settled, line_types, lines, rate))
        record.update(SubTotal=totals.sub_total, TotalTax=totals.total_tax, Total=totals.total)
        record["IsDiscounted"] = totals.discounted
        if totals.discounted:
            record["TotalDiscount"] = totals.total_discount
        self.finish_invoice(record, party, settled, due)

    def header(
        self,
        party: Party,
        issued: datetime,
        due: datetime,
        status: str,
        line_types: str,
        lines: list[Record],
        rate: Decimal,
    ) -> Record:
        date, date_string = day(issued)
        due_date, due_string = day(due)
        return {
            "CurrencyRate": rate,
            "HasErrors": False,
            "HasAttachments": False,
            "Contact": {"ContactID": party.contact_id, "Name": party.name},
            "DateString": date_string,
            "Date": date,
            "DueDateString": due_string,
            "DueDate": due_date,
            "Status": status,
            "LineAmountTypes": line_types,
            "LineItems": lines,
        }

    def settle(
        self,
        record: Record,
        status: str,
        total: Decimal,
        issued: datetime,
        due: datetime,
        rate: Decimal,
        sales: bool,
        party: Party,
    ) -> str:
        """Payments and credits for the status; returns the final status."""
        payments: list[Record] = []
        credited = ZERO
        if status in ("AUTHORISED", "PAID") and total == 0:
            status = "PAID"
        elif status == "PAID":
            if sales and self.credit_budget > 0 and self.dice.chance(self.alloc_chance):
                credited = self.allocated_credit(record, party, total, issued, rate)
            if total - credited > 0:
                when = self.pay_date(issued, max(1, (due - issued).days + 20))
                payments.append(self.payment(when, wire.money(total - credited), rate))
        elif status == "AUTHORISED" and self.dice.chance(0.3):
            part = wire.money(total * Decimal(self.dice.between(20, 80)) / 100)
            if part > 0:
                payments.append(self.payment(self.pay_date(issued, 20), part, rate))
        paid = wire.money(sum((p["Amount"] for p in payments), ZERO))
        owed = ZERO if status in ("PAID", "VOIDED", "DELETED") else wire.money(total - paid)
        record["Payments"] = payments
        record.setdefault("CreditNotes", [])
        record.update(Prepayments=[], Overpayments=[], AmountDue=owed, AmountPaid=paid)
        record["AmountCredited"] = credited
        if sales:
            record["SentToContact"] = status in ("AUTHORISED", "PAID") and self.dice.chance(0.7)
        return status

    def finish_invoice(self, record: Record, party: Party, status: str, due: datetime) -> None:
        last = max([wire.parse_date(p["Date"]) for p in record["Payments"]] or [None], key=_key)
        moment = self.updated(last or wire.parse_date(record["Date"]) or self.today)
        record["UpdatedDateUTC"] = wire.ms_date(moment)
        record["UpdatedDateUTCString"] = wire.iso_z(moment)
        record["CurrencyCode"] = party.currency
        if status == "PAID":
            paid_on = record["Payments"][-1]["Date"] if record["Payments"] else record["Date"]
            record["FullyPaidOnDate"] = paid_on
        (self.customers if record["Type"] == "ACCREC" else self.suppliers).add(party.contact_id)
        share = invoice_share(record["Type"], status, record["AmountDue"], due, self.today)
        self.tally.add(party.contact_id, share)
        self.emit("Invoices", record)

    # ------------------------------------------------------- credit notes
    def allocated_credit(
        self, invoice: Record, party: Party, total: Decimal, issued: datetime, rate: Decimal
    ) -> Decimal:
        """A credit note fully allocated to ``invoice``; returns its total."""
        from xerodesk.sandbox.gen_credits import allocated_credit_note

        note = allocated_credit_note(self, invoice, party, total, issued, rate)
        if note is None:
            return ZERO
        self.credit_budget -= 1
        return note


def _key(moment: datetime | None) -> float:
    return moment.timestamp() if moment else 0.0
