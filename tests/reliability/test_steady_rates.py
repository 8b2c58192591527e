"""The reliability sandboxes' clock starts where the exchange rates hold still.

Every test here syncs several fresh databases and compares them by value, the
currencies' rates included. A sandbox clock at ``TIME_SCALE`` that crossed the
ECB's publication time between two of those syncs gave them different rates
(as CI did once when its run began a little before 14:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.reliability import TIME_SCALE, steady_rates_start
from xerodesk.sandbox.rates import reference_day

#: longer than any reliability test runs, in real time
LONGEST_TEST = timedelta(minutes=60)


@pytest.mark.parametrize("hour", range(24))
@pytest.mark.parametrize("day", range(1, 8))  # a week, weekend and Monday included
def test_the_rates_do_not_change_while_a_test_runs(day: int, hour: int) -> None:
    now = datetime(2026, 6, day, hour, 59, 30, tzinfo=UTC)
    start = steady_rates_start(now)
    assert start <= now < start + timedelta(days=1)
    end = start + LONGEST_TEST * TIME_SCALE
    assert reference_day(start) == reference_day(end)


def test_the_start_is_when_a_day_s_rates_are_out() -> None:
    start = steady_rates_start(datetime(2026, 6, 3, 14, 0, tzinfo=UTC))  # a Wednesday
    assert start == datetime(2026, 6, 2, 15, 30, tzinfo=UTC)
    assert reference_day(start) == start.date()
