"""The push engine's pure rules: keys, order, states, delays, filter literals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from xerodesk.engine.push.detect import quote_state_for
from xerodesk.engine.push.lookup import where_text
from xerodesk.engine.push.model import PushKind, PushState, QuoteState, outbox_key, request_key
from xerodesk.engine.push.reviews import label_of
from xerodesk.engine.push.send import retry_delay
from xerodesk.errors import RateLimitedError, XeroUnreachableError
from xerodesk.xero.writes import MAX_KEY_LENGTH, batch_idempotency_key

CREATED = datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=UTC)


def test_outbox_keys_name_the_crm_record() -> None:
    assert outbox_key(PushKind.CUSTOMER, 42) == "xd-customer-42"
    assert outbox_key(PushKind.PRODUCT, 7) == "xd-product-7"
    assert outbox_key(PushKind.INVOICE, 5) == "xd-invoice-5"


def test_a_retry_uses_the_same_key_and_a_new_revision_a_new_one() -> None:
    key = request_key("xd-invoice-5", CREATED, 0)
    assert key == request_key("xd-invoice-5", CREATED.replace(tzinfo=None), 0)
    assert key != request_key("xd-invoice-5", CREATED, 1)
    assert key != request_key("xd-invoice-6", CREATED, 0)
    assert key != request_key("xd-invoice-5", CREATED + timedelta(microseconds=1), 0)
    sent = batch_idempotency_key("PUT", "Invoices", [key])
    assert sent == batch_idempotency_key("put", "Invoices", [key])
    assert len(sent) <= MAX_KEY_LENGTH


def test_customers_and_products_go_before_invoices() -> None:
    kinds = sorted([PushKind.INVOICE, PushKind.PRODUCT, PushKind.CUSTOMER], key=lambda k: k.rank)
    assert kinds == [PushKind.CUSTOMER, PushKind.PRODUCT, PushKind.INVOICE]
    assert [k.record_table for k in kinds] == ["sales_ledger", "product", "quote"]


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        (PushState.PENDING, QuoteState.PENDING),
        (PushState.SENDING, QuoteState.PENDING),
        (PushState.DONE, QuoteState.SENT),
        (PushState.FAILED, QuoteState.FAILED),
        (PushState.BLOCKED, QuoteState.BLOCKED),
        (PushState.CANCELLED, None),
    ],
)
def test_quote_push_state_shows_the_outbox_state(
    state: PushState, shown: QuoteState | None
) -> None:
    assert quote_state_for(state) == shown


def test_retry_delays_grow_and_honour_retry_after() -> None:
    unreachable = XeroUnreachableError("down")
    delays = [retry_delay(n, unreachable) for n in range(1, 7)]
    assert delays[0] == timedelta(seconds=5)
    assert delays == sorted(delays) and delays[-1] == timedelta(minutes=5)
    assert retry_delay(1, RateLimitedError("429", retry_after=42)) == timedelta(seconds=42)


def test_labels_and_filter_literals() -> None:
    assert label_of(PushKind.CUSTOMER, {"Name": "Acme"}, 1) == "customer Acme"
    assert label_of(PushKind.INVOICE, {"Reference": "Q-1"}, 1) == "quote Q-1"
    assert label_of(PushKind.PRODUCT, None, 9) == "product 9"
    assert where_text('Say "hi"') == '"Say ""hi"""'
