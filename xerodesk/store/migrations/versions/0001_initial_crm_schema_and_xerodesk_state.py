"""initial CRM schema and xerodesk state

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import xerodesk.store.types
from sqlalchemy.dialects import mysql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "company",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("company_type", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=255), nullable=True),
        sa.Column("fax", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("website", sa.String(length=255), nullable=True),
        sa.Column("xero_contact_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company")),
        sa.UniqueConstraint("xero_contact_id", name=op.f("uq_company_xero_contact_id")),
    )
    op.create_table(
        "currency",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.Column("is_home", sa.Boolean(), nullable=True),
        sa.Column("rate_to_home", sa.Numeric(precision=24, scale=10), nullable=True),
        sa.Column("rate_date", sa.Date(), nullable=True),
        sa.Column("rate_source", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_currency")),
        sa.UniqueConstraint("code", name=op.f("uq_currency_code")),
    )
    op.create_table(
        "exchange_rate",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("currency_code", sa.String(length=64), nullable=True),
        sa.Column("rate", sa.Numeric(precision=24, scale=10), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rate")),
        sa.UniqueConstraint(
            "currency_code",
            "as_of",
            "source",
            name=op.f("uq_exchange_rate_currency_code_as_of_source"),
        ),
    )
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("product_item_id", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.Column("extended_description", sa.Text(), nullable=True),
        sa.Column("sell_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("cost_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("sales_analysis", sa.String(length=64), nullable=True),
        sa.Column("purchase_analysis", sa.String(length=64), nullable=True),
        sa.Column("vat_code", sa.String(length=64), nullable=True),
        sa.Column("stocked", sa.Boolean(), nullable=True),
        sa.Column("sellable", sa.Boolean(), nullable=True),
        sa.Column("obsolete", sa.Boolean(), nullable=True),
        sa.Column("xero_item_id", sa.String(length=64), nullable=True),
        sa.Column("origin", sa.String(length=64), nullable=True),
        sa.Column("xero_updated_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
        sa.UniqueConstraint("product_item_id", name=op.f("uq_product_product_item_id")),
        sa.UniqueConstraint("xero_item_id", name=op.f("uq_product_xero_item_id")),
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index("ix_product_origin_pending", ["origin", "xero_item_id"], unique=False)

    op.create_table(
        "system_option",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_option")),
        sa.UniqueConstraint("name", name=op.f("uq_system_option_name")),
    )
    op.create_table(
        "vat_code",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("rate", sa.Numeric(precision=24, scale=10), nullable=True),
        sa.Column("country_type", sa.String(length=64), nullable=True),
        sa.Column("transaction_type", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vat_code")),
        sa.UniqueConstraint(
            "code",
            "country_type",
            "transaction_type",
            name=op.f("uq_vat_code_code_country_type_transaction_type"),
        ),
    )
    op.create_table(
        "warehouse",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouse")),
        sa.UniqueConstraint("code", name=op.f("uq_warehouse_code")),
    )
    op.create_table(
        "xd_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_table", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("xero_id", sa.String(length=64), nullable=True),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("side", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("correlation_id", sa.String(length=64), nullable=True),
        sa.Column("changed_at", xerodesk.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xd_audit")),
    )
    with op.batch_alter_table("xd_audit", schema=None) as batch_op:
        batch_op.create_index("ix_xd_audit_record", ["record_table", "record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_xd_audit_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_xd_audit_xero_id"), ["xero_id"], unique=False)

    op.create_table(
        "xd_cursor",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("modified_since", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.Column("last_full_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.Column("last_refresh_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.Column("last_reconcile_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.Column("resume", sa.JSON().with_variant(mysql.JSON(), "mysql"), nullable=True),
        sa.Column("updated_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xd_cursor")),
        sa.UniqueConstraint("entity", name=op.f("uq_xd_cursor_entity")),
    )
    op.create_table(
        "xd_lease",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=255), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("acquired_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.Column("heartbeat_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.Column("expires_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xd_lease")),
        sa.UniqueConstraint("name", name=op.f("uq_xd_lease_name")),
    )
    op.create_table(
        "xd_link",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("xero_id", sa.String(length=64), nullable=False),
        sa.Column("crm_table", sa.String(length=64), nullable=False),
        sa.Column("crm_id", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON().with_variant(mysql.JSON(), "mysql"), nullable=True),
        sa.Column("xero_updated_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.Column("synced_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xd_link")),
        sa.UniqueConstraint("entity", "xero_id", name=op.f("uq_xd_link_entity_xero_id")),
    )
    with op.batch_alter_table("xd_link", schema=None) as batch_op:
        batch_op.create_index("ix_xd_link_crm", ["crm_table", "crm_id"], unique=False)

    op.create_table(
        "xd_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("record_table", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("xero_id", sa.String(length=64), nullable=True),
        sa.Column("correlation_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", xerodesk.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.Column("first_sent_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.Column("next_attempt_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xd_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_xd_outbox_idempotency_key")),
    )
    with op.batch_alter_table("xd_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_xd_outbox_state_next", ["state", "next_attempt_at"], unique=False)

    op.create_table(
        "xd_review",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("record_table", sa.String(length=64), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("xero_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON().with_variant(mysql.JSON(), "mysql"), nullable=True),
        sa.Column("actions", sa.JSON().with_variant(mysql.JSON(), "mysql"), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", xerodesk.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.Column("resolved_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.Column("resolution", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xd_review")),
    )
    with op.batch_alter_table("xd_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_xd_review_dedupe_key"), ["dedupe_key"], unique=False)
        batch_op.create_index("ix_xd_review_open", ["resolved_at", "kind"], unique=False)

    op.create_table(
        "xd_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trigger", sa.String(length=64), nullable=False),
        sa.Column("started_at", xerodesk.store.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.Column("calls_used", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("runner", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xd_run")),
    )
    with op.batch_alter_table("xd_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_xd_run_started_at"), ["started_at"], unique=False)

    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("first_name", sa.String(length=255), nullable=True),
        sa.Column("last_name", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=255), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=True),
        sa.Column("xero_contact_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_contact_company_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
        sa.UniqueConstraint("xero_contact_id", name=op.f("uq_contact_xero_contact_id")),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_company_id"), ["company_id"], unique=False)

    op.create_table(
        "division",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("xero_contact_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_division_company_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_division")),
        sa.UniqueConstraint("xero_contact_id", name=op.f("uq_division_xero_contact_id")),
    )
    with op.batch_alter_table("division", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_division_company_id"), ["company_id"], unique=False)

    op.create_table(
        "purchase_ledger",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("purchase_ledger_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=255), nullable=True),
        sa.Column("fax", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("website", sa.String(length=255), nullable=True),
        sa.Column("address_line1", sa.Text(), nullable=True),
        sa.Column("address_line2", sa.Text(), nullable=True),
        sa.Column("address_line3", sa.Text(), nullable=True),
        sa.Column("address_line4", sa.Text(), nullable=True),
        sa.Column("address_line5", sa.Text(), nullable=True),
        sa.Column("country", sa.String(length=255), nullable=True),
        sa.Column("postcode", sa.String(length=64), nullable=True),
        sa.Column("currency_code", sa.String(length=64), nullable=True),
        sa.Column("xero_updated_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_purchase_ledger_company_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_ledger")),
        sa.UniqueConstraint(
            "purchase_ledger_id", name=op.f("uq_purchase_ledger_purchase_ledger_id")
        ),
    )
    with op.batch_alter_table("purchase_ledger", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_purchase_ledger_company_id"), ["company_id"], unique=False
        )

    op.create_table(
        "stock_level",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("free_stock", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("physical_stock", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("on_order", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("allocated", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_stock_level_product_id")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_stock_level_warehouse_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_level")),
        sa.UniqueConstraint(
            "product_id", "warehouse_id", name=op.f("uq_stock_level_product_id_warehouse_id")
        ),
    )
    with op.batch_alter_table("stock_level", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stock_level_warehouse_id"), ["warehouse_id"], unique=False
        )

    op.create_table(
        "xd_run_entity",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["xd_run.id"], name=op.f("fk_xd_run_entity_run_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xd_run_entity")),
        sa.UniqueConstraint("run_id", "entity", name=op.f("uq_xd_run_entity_run_id_entity")),
    )
    op.create_table(
        "purchase_order_header",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("xero_purchase_order_id", sa.String(length=64), nullable=True),
        sa.Column("order_number", sa.String(length=255), nullable=True),
        sa.Column("purchase_ledger_id", sa.Integer(), nullable=True),
        sa.Column("xero_status", sa.String(length=64), nullable=True),
        sa.Column("order_completed", sa.Boolean(), nullable=True),
        sa.Column("obsolete", sa.Boolean(), nullable=True),
        sa.Column("order_date", sa.Date(), nullable=True),
        sa.Column("delivery_date", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("currency_code", sa.String(length=64), nullable=True),
        sa.Column("net_total", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("tax_total", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("gross_total", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("xero_contact_id", sa.String(length=64), nullable=True),
        sa.Column("xero_updated_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["purchase_ledger_id"],
            ["purchase_ledger.id"],
            name=op.f("fk_purchase_order_header_purchase_ledger_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_header")),
        sa.UniqueConstraint(
            "xero_purchase_order_id", name=op.f("uq_purchase_order_header_xero_purchase_order_id")
        ),
    )
    with op.batch_alter_table("purchase_order_header", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_purchase_order_header_purchase_ledger_id"),
            ["purchase_ledger_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_purchase_order_header_xero_contact_id"),
            ["xero_contact_id"],
            unique=False,
        )

    op.create_table(
        "sales_ledger",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("division_id", sa.Integer(), nullable=True),
        sa.Column("sales_ledger_id", sa.String(length=64), nullable=True),
        sa.Column("account_number", sa.String(length=64), nullable=True),
        sa.Column("display_description", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=255), nullable=True),
        sa.Column("fax", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("address_line1", sa.Text(), nullable=True),
        sa.Column("address_line2", sa.Text(), nullable=True),
        sa.Column("address_line3", sa.Text(), nullable=True),
        sa.Column("address_line4", sa.Text(), nullable=True),
        sa.Column("address_line5", sa.Text(), nullable=True),
        sa.Column("country", sa.String(length=255), nullable=True),
        sa.Column("postcode", sa.String(length=64), nullable=True),
        sa.Column("currency_code", sa.String(length=64), nullable=True),
        sa.Column("tax_type", sa.String(length=64), nullable=True),
        sa.Column("vat_number", sa.String(length=64), nullable=True),
        sa.Column("overall_discount", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("on_stop", sa.Boolean(), nullable=True),
        sa.Column("balance_outstanding", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("balance_overdue", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("origin", sa.String(length=64), nullable=True),
        sa.Column("xero_updated_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_sales_ledger_company_id")
        ),
        sa.ForeignKeyConstraint(
            ["division_id"], ["division.id"], name=op.f("fk_sales_ledger_division_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_ledger")),
        sa.UniqueConstraint("sales_ledger_id", name=op.f("uq_sales_ledger_sales_ledger_id")),
    )
    with op.batch_alter_table("sales_ledger", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sales_ledger_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sales_ledger_division_id"), ["division_id"], unique=False
        )
        batch_op.create_index(
            "ix_sales_ledger_origin_pending", ["origin", "sales_ledger_id"], unique=False
        )

    op.create_table(
        "purchase_transaction",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("purchase_order_header_id", sa.Integer(), nullable=True),
        sa.Column("xero_line_id", sa.String(length=64), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("product_item_id", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("net_value", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("tax_value", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("gross_value", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("account_code", sa.String(length=64), nullable=True),
        sa.Column("tax_type", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_purchase_transaction_product_id")
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_header_id"],
            ["purchase_order_header.id"],
            name=op.f("fk_purchase_transaction_purchase_order_header_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_transaction")),
        sa.UniqueConstraint("xero_line_id", name=op.f("uq_purchase_transaction_xero_line_id")),
    )
    with op.batch_alter_table("purchase_transaction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_purchase_transaction_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_purchase_transaction_purchase_order_header_id"),
            ["purchase_order_header_id"],
            unique=False,
        )

    op.create_table(
        "quote",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("quote_number", sa.String(length=255), nullable=True),
        sa.Column("sales_ledger_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=64), nullable=True),
        sa.Column("confirmed_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.Column("currency_code", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("delivery_charge", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("xero_invoice_id", sa.String(length=64), nullable=True),
        sa.Column("push_state", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["sales_ledger_id"], ["sales_ledger.id"], name=op.f("fk_quote_sales_ledger_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote")),
        sa.UniqueConstraint("xero_invoice_id", name=op.f("uq_quote_xero_invoice_id")),
    )
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_quote_number"), ["quote_number"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_quote_sales_ledger_id"), ["sales_ledger_id"], unique=False
        )
        batch_op.create_index("ix_quote_status_push_state", ["status", "push_state"], unique=False)

    op.create_table(
        "quote_line",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        sa.Column("line_number", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("discount_rate", sa.Numeric(precision=24, scale=10), nullable=True),
        sa.Column("tax_type", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_quote_line_product_id")
        ),
        sa.ForeignKeyConstraint(["quote_id"], ["quote.id"], name=op.f("fk_quote_line_quote_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_line")),
    )
    with op.batch_alter_table("quote_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_line_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quote_line_quote_id"), ["quote_id"], unique=False)

    op.create_table(
        "sales_order_header",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("xero_invoice_id", sa.String(length=64), nullable=True),
        sa.Column("order_number", sa.String(length=255), nullable=True),
        sa.Column("sales_ledger_id", sa.Integer(), nullable=True),
        sa.Column("order_status", sa.String(length=64), nullable=True),
        sa.Column("xero_status", sa.String(length=64), nullable=True),
        sa.Column("order_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("customer_reference", sa.String(length=255), nullable=True),
        sa.Column("currency_code", sa.String(length=64), nullable=True),
        sa.Column("currency_rate", sa.Numeric(precision=24, scale=10), nullable=True),
        sa.Column("line_amount_types", sa.String(length=64), nullable=True),
        sa.Column("net_total", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("tax_total", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("gross_total", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("amount_paid", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("amount_due", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("is_paid", sa.Boolean(), nullable=True),
        sa.Column("paid_date", sa.Date(), nullable=True),
        sa.Column("exclude_from_reports", sa.Boolean(), nullable=True),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        sa.Column("xero_contact_id", sa.String(length=64), nullable=True),
        sa.Column("xero_updated_at", xerodesk.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quote.id"], name=op.f("fk_sales_order_header_quote_id")
        ),
        sa.ForeignKeyConstraint(
            ["sales_ledger_id"],
            ["sales_ledger.id"],
            name=op.f("fk_sales_order_header_sales_ledger_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_order_header")),
        sa.UniqueConstraint("xero_invoice_id", name=op.f("uq_sales_order_header_xero_invoice_id")),
    )
    with op.batch_alter_table("sales_order_header", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sales_order_header_order_number"), ["order_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sales_order_header_quote_id"), ["quote_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sales_order_header_sales_ledger_id"), ["sales_ledger_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sales_order_header_xero_contact_id"), ["xero_contact_id"], unique=False
        )

    op.create_table(
        "sales_transaction",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sales_order_header_id", sa.Integer(), nullable=True),
        sa.Column("sales_ledger_id", sa.Integer(), nullable=True),
        sa.Column("transaction_type", sa.String(length=64), nullable=True),
        sa.Column("document_number", sa.String(length=255), nullable=True),
        sa.Column("transaction_date", sa.Date(), nullable=True),
        sa.Column("xero_line_id", sa.String(length=64), nullable=True),
        sa.Column("xero_credit_note_id", sa.String(length=64), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("product_item_id", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("discount_rate", sa.Numeric(precision=24, scale=10), nullable=True),
        sa.Column("net_value", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("tax_value", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("gross_value", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("home_net_value", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("home_gross_value", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("account_code", sa.String(length=64), nullable=True),
        sa.Column("tax_type", sa.String(length=64), nullable=True),
        sa.Column("is_paid", sa.Boolean(), nullable=True),
        sa.Column("exclude_from_reports", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_sales_transaction_product_id")
        ),
        sa.ForeignKeyConstraint(
            ["sales_ledger_id"],
            ["sales_ledger.id"],
            name=op.f("fk_sales_transaction_sales_ledger_id"),
        ),
        sa.ForeignKeyConstraint(
            ["sales_order_header_id"],
            ["sales_order_header.id"],
            name=op.f("fk_sales_transaction_sales_order_header_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_transaction")),
        sa.UniqueConstraint("xero_line_id", name=op.f("uq_sales_transaction_xero_line_id")),
    )
    with op.batch_alter_table("sales_transaction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sales_transaction_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sales_transaction_sales_ledger_id"), ["sales_ledger_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sales_transaction_sales_order_header_id"),
            ["sales_order_header_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_sales_transaction_xero_credit_note_id"),
            ["xero_credit_note_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("sales_transaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sales_transaction_xero_credit_note_id"))
        batch_op.drop_index(batch_op.f("ix_sales_transaction_sales_order_header_id"))
        batch_op.drop_index(batch_op.f("ix_sales_transaction_sales_ledger_id"))
        batch_op.drop_index(batch_op.f("ix_sales_transaction_product_id"))

    op.drop_table("sales_transaction")
    with op.batch_alter_table("sales_order_header", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sales_order_header_xero_contact_id"))
        batch_op.drop_index(batch_op.f("ix_sales_order_header_sales_ledger_id"))
        batch_op.drop_index(batch_op.f("ix_sales_order_header_quote_id"))
        batch_op.drop_index(batch_op.f("ix_sales_order_header_order_number"))

    op.drop_table("sales_order_header")
    with op.batch_alter_table("quote_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quote_line_quote_id"))
        batch_op.drop_index(batch_op.f("ix_quote_line_product_id"))

    op.drop_table("quote_line")
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.drop_index("ix_quote_status_push_state")
        batch_op.drop_index(batch_op.f("ix_quote_sales_ledger_id"))
        batch_op.drop_index(batch_op.f("ix_quote_quote_number"))

    op.drop_table("quote")
    with op.batch_alter_table("purchase_transaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_transaction_purchase_order_header_id"))
        batch_op.drop_index(batch_op.f("ix_purchase_transaction_product_id"))

    op.drop_table("purchase_transaction")
    with op.batch_alter_table("sales_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_ledger_origin_pending")
        batch_op.drop_index(batch_op.f("ix_sales_ledger_division_id"))
        batch_op.drop_index(batch_op.f("ix_sales_ledger_company_id"))

    op.drop_table("sales_ledger")
    with op.batch_alter_table("purchase_order_header", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_order_header_xero_contact_id"))
        batch_op.drop_index(batch_op.f("ix_purchase_order_header_purchase_ledger_id"))

    op.drop_table("purchase_order_header")
    op.drop_table("xd_run_entity")
    with op.batch_alter_table("stock_level", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_level_warehouse_id"))

    op.drop_table("stock_level")
    with op.batch_alter_table("purchase_ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_ledger_company_id"))

    op.drop_table("purchase_ledger")
    with op.batch_alter_table("division", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_division_company_id"))

    op.drop_table("division")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_company_id"))

    op.drop_table("contact")
    with op.batch_alter_table("xd_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xd_run_started_at"))

    op.drop_table("xd_run")
    with op.batch_alter_table("xd_review", schema=None) as batch_op:
        batch_op.drop_index("ix_xd_review_open")
        batch_op.drop_index(batch_op.f("ix_xd_review_dedupe_key"))

    op.drop_table("xd_review")
    with op.batch_alter_table("xd_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_xd_outbox_state_next")

    op.drop_table("xd_outbox")
    with op.batch_alter_table("xd_link", schema=None) as batch_op:
        batch_op.drop_index("ix_xd_link_crm")

    op.drop_table("xd_link")
    op.drop_table("xd_lease")
    op.drop_table("xd_cursor")
    with op.batch_alter_table("xd_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xd_audit_xero_id"))
        batch_op.drop_index(batch_op.f("ix_xd_audit_run_id"))
        batch_op.drop_index("ix_xd_audit_record")

    op.drop_table("xd_audit")
    op.drop_table("warehouse")
    op.drop_table("vat_code")
    op.drop_table("system_option")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index("ix_product_origin_pending")

    op.drop_table("product")
    op.drop_table("exchange_rate")
    op.drop_table("currency")
    op.drop_table("company")
