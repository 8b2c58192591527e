"""Text a CRM column cannot hold (a NUL character, an unpaired surrogate, an
over-long id) skips the record into a ``malformed_record`` review item, the
same on every database, and the rest of the page still lands."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.support import orgs
from xerodesk.engine.steps.common import map_page, report_malformed
from xerodesk.mapping.contacts import map_contact
from xerodesk.mapping.invoices import map_invoice
from xerodesk.mapping.items import map_item
from xerodesk.store.xd_models import ReviewItem

GOOD = "0000000a-0000-4000-8000-000000000001"
NUL_NAME = "0000000a-0000-4000-8000-000000000002"


def _contacts() -> list[dict[str, Any]]:
    return [
        orgs.contact(GOOD, "O'Brien; DROP TABLE company;--"),
        orgs.contact(NUL_NAME, "\x00 #3"),
        orgs.contact("0000000a-0000-4000-8000-000000000003", "Acme", EmailAddress="a\x00@b.c"),
        orgs.contact("0000000a-0000-4000-8000-000000000004", "Surrogate \ud800 Ltd"),
        orgs.contact("bad\x00id", "Nul in the id"),
        orgs.contact("x" * 300, "Id too long"),
        orgs.contact("\ud800", "Surrogate id"),
    ]


def _item(item_id: str, code: str, **fields: Any) -> dict[str, Any]:
    """An item as the client decodes it (amounts as Decimal, never float)."""
    prices = {
        "SalesDetails": {"UnitPrice": Decimal("10.00"), "AccountCode": "200"},
        "PurchaseDetails": {"UnitPrice": Decimal("4.00"), "AccountCode": "300"},
    }
    return orgs.item(item_id, code, **{**prices, **fields})


def _contact(record: Mapping[str, Any]) -> Any:
    return map_contact(record, display_account_number=False)


CASES: dict[str, tuple[Callable[[Mapping[str, Any]], Any], str, list[dict[str, Any]]]] = {
    "contacts": (_contact, "ContactID", _contacts()),
    "items": (
        map_item,
        "ItemID",
        [
            _item(GOOD, "W-1"),
            _item(NUL_NAME, "W\x00-2"),
            _item("0000000a-0000-4000-8000-000000000003", "W-3", Description="a\x00b"),
        ],
    ),
    "invoices": (
        map_invoice,
        "InvoiceID",
        [
            orgs.invoice(1, orgs.ACME, "AUTHORISED", [orgs.doc_line(1, "Widgets")]),
            orgs.invoice(2, orgs.ACME, "AUTHORISED", [orgs.doc_line(2, "Wid\x00gets")]),
            orgs.invoice(3, orgs.ACME, "AUTHORISED", [orgs.doc_line(3, "x")], Reference="R\x00"),
        ],
    ),
}


@pytest.mark.parametrize("entity", sorted(CASES))
def test_unstorable_text_skips_the_record_into_a_review_item(
    db_engine: Engine, entity: str
) -> None:
    mapper, id_field, records = CASES[entity]
    page = map_page(records, mapper, id_field)
    assert len(page.mapped) == 1  # the first record of each case is clean
    assert len(page.failed) == len(records) - 1
    with db_engine.begin() as connection:
        report_malformed(connection, entity, page.failed, None)
    with db_engine.connect() as connection:
        items = connection.execute(
            select(ReviewItem.kind, ReviewItem.xero_id, ReviewItem.title, ReviewItem.details)
        ).all()
    assert len(items) == len(records) - 1
    assert {kind for kind, *_ in items} == {"malformed_record"}
    for _, xero_id, title, details in items:
        assert "\x00" not in title and "\x00" not in str(details)
        assert xero_id is None or (len(xero_id) <= 64 and "\x00" not in xero_id)
        assert details["entity"] == entity
    ids = {xero_id for _, xero_id, *_ in items}
    clean_ids = {r[id_field] for r in records[1:] if r[id_field].isprintable()}
    assert clean_ids - {"x" * 300} <= ids
    if entity == "contacts":
        reasons = " ".join(title for _, _, title, _ in items)
        assert "Name contains a NUL character" in reasons
        assert "EmailAddress contains a NUL character" in reasons
        assert "is not valid Unicode text" in reasons


def test_a_review_item_never_holds_an_id_no_column_can_hold(db_engine: Engine) -> None:
    """Steps that name a skipped record by a field of their own (a currency's Code)."""
    failed: list[tuple[str | None, str]] = [
        ("G\x00BP", 'Xero currency "G?BP": Code contains a NUL character'),
        ("\ud800", "Xero currency: Code is not valid Unicode text"),
        ("E" * 100, "Xero currency: Code is longer than 64 characters (100)"),
        (" EUR ", "Xero currency: Description is not text: 1"),
    ]
    with db_engine.begin() as connection:
        report_malformed(connection, "currencies", failed, None)
    with db_engine.connect() as connection:
        ids = sorted(str(x) for x in connection.execute(select(ReviewItem.xero_id)).scalars().all())
    assert ids == ["EUR", "None", "None", "None"]
