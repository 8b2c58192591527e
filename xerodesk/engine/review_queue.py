"""The review queue as the app shows it: each item with why its actions cannot work now.

An action can be offered by an item and still be impossible at the moment:
a held order cannot be released while its customer is on stop, a customer
cannot take a Xero contact another CRM customer already holds. ``with_blockers``
asks the push side (``engine.push.actions``) for those reasons, so the app
shows the button disabled with the reason, and ``engine.review.perform``
refuses the same way if the state changed in between.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import Connection

from xerodesk.engine.push.actions import link_refusal, release_refusal
from xerodesk.store.views import ReviewFilter, ReviewRow, list_review, review_item

__all__ = ["blockers", "queue_item", "review_queue", "with_blockers"]


def _number(item: ReviewRow, key: str) -> int | None:
    value = item.details.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def blockers(connection: Connection, item: ReviewRow) -> dict[str, str]:
    """Action name → why it cannot be done now, for the open item's push actions."""
    if item.resolved_at is not None:
        return {}
    found: dict[str, str] = {}
    if "release" in item.actions:
        quote_id = item.record_id if item.record_table == "quote" else _number(item, "quote_id")
        reason = release_refusal(connection, quote_id) if quote_id is not None else None
        if reason is not None:
            found["release"] = reason
    outbox_id = _number(item, "outbox_id")
    if "link_existing" in item.actions and outbox_id is not None:
        contact = item.details.get("existing_contact_id")
        reason = link_refusal(connection, outbox_id, contact if isinstance(contact, str) else None)
        if reason is not None:
            found["link_existing"] = reason
    return found


def with_blockers(connection: Connection, item: ReviewRow) -> ReviewRow:
    return dataclasses.replace(item, blocked=blockers(connection, item))


def review_queue(connection: Connection, wanted: ReviewFilter, limit: int = 500) -> list[ReviewRow]:
    """``list_review`` with each item's blocked actions."""
    return [with_blockers(connection, item) for item in list_review(connection, wanted, limit)]


def queue_item(connection: Connection, item_id: int) -> ReviewRow | None:
    item = review_item(connection, item_id)
    return None if item is None else with_blockers(connection, item)
