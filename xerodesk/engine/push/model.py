"""The push outbox's vocabulary: kinds, states, keys, and the rows as values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from xerodesk.domain.sync import EntityKind
from xerodesk.xero.writes import idempotency_key

__all__ = [
    "KEY_SAFE_AGE",
    "NOTIFY_CHANNEL",
    "Detected",
    "OutboxRow",
    "PushKind",
    "PushReport",
    "PushState",
    "QuoteState",
    "SentRecord",
    "outbox_key",
    "request_key",
    "review_key",
]

#: the PostgreSQL channel the migration's triggers notify
NOTIFY_CHANNEL = "xerodesk_push"

#: Xero forgets an Idempotency-Key 6 minutes after its first use; a push first
#: sent longer ago than this looks for its record in Xero before creating it
KEY_SAFE_AGE = timedelta(minutes=5)


class PushKind(StrEnum):
    """What an outbox row creates in Xero, in the order pushes go out."""

    CUSTOMER = "customer"
    PRODUCT = "product"
    INVOICE = "invoice"

    @property
    def rank(self) -> int:
        return list(PushKind).index(self)

    @property
    def record_table(self) -> str:
        return _TABLES[self]

    @property
    def entity(self) -> EntityKind:
        """The pulled entity whose record links it (``xd_link.entity``)."""
        return _ENTITIES[self]


_TABLES = {
    PushKind.CUSTOMER: "sales_ledger",
    PushKind.PRODUCT: "product",
    PushKind.INVOICE: "quote",
}
_ENTITIES = {
    PushKind.CUSTOMER: EntityKind.CONTACTS,
    PushKind.PRODUCT: EntityKind.ITEMS,
    PushKind.INVOICE: EntityKind.INVOICES,
}


class PushState(StrEnum):
    """Where one outbox row stands.

    ``pending``: to send (or waiting for what it needs); ``sending``: handed to
    Xero, answer not yet written back (after a crash, sent again under the
    same key); ``done``: the Xero id is written back; ``failed``: Xero or the
    mapping refused it, a review item says why; ``blocked``: an order for a
    customer on stop; ``cancelled``: the quote is no longer confirmed.
    """

    PENDING = "pending"
    SENDING = "sending"
    DONE = "done"
    FAILED = "failed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"


class QuoteState(StrEnum):
    """``quote.push_state`` as the contract names it."""

    PENDING = "pending"
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


def outbox_key(kind: PushKind, record_id: int) -> str:
    """The outbox row's unique key: one row per CRM record, ever."""
    return f"xd-{kind.value}-{record_id}"


def request_key(key: str, created_at: datetime, revision: int) -> str:
    """The record key behind the Idempotency-Key of one revision of a push.

    The same on every retry and after a restart; new when the user retries a
    refused push (``revision``); the outbox row's creation time keeps two CRM
    databases that reuse ids from sharing keys at one Xero organisation.
    """
    stamp = created_at.replace(tzinfo=None).isoformat(timespec="microseconds")
    return idempotency_key(key, stamp, revision)


def review_key(key: str) -> str:
    """The review item's dedupe key for an outbox row (one open item per push)."""
    return f"push:{key}"


@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: PushKind
    record_id: int
    key: str
    state: PushState
    attempts: int
    revision: int
    created_at: datetime
    first_sent_at: datetime | None
    xero_id: str | None


@dataclass(frozen=True)
class Detected:
    """New outbox rows written by one detection."""

    customers: int = 0
    products: int = 0
    invoices: int = 0

    @property
    def total(self) -> int:
        return self.customers + self.products + self.invoices

    def __add__(self, other: Detected) -> Detected:
        return Detected(
            self.customers + other.customers,
            self.products + other.products,
            self.invoices + other.invoices,
        )


@dataclass(frozen=True)
class SentRecord:
    """Xero answered a create; the answer is not yet written back."""

    outbox_id: int
    kind: PushKind
    record_id: int
    xero_id: str | None


@dataclass
class PushReport:
    """What one ``push_pending`` did."""

    detected: Detected = field(default_factory=Detected)
    #: records created in Xero, by kind
    created: dict[str, int] = field(default_factory=dict)
    #: records Xero already had (found after a lost answer, or an item code in use)
    linked: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    blocked: int = 0
    waiting: int = 0
    #: sends that hit a transient error and will be retried
    deferred: int = 0
    cancelled: int = 0
    calls: int = 0
    #: CRM values a person chose to send that Xero took / refused
    values_sent: int = 0
    values_refused: int = 0

    def count(self, bucket: dict[str, int], kind: PushKind) -> None:
        bucket[kind.value] = bucket.get(kind.value, 0) + 1

    @property
    def sent(self) -> int:
        return sum(self.created.values()) + sum(self.linked.values())
