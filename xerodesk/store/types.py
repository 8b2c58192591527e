"""Column types shared by every table: exact money, UTC timestamps, JSON.

Money and quantities are ``Numeric(18, 4)`` and come back as ``Decimal``.
PostgreSQL and MariaDB store them as exact decimals. SQLite has no decimal
storage: it keeps NUMERIC values as 64-bit floats, which hold every amount
of up to 15 significant digits exactly once SQLAlchemy rounds them back to
the column's scale (amounts below 100 billion with 4 decimals), and keeps
SQL arithmetic and comparisons on the columns numeric for the CRM's reports.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Numeric, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

#: money and quantities (the contract's ``money`` and ``qty``)
Money = Numeric(18, 4, asdecimal=True)
#: rates, percentages and exchange rates (the contract's ``numeric``)
Rate = Numeric(24, 10, asdecimal=True)
#: Xero ids (GUIDs) and short codes; bounded so MariaDB can index them
XeroId = String(64)
Code = String(64)
Name = String(255)
LongText = Text()
Json = JSON().with_variant(mysql.JSON(), "mysql")


class UTCDateTime(TypeDecorator[datetime]):
    """A UTC timestamp: stored naive in UTC, always returned timezone-aware.

    Naive values given to it are taken to be UTC already; aware values are
    converted. MariaDB keeps microseconds (``DATETIME(6)``).
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=False))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: what ``utcnow`` reads: the machine's clock unless a program set another
_wall_clock: Callable[[], datetime] | None = None


def set_wall_clock(clock: Callable[[], datetime] | None) -> Callable[[], datetime] | None:
    """Make ``utcnow`` read ``clock`` in this process (None: the machine's clock again).

    For a program that plays time faster than it runs, such as the benchmark's
    simulated day: the engine reads all its times through ``utcnow``, so the run
    log, the cursors and the planner follow the simulated clock. Returns the
    clock it replaces.
    """
    global _wall_clock
    previous, _wall_clock = _wall_clock, clock
    return previous


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    clock = _wall_clock
    return clock() if clock is not None else datetime.now(UTC)
