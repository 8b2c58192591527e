"""Exact line replacement: new lines inserted, known ones updated, gone ones deleted,
and a line Xero moved to another document follows it (on every database)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Table, insert, select

from xerodesk.engine.steps.documents import replace_lines
from xerodesk.store.models import SalesOrderHeader, SalesTransaction

HEADERS: Table = SalesOrderHeader.__table__  # type: ignore[assignment]
LINES: Table = SalesTransaction.__table__  # type: ignore[assignment]


def _line(key: str, header: int, amount: str) -> dict[str, Any]:
    return {"xero_line_id": key, "sales_order_header_id": header, "net_value": Decimal(amount)}


def _lines(engine: Engine) -> dict[str, tuple[int, Decimal]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(LINES.c.xero_line_id, LINES.c.sales_order_header_id, LINES.c.net_value)
        ).all()
    return {key: (header, value) for key, header, value in rows}


def test_lines_are_replaced_exactly_and_follow_a_move(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        connection.execute(insert(HEADERS), [{"xero_invoice_id": "A"}, {"xero_invoice_id": "B"}])
        ids = dict(connection.execute(select(HEADERS.c.xero_invoice_id, HEADERS.c.id)).all())
    a, b = ids["A"], ids["B"]
    with db_engine.begin() as connection:
        first = replace_lines(
            connection,
            LINES,
            "sales_order_header_id",
            [a],
            [_line("l1", a, "1.00"), _line("l2", a, "2.00")],
            first_ids=True,
        )
    assert set(first) == {a}
    assert _lines(db_engine) == {"l1": (a, Decimal("1.00")), "l2": (a, Decimal("2.00"))}
    with db_engine.begin() as connection:  # l2 changes, l1 goes, l3 comes
        replace_lines(
            connection,
            LINES,
            "sales_order_header_id",
            [a],
            [_line("l2", a, "2.50"), _line("l3", a, "3.00")],
        )
    assert _lines(db_engine) == {"l2": (a, Decimal("2.50")), "l3": (a, Decimal("3.00"))}
    with db_engine.begin() as connection:  # Xero moved l3 to B, which is new to the CRM
        replace_lines(
            connection,
            LINES,
            "sales_order_header_id",
            [b],
            [_line("l3", b, "3.00"), _line("l4", b, "4.00")],
        )
    assert _lines(db_engine) == {
        "l2": (a, Decimal("2.50")),
        "l3": (b, Decimal("3.00")),
        "l4": (b, Decimal("4.00")),
    }
