"""The checked field reader every mapper uses: types, limits and readable errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from xerodesk.domain.xero_codes import ContactStatus
from xerodesk.errors import MalformedRecordError, ReviewError
from xerodesk.mapping.reader import (
    AMOUNT_LIMIT,
    CODE_MAX,
    NAME_MAX,
    Fields,
    MalformedXeroRecordError,
    RecordRef,
)


def fields(**values: Any) -> Fields:
    return Fields.of_record(
        {"ContactID": "c-1", "Name": "Acme", **values}, "contact", "ContactID", "Name"
    )


def test_errors_are_review_errors_carrying_the_record_and_field() -> None:
    with pytest.raises(MalformedXeroRecordError) as caught:
        fields().required_text("Missing")
    error = caught.value
    assert isinstance(error, MalformedRecordError) and isinstance(error, ReviewError)
    assert str(error) == 'Xero contact "Acme" (c-1): Missing is missing'
    assert (error.ref.entity, error.ref.record_id, error.ref.name) == ("contact", "c-1", "Acme")
    assert (error.field, error.reason) == ("Missing", "is missing")


@pytest.mark.parametrize(
    ("ref", "text"),
    [
        (RecordRef("item", "i-1", None), "Xero item i-1"),
        (RecordRef("item", None, "Widget"), 'Xero item "Widget"'),
        (RecordRef("item"), "Xero item (no id or name)"),
        (RecordRef("item", "i-1", "x" * 500), 'Xero item "' + "x" * 59 + '…" (i-1)'),
        (RecordRef("item", "i-1", "bad\ud800\nname"), 'Xero item "bad\\ud800?name" (i-1)'),
    ],
)
def test_record_descriptions_are_short_and_printable(ref: RecordRef, text: str) -> None:
    assert ref.describe() == text


def test_the_name_in_messages_is_read_leniently() -> None:
    reader = Fields.of_record({"ContactID": 5, "Name": ["x"]}, "contact", "ContactID", "Name")
    assert reader.ref == RecordRef("contact")


def test_text_is_trimmed_and_blank_is_none() -> None:
    reader = fields(A="  x  ", B="   ", C="")
    assert reader.text("A") == "x"
    assert reader.text("B") is None
    assert reader.text("C") is None
    assert reader.text("Nothing") is None


@pytest.mark.parametrize(
    ("value", "limit", "reason"),
    [
        (12, NAME_MAX, "is not text: 12"),
        ("x" * (NAME_MAX + 1), NAME_MAX, "is longer than 255 characters (256)"),
        ("x" * (CODE_MAX + 1), CODE_MAX, "is longer than 64 characters (65)"),
        ("a\x00b", NAME_MAX, "contains a NUL character"),
        ("a\udc80b", NAME_MAX, "is not valid Unicode text"),
    ],
)
def test_text_that_no_column_can_hold_is_refused(value: Any, limit: int, reason: str) -> None:
    with pytest.raises(MalformedXeroRecordError) as caught:
        fields(Field=value).text("Field", limit)
    assert caught.value.reason == reason


def test_unicode_text_within_the_limit_is_kept() -> None:
    name = "Ærøskøbing Bryggeri 🍺 東京"
    assert fields(Field=name).text("Field") == name
    assert fields(Field="é" * NAME_MAX).text("Field") == "é" * NAME_MAX


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("12.50"), Decimal("12.50")),
        (3, Decimal(3)),
        ("1,250.00", Decimal("1250.00")),
        (None, None),
        ("", None),
    ],
)
def test_amounts(value: Any, expected: Decimal | None) -> None:
    result = fields(Field=value).amount("Field")
    assert result == expected
    assert result is None or isinstance(result, Decimal)


@pytest.mark.parametrize(
    "value",
    [
        1.5,
        True,
        "ten",
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        [1],
        {"a": 1},
        AMOUNT_LIMIT,
        -AMOUNT_LIMIT,
        pytest.param(10**5000, id="an int of 5,001 digits"),
        Decimal("1e999999"),
    ],
)
def test_amounts_refused(value: Any) -> None:
    with pytest.raises(MalformedXeroRecordError) as caught:
        fields(Field=value).amount("Field")
    assert caught.value.field == "Field"
    assert len(str(caught.value)) < 200


def test_flags() -> None:
    reader = fields(T=True, F=False, S="true", N=None)
    assert reader.flag("T", False) is True
    assert reader.flag("F", True) is False
    assert reader.flag("N", True) is True
    assert reader.flag("Missing", False) is False
    with pytest.raises(MalformedXeroRecordError, match="is not true or false"):
        reader.flag("S", False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/Date(1539993600000+0000)/", date(2018, 10, 20)),
        ("/Date(1539993600000)/", date(2018, 10, 20)),
        ("2018-10-20T00:00:00", date(2018, 10, 20)),
        ("2018-10-20", date(2018, 10, 20)),
        (None, None),
        ("", None),
    ],
)
def test_days(value: Any, expected: date | None) -> None:
    assert fields(Field=value).day("Field") == expected


@pytest.mark.parametrize(
    "value",
    [
        "/Date(abc)/",
        "/Date(99999999999999999999999)/",
        "2019-02-29",
        "2019-13-01",
        "yesterday",
        20190301,
        pytest.param("9" * 5000, id="5,000 digits"),
    ],
)
def test_bad_dates_are_refused(value: Any) -> None:
    with pytest.raises(MalformedXeroRecordError, match="is not a date"):
        fields(Field=value).day("Field")


def test_instants_are_aware_utc() -> None:
    reader = fields(A="/Date(1551459777193+0000)/", B="2019-03-05T18:59:06Z", C="x")
    assert reader.instant("A") == datetime(2019, 3, 1, 17, 2, 57, 193000, tzinfo=UTC)
    assert reader.instant("B") == datetime(2019, 3, 5, 18, 59, 6, tzinfo=UTC)
    assert reader.instant("A").tzinfo is UTC  # type: ignore[union-attr]
    with pytest.raises(MalformedXeroRecordError, match="is not a date and time"):
        reader.instant("C")
    with pytest.raises(MalformedXeroRecordError, match="is missing"):
        reader.required_instant("Missing")


def test_choices_match_any_letter_case_and_name_the_choices() -> None:
    assert fields(S="archived").choice("S", ContactStatus) is ContactStatus.ARCHIVED
    assert fields().choice("S", ContactStatus, ContactStatus.ACTIVE) is ContactStatus.ACTIVE
    with pytest.raises(MalformedXeroRecordError, match="not one of ACTIVE, ARCHIVED, GDPRREQUEST"):
        fields(S="GONE").choice("S", ContactStatus)


def test_currency_codes_are_checked() -> None:
    assert fields(C="GBP").currency("C") == "GBP"
    assert fields(C="").currency("C") is None
    with pytest.raises(MalformedXeroRecordError, match="not a known currency code"):
        fields(C="GBX").currency("C")


def test_nested_objects_name_their_path() -> None:
    reader = fields(Lines=[{"A": 1}, None, {"A": "x"}], Block={"Inner": {"V": "bad"}})
    lines = reader.blocks("Lines")
    assert len(lines) == 2  # the null entry is skipped
    with pytest.raises(MalformedXeroRecordError) as caught:
        lines[1].amount("A")
    assert caught.value.field == "Lines[2].A"
    inner = reader.block("Block").block("Inner")  # type: ignore[union-attr]
    with pytest.raises(MalformedXeroRecordError) as caught:
        inner.amount("V")  # type: ignore[union-attr]
    assert caught.value.field == "Block.Inner.V"
    assert reader.block("Missing") is None
    assert reader.blocks("Missing") == []


@pytest.mark.parametrize(
    ("value", "method", "field"),
    [
        ("x", "blocks", "Field"),
        ({"a": 1}, "blocks", "Field"),
        ([1], "blocks", "Field[0]"),
        ([], "block", "Field"),
        ("x", "block", "Field"),
    ],
)
def test_nested_objects_of_the_wrong_shape(value: Any, method: str, field: str) -> None:
    with pytest.raises(MalformedXeroRecordError) as caught:
        getattr(fields(Field=value), method)("Field")
    assert caught.value.field == field


@pytest.mark.parametrize("record", [None, [], "contact", 12, Decimal(1)])
def test_a_record_that_is_not_an_object(record: Any) -> None:
    with pytest.raises(MalformedXeroRecordError, match="record is not an object"):
        Fields.of_record(record, "contact", "ContactID", "Name")
