"""Xero's date forms parse to aware UTC datetimes and plain dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xerodesk.mapping.xero_dates import (
    format_if_modified_since,
    format_ms_date,
    format_xero_date,
    parse_optional_xero_date,
    parse_optional_xero_datetime,
    parse_xero_date,
    parse_xero_datetime,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/Date(1539993600000+0000)/", datetime(2018, 10, 20, tzinfo=UTC)),
        ("/Date(1552326816230)/", datetime(2019, 3, 11, 17, 53, 36, 230000, tzinfo=UTC)),
        ("/Date(1539993600000+1300)/", datetime(2018, 10, 20, tzinfo=UTC)),
        ("/Date(-86400000)/", datetime(1969, 12, 31, tzinfo=UTC)),
        ("2019-03-05T18:59:06Z", datetime(2019, 3, 5, 18, 59, 6, tzinfo=UTC)),
        ("2018-10-20T00:00:00", datetime(2018, 10, 20, tzinfo=UTC)),
        (
            "2019-12-07T18:46:19.5165400",
            datetime(2019, 12, 7, 18, 46, 19, 516540, tzinfo=UTC),
        ),
        (
            "2020-02-06T12:17:43.202-08:00",
            datetime(2020, 2, 6, 20, 17, 43, 202000, tzinfo=UTC),
        ),
        ("2019-03-11", datetime(2019, 3, 11, tzinfo=UTC)),
    ],
)
def test_instants_in_every_form(text: str, expected: datetime) -> None:
    parsed = parse_xero_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/Date(1539993600000+0000)/", date(2018, 10, 20)),
        # Local midnight in +13:00 is 11:00 the day before in UTC.
        ("/Date(1539946800000+1300)/", date(2018, 10, 20)),
        ("/Date(1540036800000-1200)/", date(2018, 10, 20)),
        ("2018-10-20T00:00:00", date(2018, 10, 20)),
        ("2019-03-11", date(2019, 3, 11)),
    ],
)
def test_dates_in_every_form(text: str, expected: date) -> None:
    assert parse_xero_date(text) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "/Date(abc)/", "2019-13-01", "/Date(1)"])
def test_rubbish_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_xero_datetime(text)


def test_optional_values() -> None:
    assert parse_optional_xero_datetime(None) is None
    assert parse_optional_xero_datetime("") is None
    assert parse_optional_xero_date(None) is None
    assert parse_optional_xero_date("2019-03-11") == date(2019, 3, 11)
    with pytest.raises(ValueError):
        parse_optional_xero_datetime(12)


_instants = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.just(UTC),
)


@given(_instants)
def test_ms_dates_round_trip_to_the_millisecond(moment: datetime) -> None:
    truncated = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert parse_xero_datetime(format_ms_date(moment)) == truncated


@given(_instants, st.integers(min_value=-12 * 60, max_value=14 * 60))
def test_ms_date_offsets_keep_the_instant_and_give_the_local_day(
    moment: datetime, minutes: int
) -> None:
    millis = int((moment - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(milliseconds=1))
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    text = f"/Date({millis}{sign}{hours:02d}{mins:02d})/"
    parsed = parse_xero_datetime(text)
    assert parsed == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)
    local = parsed.astimezone(timezone(timedelta(minutes=minutes)))
    assert parse_xero_date(text) == local.date()


@given(_instants)
def test_iso_round_trip(moment: datetime) -> None:
    assert parse_xero_datetime(moment.isoformat()) == moment
    assert parse_xero_datetime(moment.replace(tzinfo=None).isoformat()) == moment


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)))
def test_dates_round_trip(day: date) -> None:
    assert parse_xero_date(format_xero_date(day)) == day


def test_if_modified_since_is_utc_whole_seconds() -> None:
    moment = datetime(2026, 3, 1, 12, 30, 15, 999999, tzinfo=timezone(timedelta(hours=2)))
    assert format_if_modified_since(moment) == "2026-03-01T10:30:15Z"
    with pytest.raises(ValueError):
        format_if_modified_since(datetime(2026, 3, 1))
