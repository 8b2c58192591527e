"""Generated credit notes and purchase orders (see ``gen_documents``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xerodesk.sandbox import gen_words as words
from xerodesk.sandbox import wire
from xerodesk.sandbox.balances import credit_share
from xerodesk.sandbox.gen_documents import STATUSES, ZERO, day
from xerodesk.sandbox.gen_parties import Party
from xerodesk.sandbox.totals import price_document

if TYPE_CHECKING:
    from xerodesk.sandbox.gen_documents import DocumentMaker

Record = dict[str, Any]
CREDIT_WEIGHTS = (10, 5, 35, 35, 8, 7)
PO_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "BILLED", "DELETED")
PO_WEIGHTS = (15, 10, 25, 40, 10)


def _note(
    maker: DocumentMaker,
    type_: str,
    party: Party,
    issued: datetime,
    lines: list[Record],
    line_types: str,
    rate: Decimal,
) -> Record:
    totals = price_document(lines, line_types, maker.rate_of)
    note_id = maker.dice.uuid()
    sales = type_ == "ACCRECCREDIT"
    number = (
        maker.number("CN")
        if sales
        else (f"SCN-{maker.dice.between(100, 9999)}" if maker.dice.chance(0.6) else "")
    )
    date, date_string = day(issued)
    return {
        "CreditNoteID": note_id,
        "CreditNoteNumber": number,
        "Payments": [],
        "ID": note_id,
        "CurrencyRate": rate,
        "Type": type_,
        "Reference": f"RMA {maker.dice.between(100, 9999)}"
        if sales and maker.dice.chance(0.5)
        else "",
        "RemainingCredit": totals.total,
        "Allocations": [],
        "HasAttachments": False,
        "Contact": {"ContactID": party.contact_id, "Name": party.name},
        "DateString": date_string,
        "Date": date,
        "Status": "AUTHORISED",
        "LineAmountTypes": line_types,
        "LineItems": lines,
        "SubTotal": totals.sub_total,
        "TotalTax": totals.total_tax,
        "Total": totals.total,
        "CurrencyCode": party.currency,
    }


def _stamp(maker: DocumentMaker, note: Record, moment: datetime) -> None:
    updated = maker.updated(moment)
    note["UpdatedDateUTC"] = wire.ms_date(updated)
    note["UpdatedDateUTCString"] = wire.iso_z(updated)


def allocated_credit_note(
    maker: DocumentMaker,
    invoice: Record,
    party: Party,
    total: Decimal,
    issued: datetime,
    rate: Decimal,
) -> Decimal | None:
    """A PAID credit note allocated in full to ``invoice`` (which lists it)."""
    lines, line_types = maker.current
    line = {k: v for k, v in lines[0].items() if k not in ("DiscountRate", "LineAmount")}
    line.update(Quantity=Decimal("1.0000"), LineItemID=maker.dice.uuid(), Tracking=[])
    line.pop("TaxAmount", None)
    when = maker.pay_date(issued, 20)
    note = _note(maker, "ACCRECCREDIT", party, when, [line], line_types, rate)
    amount: Decimal = note["Total"]
    if amount <= 0 or amount > total:
        maker.numbers["CN"] -= 1
        return None
    note.update(Status="PAID", RemainingCredit=ZERO, FullyPaidOnDate=note["Date"])
    note["Allocations"] = [
        {
            "AllocationID": maker.dice.uuid(),
            "Amount": amount,
            "Date": note["Date"],
            "Invoice": {
                "InvoiceID": invoice["InvoiceID"],
                "InvoiceNumber": invoice["InvoiceNumber"],
            },
        }
    ]
    _stamp(maker, note, when)
    invoice["CreditNotes"] = [
        {
            "CreditNoteID": note["CreditNoteID"],
            "CreditNoteNumber": note["CreditNoteNumber"],
            "ID": note["CreditNoteID"],
            "DateString": note["DateString"],
            "Date": note["Date"],
            "AppliedAmount": amount,
            "Total": amount,
        }
    ]
    maker.emit("CreditNotes", note)
    return amount


def credit_notes(maker: DocumentMaker, count: int) -> None:
    """``count`` credit notes not allocated to invoices, every status."""
    for j in range(count):
        type_ = maker.dice.pick(j // 6, ("ACCRECCREDIT", "ACCPAYCREDIT"), (80, 20))
        sales = type_ == "ACCRECCREDIT"
        pool = maker.buyers if sales else maker.sellers
        if not pool:
            continue
        party = maker.dice.choice(pool)
        issued = maker.when(j, count)
        line_types = party.line_amount_types
        lines = maker.lines(sales, party, line_types, zero=False)[:3]
        rate = maker.currency_rate(party.currency)
        note = _note(maker, type_, party, issued, lines, line_types, rate)
        status = maker.dice.pick(j % 6 if j < 12 else j, STATUSES, CREDIT_WEIGHTS)
        _settle_note(maker, note, status, issued, rate)
        _stamp(maker, note, issued)
        (maker.customers if sales else maker.suppliers).add(party.contact_id)
        share = credit_share(type_, note["Status"], note["RemainingCredit"])
        maker.tally.add(party.contact_id, share)
        maker.emit("CreditNotes", note)


def _settle_note(
    maker: DocumentMaker, note: Record, status: str, issued: datetime, rate: Decimal
) -> None:
    total = note["Total"]
    note["Status"] = status
    if status in ("VOIDED", "DELETED"):
        note["RemainingCredit"] = ZERO
    elif status == "PAID" and total > 0:
        when = maker.pay_date(issued, 30)
        note["Payments"] = [maker.payment(when, total, rate)]
        note.update(RemainingCredit=ZERO, FullyPaidOnDate=day(when)[0])
    elif status == "PAID":
        note.update(RemainingCredit=ZERO, FullyPaidOnDate=note["Date"])
    elif status == "AUTHORISED" and maker.dice.chance(0.2):
        refund = wire.money(total * Decimal(maker.dice.between(10, 60)) / 100)
        if refund > 0:
            note["Payments"] = [maker.payment(maker.pay_date(issued, 30), refund, rate)]
            note["RemainingCredit"] = wire.money(total - refund)


def purchase_orders(maker: DocumentMaker, count: int) -> None:
    """``count`` purchase orders to suppliers, every status."""
    if not maker.sellers:
        return
    for j in range(count):
        party = maker.dice.choice(maker.sellers)
        issued = maker.when(j, count, span=730)
        status = maker.dice.pick(j, PO_STATUSES, PO_WEIGHTS)
        lines = maker.lines(False, party, "Exclusive", zero=False)
        maker.emit("PurchaseOrders", _order(maker, party, issued, status, lines))


def _order(
    maker: DocumentMaker, party: Party, issued: datetime, status: str, lines: list[Record]
) -> Record:
    dice = maker.dice
    totals = price_document(lines, "Exclusive", maker.rate_of)
    date, date_string = day(issued)
    delivery, delivery_string = day(issued + timedelta(days=dice.between(5, 21)))
    record: Record = {
        "PurchaseOrderID": dice.uuid(),
        "PurchaseOrderNumber": maker.number("PO"),
        "DateString": date_string,
        "Date": date,
        "DeliveryDateString": delivery_string,
        "DeliveryDate": delivery,
        "DeliveryAddress": "Unit 4, Northgate Trading Estate, Leeds LS9 0AB",
        "AttentionTo": dice.choice(words.FIRST_NAMES),
        "Telephone": f"0113 496 {dice.between(1000, 9999)}",
        "DeliveryInstructions": dice.choice(words.NOTES),
        "Reference": f"REQ-{dice.between(100, 9999)}" if dice.chance(0.5) else "",
        "SentToContact": status in ("AUTHORISED", "BILLED") and dice.chance(0.7),
        "HasErrors": False,
        "IsDiscounted": False,
        "Type": "PURCHASEORDER",
        "CurrencyRate": maker.currency_rate(party.currency),
        "CurrencyCode": party.currency,
        "Contact": {"ContactID": party.contact_id, "Name": party.name},
        "Status": status,
        "LineAmountTypes": "Exclusive",
        "LineItems": lines,
        "SubTotal": totals.sub_total,
        "TotalTax": totals.total_tax,
        "Total": totals.total,
    }
    if dice.chance(0.3):
        arrival, arrival_string = day(issued + timedelta(days=dice.between(7, 28)))
        record.update(ExpectedArrivalDateString=arrival_string, ExpectedArrivalDate=arrival)
    record["UpdatedDateUTC"] = wire.ms_date(maker.updated(issued))
    record["HasAttachments"] = False
    return record
