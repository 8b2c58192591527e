"""Exchange-rate values: a day's reference rates as a rates service publishes them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

__all__ = ["ReferenceRates"]


class ReferenceRates(NamedTuple):
    """One day's reference rates: units of each currency per one unit of the feed's
    base currency (EUR for the European Central Bank).

    A named tuple, so ``as_of, rates = parse_...(...)`` unpacks it. ``rates``
    does not list the base currency itself (its rate is 1 by definition).
    """

    as_of: date
    rates: dict[str, Decimal]
