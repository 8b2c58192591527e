"""The review items a push raises: what happened, in words, and what to do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xerodesk.engine.push.model import OutboxRow, PushKind, review_key
from xerodesk.store.state import ReviewRequest

__all__ = [
    "BLOCKED",
    "DUPLICATE_CONTACT",
    "FAILED",
    "LINK_EXISTING",
    "RELEASE",
    "RETRY",
    "blocked_review",
    "duplicate_contact_review",
    "label_of",
    "refused_review",
]

#: review kinds
FAILED = "push_failed"
BLOCKED = "push_blocked"
DUPLICATE_CONTACT = "push_duplicate_contact"

#: review actions (the engine functions of ``actions``)
RETRY = "retry"
RELEASE = "release"
LINK_EXISTING = "link_existing"

_NOUNS = {PushKind.CUSTOMER: "customer", PushKind.PRODUCT: "product", PushKind.INVOICE: "quote"}


def label_of(kind: PushKind, body: dict[str, Any] | None, record_id: int) -> str:
    """How a person knows the record: ``customer "Acme"``, ``quote Q-0005``."""
    body = body or {}
    name = {
        PushKind.CUSTOMER: body.get("Name"),
        PushKind.PRODUCT: body.get("Code"),
        PushKind.INVOICE: body.get("Reference"),
    }[kind]
    noun = _NOUNS[kind]
    return f"{noun} {name}" if name else f"{noun} {record_id}"


def _base(row: OutboxRow) -> dict[str, Any]:
    return {
        "dedupe_key": review_key(row.key),
        "record_table": row.kind.record_table,
        "record_id": row.record_id,
    }


def refused_review(
    row: OutboxRow,
    message: str,
    *,
    from_xero: bool,
    label: str | None = None,
    messages: Sequence[str] = (),
) -> ReviewRequest:
    what = label or label_of(row.kind, None, row.record_id)
    if from_xero:
        title = f"Xero refused {what}"
        explanation = f"Xero refused {what}: {message}. Correct it in the CRM, then retry the push."
    else:
        title = f"Cannot push {what} to Xero"
        explanation = f"{message[:1].upper()}{message[1:]}. Correct it in the CRM, then retry."
    return ReviewRequest(
        kind=FAILED,
        title=title,
        explanation=explanation,
        details={"outbox_id": row.id, "messages": list(messages) or [message]},
        actions=(RETRY, "dismiss"),
        **_base(row),
    )


def duplicate_contact_review(
    row: OutboxRow, name: str, contact_id: str, messages: Sequence[str]
) -> ReviewRequest:
    return ReviewRequest(
        kind=DUPLICATE_CONTACT,
        title=f"Xero already has a contact called {name}",
        explanation=(
            f"The CRM customer {name} was not created in Xero because Xero already has a "
            "contact of that name. Link the customer to the existing Xero contact, or rename "
            f"it in the CRM and retry. Xero said: {'; '.join(messages) or 'duplicate name'}"
        ),
        xero_id=contact_id,
        details={
            "outbox_id": row.id,
            "existing_contact_id": contact_id,
            "name": name,
            "messages": list(messages),
        },
        actions=(LINK_EXISTING, RETRY, "dismiss"),
        **_base(row),
    )


def blocked_review(row: OutboxRow, label: str, reason: str) -> ReviewRequest:
    return ReviewRequest(
        kind=BLOCKED,
        title=f"{label[:1].upper()}{label[1:]} held: {reason}",
        explanation=(
            f"The confirmed order ({label}) was not sent to Xero because {reason}. Once the "
            "customer is off stop, release the order to send it."
        ),
        details={"outbox_id": row.id, "quote_id": row.record_id},
        actions=(RELEASE, "dismiss"),
        **_base(row),
    )
