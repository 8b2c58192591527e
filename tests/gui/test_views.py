"""The store views the app reads, on every supported database."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert

from xerodesk.engine.review import close_item
from xerodesk.store.mapping_views import mapping_count, mapping_page
from xerodesk.store.models import Product, PurchaseLedger, SalesLedger, VatCode
from xerodesk.store.state import ReviewRequest, add_run_counts, finish_run, raise_review, start_run
from xerodesk.store.views import (
    ReviewFilter,
    entity_status,
    list_review,
    list_runs,
    review_kinds,
    run_detail,
    stopped_customers,
)
from xerodesk.store.xd_models import RecordLink

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def seed(engine: Engine) -> int:
    with engine.begin() as c:
        sales = c.execute(
            insert(SalesLedger).values(name="Acme 50% Ltd", on_stop=True)
        ).inserted_primary_key[0]
        buyer = c.execute(insert(PurchaseLedger).values(name="Bolt_Supplies")).inserted_primary_key[
            0
        ]
        product = c.execute(
            insert(Product).values(product_item_id="GAS-1", description="Gasket")
        ).inserted_primary_key[0]
        vat = c.execute(
            insert(VatCode).values(code="OUTPUT2", name="15% GST")
        ).inserted_primary_key[0]
        links = [
            ("contacts", "c-1", "sales_ledger", sales),
            ("contacts", "c-2", "purchase_ledger", buyer),
            ("items", "i-1", "product", product),
            ("tax_rates", "OUTPUT2", "vat_code", vat),
        ]
        c.execute(
            insert(RecordLink),
            [
                {"entity": e, "xero_id": x, "crm_table": t, "crm_id": i, "synced_at": NOW}
                for e, x, t, i in links
            ],
        )
        run_id = start_run(c, "manual")
        add_run_counts(c, run_id, "contacts", created=2, pages=1, calls=1)
        add_run_counts(c, run_id, "items", updated=1, skipped=1, pages=1, calls=1)
        finish_run(c, run_id, "ok", 3, None)
        raise_review(c, ReviewRequest("conflict", "k1", "Phone differs", "Both changed"), run_id)
        raise_review(c, ReviewRequest("malformed_record", "k2", "Bad item", "No code"), run_id)
    return int(run_id)


def test_views_read_status_runs_review_and_mappings(db_engine: Engine) -> None:
    run_id = seed(db_engine)
    with db_engine.begin() as c:
        status = {s.entity: s for s in entity_status(c, ["contacts", "items", "invoices"])}
        assert status["contacts"].figures.created == 2 and status["contacts"].linked == 2
        assert status["items"].figures.skipped == 1 and status["items"].last_outcome == "ok"
        assert status["invoices"].last_run_id is None and status["invoices"].linked == 0
        runs = list_runs(c)
        assert [r.id for r in runs] == [run_id] and runs[0].totals.created == 2
        detail = run_detail(c, run_id)
        assert detail is not None and set(detail.entities) == {"contacts", "items"}
        assert [r.title for r in detail.reviews] == ["Phone differs", "Bad item"]
        assert review_kinds(c) == {"conflict": 1, "malformed_record": 1}
        assert [r.title for r in list_review(c, ReviewFilter(text="phone"))] == ["Phone differs"]
        first = list_review(c, ReviewFilter(kind="malformed_record"))[0]
        assert close_item(c, first.id, "dismissed")
        assert not close_item(c, first.id, "dismissed")
        assert [r.resolution for r in list_review(c, ReviewFilter(state="resolved"))] == [
            "dismissed"
        ]
        assert review_kinds(c) == {"conflict": 1, "malformed_record": 0}
        stopped = stopped_customers(c)
        assert [s.name for s in stopped] == ["Acme 50% Ltd"]
        page = mapping_page(c, "contacts", 0, 10)
        assert [(r.label, r.crm_table) for r in page] == [
            ("Acme 50% Ltd", "sales_ledger"),
            ("Bolt_Supplies", "purchase_ledger"),
        ]
        assert mapping_page(c, "contacts", 1, 10)[0].xero_id == "c-2"
        assert mapping_page(c, "items", 0, 10)[0].label == "GAS-1 Gasket"
        assert mapping_page(c, "tax_rates", 0, 10)[0].label == "OUTPUT2 15% GST"
        assert mapping_count(c, "contacts") == 2
        assert mapping_count(c, "contacts", "50%") == 1  # % is matched, not a wildcard
        assert mapping_count(c, "contacts", "c_e") == 0  # _ is matched, not a wildcard
        assert mapping_count(c, "contacts", "bolt_") == 1
        assert mapping_count(c, "items", "gasket") == 1
        assert [r.xero_id for r in mapping_page(c, "contacts", 0, 5, "C-2")] == ["c-2"]
