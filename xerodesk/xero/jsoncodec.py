"""JSON with exact money: numbers with a fraction read as ``Decimal``, and
``Decimal`` written back as a plain JSON number (never through ``float``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

__all__ = ["dumps", "loads"]


def loads(text: str | bytes) -> Any:
    """Parse JSON; fractional numbers become ``Decimal``, whole ones ``int``."""
    return json.loads(text, parse_float=Decimal)


def dumps(value: Any) -> str:
    """Compact JSON; ``Decimal`` as an exact number, dates as ISO text."""
    return "".join(_encode(value))


def _encode(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        parts = ["{"]
        for index, (key, item) in enumerate(value.items()):
            if index:
                parts.append(",")
            parts.append(json.dumps(str(key)))
            parts.append(":")
            parts.extend(_encode(item))
        parts.append("}")
        return parts
    if isinstance(value, list | tuple):
        parts = ["["]
        for index, item in enumerate(value):
            if index:
                parts.append(",")
            parts.extend(_encode(item))
        parts.append("]")
        return parts
    return [_scalar(value)]


def _scalar(value: Any) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send a non-finite amount: {value}")
        return format(value, "f")
    if isinstance(value, float):
        raise TypeError("floats are not sent to Xero; use Decimal")
    if isinstance(value, datetime | date):
        return json.dumps(value.isoformat())
    if isinstance(value, UUID):
        return json.dumps(str(value))
    return json.dumps(value)
