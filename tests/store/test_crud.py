"""A create-read-update-delete round trip through the contract models, on every database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from xerodesk.store.models import (
    Company,
    Product,
    Quote,
    QuoteLine,
    SalesLedger,
    SalesOrderHeader,
    SalesTransaction,
)

HOSTILE_NAME = "O'Brien; DROP TABLE company; -- Ünïcødé 株式会社 🚀"


def test_round_trip_keeps_values_exactly(db_engine: Engine) -> None:
    confirmed = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=timezone(timedelta(hours=13)))
    with Session(db_engine) as session:
        company = Company(name=HOSTILE_NAME, company_type="Customer")
        session.add(company)
        session.flush()
        ledger = SalesLedger(
            company_id=company.id,
            name=HOSTILE_NAME,
            sales_ledger_id="6d3b0f2a-1c1e-4c39-9a55-1f0b0e6f7a01",
            balance_outstanding=Decimal("123456789.1234"),
            balance_overdue=Decimal("-0.0001"),
            overall_discount=Decimal("12.5"),
            on_stop=False,
            origin="xero",
        )
        product = Product(product_item_id="SKU-1", sell_price=Decimal("0.1"), origin="crm")
        session.add_all([ledger, product])
        session.flush()
        quote = Quote(
            quote_number="Q-1",
            sales_ledger_id=ledger.id,
            status="Confirmed",
            confirmed_at=confirmed,
            delivery_charge=Decimal("9.99"),
        )
        session.add(quote)
        session.flush()
        session.add(
            QuoteLine(
                quote_id=quote.id,
                line_number=1,
                product_id=product.id,
                quantity=Decimal("3.3333"),
                unit_price=Decimal("0.0300"),
                discount_rate=Decimal("2.5"),
            )
        )
        header = SalesOrderHeader(
            xero_invoice_id="inv-1",
            sales_ledger_id=ledger.id,
            order_date=date(2026, 2, 28),
            currency_rate=Decimal("1.2345678901"),
            net_total=Decimal("100.10"),
        )
        session.add(header)
        session.flush()
        session.add(
            SalesTransaction(
                sales_order_header_id=header.id,
                sales_ledger_id=ledger.id,
                transaction_type="C",
                net_value=Decimal("-100.10"),
                xero_line_id="line-1",
            )
        )
        session.commit()
        ids = (company.id, ledger.id, quote.id)

    with Session(db_engine) as session:
        company = session.get_one(Company, ids[0])
        assert company.name == HOSTILE_NAME
        ledger = session.get_one(SalesLedger, ids[1])
        assert ledger.balance_outstanding == Decimal("123456789.1234")
        assert isinstance(ledger.balance_outstanding, Decimal)
        assert ledger.balance_overdue == Decimal("-0.0001")
        assert ledger.on_stop is False
        quote = session.get_one(Quote, ids[2])
        assert quote.confirmed_at == confirmed
        assert quote.confirmed_at is not None and quote.confirmed_at.tzinfo is not None
        assert quote.confirmed_at.utcoffset() == timedelta(0)
        line = session.scalars(select(QuoteLine).where(QuoteLine.quote_id == quote.id)).one()
        assert (line.quantity, line.unit_price) == (Decimal("3.3333"), Decimal("0.03"))
        header = session.scalars(select(SalesOrderHeader)).one()
        assert header.currency_rate == Decimal("1.2345678901")
        assert header.order_date == date(2026, 2, 28)
        credit = session.scalars(select(SalesTransaction)).one()
        assert credit.net_value == Decimal("-100.1")

        ledger.on_stop = True
        ledger.balance_overdue = Decimal("5")
        session.commit()

    with Session(db_engine) as session:
        ledger = session.get_one(SalesLedger, ids[1])
        assert (ledger.on_stop, ledger.balance_overdue) == (True, Decimal("5"))
        session.execute(delete(SalesTransaction))
        session.execute(delete(SalesOrderHeader))
        session.commit()
        assert session.scalars(select(SalesOrderHeader)).all() == []


def test_unique_xero_ids_are_enforced(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        session.add(SalesLedger(sales_ledger_id="same", name="A"))
        session.add(SalesLedger(sales_ledger_id=None, name="CRM one", origin="crm"))
        session.add(SalesLedger(sales_ledger_id=None, name="CRM two", origin="crm"))
        session.commit()
        session.add(SalesLedger(sales_ledger_id="same", name="B"))
        try:
            session.commit()
        except Exception as error:  # IntegrityError from every driver
            assert "IntegrityError" in type(error).__name__
            session.rollback()
        else:
            raise AssertionError("a duplicate ContactID was accepted")
        names = session.scalars(select(SalesLedger.name).order_by(SalesLedger.id)).all()
        assert names == ["A", "CRM one", "CRM two"]


def test_naive_datetimes_are_taken_as_utc(db_engine: Engine) -> None:
    naive = datetime(2026, 1, 2, 3, 4, 5)
    with Session(db_engine) as session:
        session.add(Quote(quote_number="Q-naive", confirmed_at=naive))
        session.commit()
    with Session(db_engine) as session:
        stored = session.scalars(select(Quote.confirmed_at)).one()
        assert stored == naive.replace(tzinfo=UTC)
