"""Properties of the mapping layer, checked with hypothesis.

- net + tax == gross on every line, for every line-amount type;
- home values equal document values at rate 1 (or no rate), and are value ÷ rate
  rounded to the cent otherwise;
- a credit-note line is the negation of the same line on an invoice;
- display_description follows the option and the account number alone;
- whatever a record holds (wrong types, missing, huge or unicode-heavy fields),
  a mapper returns rows or raises MalformedRecordError, never another exception;
- the fast reading of a plain invoice maps it exactly as the field-by-field
  reading does, or leaves it to that reading.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from xerodesk.domain.xero_codes import LineAmountType
from xerodesk.errors import MalformedRecordError
from xerodesk.mapping.contacts import display_description, map_contact
from xerodesk.mapping.credit_notes import NEGATED_COLUMNS, map_credit_note
from xerodesk.mapping.currencies import RatesFeedError, cross_rates, map_currency, parse_ecb_daily
from xerodesk.mapping.documents import line_values
from xerodesk.mapping.invoices import _checked_invoice, _plain_invoice, map_invoice
from xerodesk.mapping.items import map_item
from xerodesk.mapping.plain import NotPlain
from xerodesk.mapping.purchase_orders import map_purchase_order
from xerodesk.mapping.tax_rates import map_tax_rate

D = Decimal
CENT = D("0.01")
ONE = D(1)

money = st.decimals(
    min_value=D("-1000000000"), max_value=D("1000000000"), places=2, allow_nan=False
)
amount_types = st.sampled_from(["Exclusive", "Inclusive", "NoTax"])
rates = st.decimals(min_value=D("0.0001"), max_value=D("10000"), places=6, allow_nan=False)


def sales_line(line_amount: Decimal, tax: Decimal, quantity: Decimal = ONE) -> dict[str, Any]:
    return {
        "LineItemID": "line-1",
        "Description": "Item",
        "Quantity": quantity,
        "UnitAmount": line_amount,
        "LineAmount": line_amount,
        "TaxAmount": tax,
        "ItemCode": "X",
        "AccountCode": "200",
        "TaxType": "OUTPUT2",
    }


def document(kind: str, amount_type: str, rate: Decimal | None, lines: list[Any]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Contact": {"ContactID": "c-1", "Name": "Customer"},
        "Date": "/Date(1551916800000+0000)/",
        "Status": "AUTHORISED",
        "LineAmountTypes": amount_type,
        "LineItems": lines,
        "CurrencyRate": rate,
        "CurrencyCode": "USD",
        "Total": D("1.00"),
        "UpdatedDateUTC": "/Date(1551981568133+0000)/",
    }
    if kind == "invoice":
        record.update(Type="ACCREC", InvoiceID="i-1", InvoiceNumber="INV-1")
    elif kind == "credit":
        record.update(Type="ACCRECCREDIT", CreditNoteID="cn-1", CreditNoteNumber="CN-1")
    else:
        record.update(PurchaseOrderID="po-1", PurchaseOrderNumber="PO-1")
    return record


# --- line values ------------------------------------------------------------------------


@given(money, money, st.sampled_from(list(LineAmountType)))
def test_net_plus_tax_is_gross_for_every_line_amount_type(
    line_amount: Decimal, tax: Decimal, amount_type: LineAmountType
) -> None:
    values = line_values(line_amount, tax, amount_type)
    assert values.net + values.tax == values.gross
    if amount_type is LineAmountType.NO_TAX:
        assert values.tax == 0


@given(money, money, amount_types, st.sampled_from(["invoice", "credit", "purchase"]))
def test_mapped_lines_keep_net_plus_tax_equal_to_gross(
    line_amount: Decimal, tax: Decimal, amount_type: str, kind: str
) -> None:
    record = document(kind, amount_type, None, [sales_line(line_amount, tax)])
    mapper: Callable[[Any], Any] = {
        "invoice": map_invoice,
        "credit": map_credit_note,
        "purchase": map_purchase_order,
    }[kind]
    (row,) = mapper(record).lines
    assert row["net_value"] + row["tax_value"] == row["gross_value"]


@given(money, money, amount_types, st.sampled_from([None, D(1), D("1.000000"), D(0)]))
def test_home_values_equal_document_values_at_rate_one(
    line_amount: Decimal, tax: Decimal, amount_type: str, rate: Decimal | None
) -> None:
    (row,) = map_invoice(
        document("invoice", amount_type, rate, [sales_line(line_amount, tax)])
    ).lines
    assert row["home_net_value"] == row["net_value"]
    assert row["home_gross_value"] == row["gross_value"]


@given(money, money, amount_types, rates)
def test_home_values_are_document_values_divided_by_the_rate(
    line_amount: Decimal, tax: Decimal, amount_type: str, rate: Decimal
) -> None:
    assume(rate != 0)
    (row,) = map_invoice(
        document("invoice", amount_type, rate, [sales_line(line_amount, tax)])
    ).lines
    for home, value in (("home_net_value", "net_value"), ("home_gross_value", "gross_value")):
        assert row[home].as_tuple().exponent == -2
        assert abs(row[home] - row[value] / rate) <= CENT / 2


@given(money, money, amount_types, st.one_of(st.none(), rates), money)
def test_credit_note_line_is_the_negation_of_the_invoice_line(
    line_amount: Decimal, tax: Decimal, amount_type: str, rate: Decimal | None, quantity: Decimal
) -> None:
    lines = [sales_line(line_amount, tax, quantity)]
    (invoice_row,) = map_invoice(document("invoice", amount_type, rate, lines)).lines
    (credit_row,) = map_credit_note(document("credit", amount_type, rate, lines)).lines
    for column in NEGATED_COLUMNS:
        assert credit_row[column] == -invoice_row[column], column
    for column in ("unit_price", "product_item_id", "account_code", "tax_type", "description"):
        assert credit_row[column] == invoice_row[column], column
    assert (credit_row["transaction_type"], invoice_row["transaction_type"]) == ("C", "I")


# --- display description ----------------------------------------------------------------

names = st.text(min_size=1, max_size=80).filter(lambda text: text.strip() != "")


@given(names, st.one_of(st.none(), st.text(max_size=20)), st.booleans())
def test_display_description_rule(name: str, account_number: str | None, option: bool) -> None:
    shown = display_description(name, account_number, option)
    if option and account_number is not None and account_number.strip():
        assert shown == account_number.strip()
    else:
        assert shown == name


@given(
    st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=255)
    .map(str.strip)
    .filter(bool),
    st.text(alphabet="ABC-0123456789", max_size=20),
    st.booleans(),
)
def test_mapped_display_description_matches_the_rule(
    name: str, account_number: str, option: bool
) -> None:
    record = {
        "ContactID": "c-1",
        "Name": name,
        "AccountNumber": account_number,
        "UpdatedDateUTC": "2019-03-05T18:59:06Z",
    }
    ledger = map_contact(record, display_account_number=option).sales_ledger
    assert ledger is not None
    assert ledger["name"] == name
    assert ledger["display_description"] == display_description(name, account_number, option)


# --- malformed input never escapes as another exception --------------------------------

HUGE_TEXT = st.text(min_size=256, max_size=20_000)
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=300)
DATE_TEXT = st.one_of(
    st.from_regex(r"\A/Date\(-?[0-9]{1,25}([+-][0-9]{2,4})?\)/\Z"),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?)?Z?\Z"),
    st.sampled_from(["/Date()/", "0000-00-00", "9999-12-31T23:59:59-23:59", "2019-02-29"]),
)
ODD_NUMBERS = st.sampled_from(
    [D("NaN"), D("sNaN"), D("Infinity"), D("-Infinity"), D("1e999999"), D("-1e-999999"),
     10**400, -(10**4000), 0.1, float("nan"), "1,000.00", "1e5", " 12 ", ""]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.decimals(),
    st.floats(),
    ANY_TEXT,
    HUGE_TEXT,
    DATE_TEXT,
    ODD_NUMBERS,
)
JSONISH = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=4),
    ),
    max_leaves=12,
)

BASES: dict[str, tuple[Callable[[Any], Any], dict[str, Any]]] = {
    "contact": (
        lambda record: map_contact(record, display_account_number=True),
        {
            "ContactID": "c-1",
            "Name": "Acme",
            "AccountNumber": "A1",
            "FirstName": "Ann",
            "EmailAddress": "ann@example.com",
            "IsCustomer": True,
            "IsSupplier": True,
            "DefaultCurrency": "GBP",
            "Discount": D("5.00"),
            "ContactStatus": "ACTIVE",
            "UpdatedDateUTC": "/Date(1551459777193+0000)/",
            "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "123", "PhoneAreaCode": "01"}],
            "Addresses": [{"AddressType": "POBOX", "AddressLine1": "1 Road", "City": "Town"}],
            "Balances": {"AccountsReceivable": {"Outstanding": D("1.00"), "Overdue": D(0)}},
        },
    ),
    "item": (
        map_item,
        {
            "ItemID": "i-1",
            "Code": "X1",
            "Name": "Thing",
            "IsTrackedAsInventory": True,
            "QuantityOnHand": D("3.0000"),
            "IsSold": True,
            "SalesDetails": {"UnitPrice": D("9.99"), "AccountCode": "200", "TaxType": "OUTPUT2"},
            "PurchaseDetails": {"UnitPrice": D("4.00")},
            "UpdatedDateUTC": "/Date(1552333309387+0000)/",
        },
    ),
    "invoice": (map_invoice, document("invoice", "Inclusive", D("1.5"), [sales_line(D(10), D(1))])),
    "credit": (map_credit_note, document("credit", "Exclusive", None, [sales_line(D(10), D(1))])),
    "purchase": (map_purchase_order, document("purchase", "NoTax", None, [sales_line(D(1), D(0))])),
    "tax rate": (
        map_tax_rate,
        {"TaxType": "OUTPUT2", "Name": "VAT", "EffectiveRate": D("20"), "Status": "ACTIVE"},
    ),
    "currency": (lambda record: map_currency(record, "GBP"), {"Code": "USD", "Description": "$"}),
}
PATHS = [
    ("Name",), ("ContactID",), ("UpdatedDateUTC",), ("Phones",), ("Phones", 0),
    ("Phones", 0, "PhoneNumber"), ("Phones", 0, "PhoneType"), ("Addresses", 0, "City"),
    ("Addresses", 0, "AddressType"), ("Balances",), ("Balances", "AccountsReceivable", "Overdue"),
    ("IsCustomer",), ("Discount",), ("DefaultCurrency",), ("ContactStatus",), ("FirstName",),
    ("Code",), ("QuantityOnHand",), ("SalesDetails",), ("SalesDetails", "UnitPrice"),
    ("IsSold",), ("Type",), ("Status",), ("Contact",), ("Contact", "ContactID"), ("Date",),
    ("LineItems",), ("LineItems", 0), ("LineItems", 0, "LineAmount"),
    ("LineItems", 0, "TaxAmount"), ("LineItems", 0, "LineItemID"), ("LineItems", 0, "Quantity"),
    ("LineItems", 0, "Description"), ("CurrencyRate",), ("CurrencyCode",), ("LineAmountTypes",),
    ("Total",), ("EffectiveRate",), ("CanApplyToRevenue",), ("TaxType",), ("Description",),
]  # fmt: skip


def replaced(record: dict[str, Any], path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    """A deep copy of ``record`` with the value at ``path`` replaced (or removed)."""
    result = copy.deepcopy(record)
    target: Any = result
    for step in path[:-1]:
        try:
            target = target[step]
        except (KeyError, IndexError, TypeError):
            return result
    last = path[-1]
    if isinstance(target, dict) and delete:
        target.pop(last, None)
    elif isinstance(target, dict):
        target[last] = value
    elif isinstance(target, list) and isinstance(last, int) and last < len(target):
        target[last] = value
    return result


def maps_or_refuses(mapper: Callable[[Any], Any], record: Any) -> None:
    try:
        mapper(record)
    except MalformedRecordError as error:
        text = str(error)
        assert text and len(text) < 400
        text.encode("utf-8")  # printable in a log or a review item


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(BASES)),
    st.lists(st.tuples(st.sampled_from(PATHS), JSONISH, st.booleans()), min_size=1, max_size=3),
)
def test_damaged_records_map_or_raise_malformed_record_error(
    entity: str, damage: list[tuple[tuple[Any, ...], Any, bool]]
) -> None:
    mapper, base = BASES[entity]
    record = base
    for path, value, delete in damage:
        record = replaced(record, path, value, delete)
    maps_or_refuses(mapper, record)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(BASES)), JSONISH)
def test_arbitrary_json_maps_or_raises_malformed_record_error(entity: str, record: Any) -> None:
    maps_or_refuses(BASES[entity][0], record)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(BASES)), ANY_TEXT, HUGE_TEXT)
def test_unicode_heavy_and_huge_text_maps_or_raises(entity: str, text: str, huge: str) -> None:
    mapper, base = BASES[entity]
    for path in PATHS:
        maps_or_refuses(mapper, replaced(base, path, text, False))
        maps_or_refuses(mapper, replaced(base, path, huge, False))


@given(ANY_TEXT.map(str.strip).filter(bool))
def test_unicode_names_survive_mapping(name: str) -> None:
    mapper, base = BASES["contact"]
    try:
        result = mapper({**base, "Name": name})
    except MalformedRecordError:
        return  # unpaired surrogates, NUL characters
    assert result.company["name"] == name


# --- rates ------------------------------------------------------------------------------

ecb_rates = st.dictionaries(
    st.sampled_from(["USD", "GBP", "JPY", "NZD", "CHF", "SEK", "IDR"]),
    st.decimals(min_value=D("0.0001"), max_value=D("20000"), places=4),
    min_size=1,
)


@given(ecb_rates, st.data())
def test_cross_rates_put_home_at_one_and_agree_with_the_euro_rates(
    rates_per_euro: dict[str, Decimal], data: st.DataObject
) -> None:
    home = data.draw(st.sampled_from(sorted(rates_per_euro)))
    result = cross_rates(rates_per_euro, home)
    assert result[home] == 1
    assert set(result) == set(rates_per_euro) | {"EUR"}
    for code, value in result.items():
        assert value > 0
        assert -value.as_tuple().exponent <= 10  # type: ignore[operator]
        expected = (rates_per_euro.get(code, D(1))) / rates_per_euro[home]
        assert abs(value - expected) <= D("0.00000000005")


@given(ecb_rates)
def test_ecb_document_round_trips(rates_per_euro: dict[str, Decimal]) -> None:
    cubes = "".join(f"<Cube currency='{c}' rate='{r}'/>" for c, r in rates_per_euro.items())
    document = (
        '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">'
        f"<Cube><Cube time='2026-03-04'>{cubes}</Cube></Cube></gesmes:Envelope>"
    )
    assert parse_ecb_daily(document).rates == rates_per_euro


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(ANY_TEXT, st.binary(max_size=300), st.from_regex(r"\A<[a-zA-Z:]+( [a-z]+='[^']*')*>"))
)
def test_ecb_parser_raises_only_rates_feed_error(document: str | bytes) -> None:
    try:
        parse_ecb_daily(document)
    except RatesFeedError as error:
        assert str(error)


# --- the fast reading of plain records maps exactly as the field-by-field one -----------


def _same_or_deferred(record: Any) -> str:
    """What the fast reading did with ``record``: ``deferred`` (NotPlain) or ``same``
    (exactly the field-by-field mapping, down to the order of the columns)."""
    try:
        fast = _plain_invoice(record)
    except NotPlain:
        return "deferred"
    checked = _checked_invoice(record)  # must map whatever the fast reading maps
    assert fast == checked
    # exactly: the same columns in the same order, amounts to the same exponent
    assert repr(list(fast.header.items())) == repr(list(checked.header.items()))
    assert [repr(list(line.items())) for line in fast.lines] == [
        repr(list(line.items())) for line in checked.lines
    ]
    return "same"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), JSONISH, st.booleans()), max_size=3))
def test_the_fast_reading_maps_an_invoice_exactly_or_defers(
    damage: list[tuple[tuple[Any, ...], Any, bool]],
) -> None:
    record = BASES["invoice"][1]
    for path, value, delete in damage:
        record = replaced(record, path, value, delete)
    if isinstance(record, dict):
        _same_or_deferred(record)


@given(money, money, amount_types, st.one_of(st.none(), rates), st.integers(0, 3))
def test_the_fast_reading_takes_plain_invoices(
    amount: Decimal, tax: Decimal, amount_type: str, rate: Decimal | None, extra: int
) -> None:
    lines = [sales_line(amount, tax)] + [
        {**sales_line(tax, amount, D(extra)), "LineItemID": f"line-{i + 2}", "ItemCode": None}
        for i in range(extra)
    ]
    record = document("invoice", amount_type, rate, lines)
    record["Date"], record["Reference"] = "2026-03-04T00:00:00", "  Zoë’s order  "
    assert _same_or_deferred(record) == "same"
