"""Comparisons and truth for the ``where`` language (see ``query``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from xerodesk.sandbox import wire

Getter = Callable[[str], Any]
Predicate = Callable[[Getter], Any]


class QueryError(ValueError):
    """A ``where`` or ``order`` that Xero would refuse."""


@dataclass(frozen=True)
class Typed:
    """A compiled operand: how to compute it and its Xero type name."""

    fn: Callable[[Getter], Any]
    xtype: str  # "String", "Guid", "Boolean", "Decimal", "Int32", "DateTime", "Null", "Any"


def as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, datetime):
        return wire.date_string(value)
    return str(value)


def truthy(value: Any) -> bool:
    return value is True


def either(left: Predicate, right: Predicate) -> Predicate:
    return lambda get: truthy(left(get)) or truthy(right(get))


def both(left: Predicate, right: Predicate) -> Predicate:
    return lambda get: truthy(left(get)) and truthy(right(get))


_COMPATIBLE = {
    frozenset({"String"}),
    frozenset({"Guid"}),
    frozenset({"Boolean"}),
    frozenset({"DateTime"}),
    frozenset({"Decimal"}),
    frozenset({"Int32"}),
    frozenset({"Decimal", "Int32"}),
}


def compare(op: str, left: Typed, right: Typed) -> Typed:
    types = frozenset({left.xtype, right.xtype})
    if not ("Null" in types or "Any" in types or types in _COMPATIBLE):
        raise QueryError(
            f"Operator '{op}' incompatible with operand types '{left.xtype}' and '{right.xtype}'"
        )
    if op in (">", ">=", "<", "<=") and "Boolean" in types:
        raise QueryError(
            f"Operator '{op}' incompatible with operand types '{left.xtype}' and '{right.xtype}'"
        )
    lfn, rfn = left.fn, right.fn
    return Typed(lambda get: apply(op, comparable(lfn(get)), comparable(rfn(get))), "Boolean")


def comparable(value: Any) -> Any:
    if value == "" or value is None:
        return None
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


def apply(op: str, left: Any, right: Any) -> bool:
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if left is None or right is None:
        return False
    try:
        if op == ">":
            return bool(left > right)
        if op == ">=":
            return bool(left >= right)
        if op == "<":
            return bool(left < right)
        return bool(left <= right)
    except TypeError:
        return False


def sort_key(value: Any) -> tuple[int, Any]:
    """Orders values of one field: nulls first, strings without case."""
    value = comparable(value)
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    return (1, value)
