"""xerodesk's own state, in ``xd_`` tables beside the CRM data it describes.

Kept in the same database so that a page of records, its cursor, its links
and its review items commit in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xerodesk.store.base import Base
from xerodesk.store.types import Code, Json, LongText, Name, UTCDateTime, XeroId


class SyncCursor(Base):
    """Where the incremental pull of one entity stands."""

    __tablename__ = "xd_cursor"

    entity: Mapped[str] = mapped_column(Code, unique=True)
    #: the highest UpdatedDateUTC fully read and saved (the modified-since value)
    modified_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_full_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_refresh_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reconcile_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: where an interrupted full read resumes (page number, paging state)
    resume: Mapped[dict[str, Any] | None] = mapped_column(Json)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncRun(Base):
    """One pass: why it ran, when, what it cost and how it ended."""

    __tablename__ = "xd_run"

    trigger: Mapped[str] = mapped_column(Code)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(Code)
    calls_used: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(LongText)
    runner: Mapped[str | None] = mapped_column(Name)
    #: Xero's ``X-DayLimit-Remaining`` (less calls sent since) when the run ended
    day_remaining: Mapped[int | None] = mapped_column(Integer)
    #: bytes of Xero's answers as read (after decompression) and on the wire
    bytes_read: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    wire_bytes: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class SyncRunEntity(Base):
    """Per-entity figures of one run."""

    __tablename__ = "xd_run_entity"
    __table_args__ = (UniqueConstraint("run_id", "entity"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("xd_run.id"))
    entity: Mapped[str] = mapped_column(Code)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    #: when the entity's walk finished in this run (None: it stopped or failed first)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxItem(Base):
    """One push to Xero, written in the transaction that detected it."""

    __tablename__ = "xd_outbox"
    __table_args__ = (
        Index("ix_xd_outbox_state_next", "state", "next_attempt_at"),
        Index("ix_xd_outbox_record", "record_table", "record_id"),
    )

    kind: Mapped[str] = mapped_column(Code)
    record_table: Mapped[str] = mapped_column(Code)
    record_id: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(Code, unique=True)
    state: Mapped[str] = mapped_column(Code)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(LongText)
    xero_id: Mapped[str | None] = mapped_column(XeroId)
    correlation_id: Mapped[str | None] = mapped_column(XeroId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: bumped when the user retries after fixing the record: a new Idempotency-Key
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ReviewItem(Base):
    """Something a person must look at: a conflict, a blocked push, a bad record."""

    __tablename__ = "xd_review"
    __table_args__ = (Index("ix_xd_review_open", "resolved_at", "kind"),)

    kind: Mapped[str] = mapped_column(Code)
    #: one open item per subject: a repeat updates it rather than adding another
    dedupe_key: Mapped[str] = mapped_column(Name, index=True)
    record_table: Mapped[str | None] = mapped_column(Code)
    record_id: Mapped[int | None] = mapped_column(Integer)
    xero_id: Mapped[str | None] = mapped_column(XeroId)
    title: Mapped[str] = mapped_column(Name)
    explanation: Mapped[str] = mapped_column(LongText)
    details: Mapped[dict[str, Any] | None] = mapped_column(Json)
    actions: Mapped[list[str] | None] = mapped_column(Json)
    run_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Code)


class RecordLink(Base):
    """A Xero record and the CRM row it maps to, with the last-synced values."""

    __tablename__ = "xd_link"
    __table_args__ = (
        UniqueConstraint("entity", "xero_id"),
        Index("ix_xd_link_crm", "crm_table", "crm_id"),
    )

    entity: Mapped[str] = mapped_column(Code)
    xero_id: Mapped[str] = mapped_column(XeroId)
    crm_table: Mapped[str] = mapped_column(Code)
    crm_id: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(Json)
    xero_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RunnerLease(Base):
    """Who runs the sync on this database, and until when (one runner at a time)."""

    __tablename__ = "xd_lease"

    name: Mapped[str] = mapped_column(Code, unique=True)
    holder: Mapped[str | None] = mapped_column(Name)
    host: Mapped[str | None] = mapped_column(Name)
    pid: Mapped[int | None] = mapped_column(Integer)
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """One field of one record changed: old and new value, which side, which run."""

    __tablename__ = "xd_audit"
    __table_args__ = (Index("ix_xd_audit_record", "record_table", "record_id"),)

    record_table: Mapped[str] = mapped_column(Code)
    record_id: Mapped[int | None] = mapped_column(Integer)
    xero_id: Mapped[str | None] = mapped_column(XeroId, index=True)
    field: Mapped[str] = mapped_column(Code)
    old_value: Mapped[str | None] = mapped_column(LongText)
    new_value: Mapped[str | None] = mapped_column(LongText)
    side: Mapped[str] = mapped_column(Code)
    run_id: Mapped[int | None] = mapped_column(Integer, index=True)
    correlation_id: Mapped[str | None] = mapped_column(XeroId)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookEvent(Base):
    """One change Xero announced by webhook, kept before the delivery is answered.

    Xero's events name a record, never its values: the consumer reads each
    record by id and marks its events done in the transaction that writes it,
    so an event stored before a crash is read after the restart. A repeated
    delivery (Xero retries until it sees a 200) carries the same events and
    adds none (the unique key)."""

    __tablename__ = "xd_webhook_event"
    __table_args__ = (
        UniqueConstraint("category", "resource_id", "event_type", "event_at"),
        Index("ix_xd_webhook_event_waiting", "done_at", "category"),
    )

    #: CONTACT, INVOICE or CREDITNOTE (Xero's eventCategory)
    category: Mapped[str] = mapped_column(Code)
    resource_id: Mapped[str] = mapped_column(XeroId)
    #: CREATE or UPDATE (Xero's eventType)
    event_type: Mapped[str] = mapped_column(Code)
    #: Xero's eventDateUtc
    event_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: the delivery's lastEventSequence
    sequence: Mapped[int | None] = mapped_column(BigInteger)
    #: when the record was read and written (None: waiting), and by which run
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    run_id: Mapped[int | None] = mapped_column(Integer)
    #: how it ended: "read", "gone" (Xero no longer has it) or "not_synced"
    #: (a record the sync does not keep, e.g. a supplier bill)
    outcome: Mapped[str | None] = mapped_column(Code)


class SyncedOrganisation(Base):
    """The Xero organisation this CRM database is synced with: one row at most.

    Written when the database first connects to an organisation; a database
    holds one organisation's customers and invoices, so connecting it to
    another is refused (by name)."""

    __tablename__ = "xd_organisation"

    tenant_id: Mapped[str] = mapped_column(XeroId, unique=True)
    name: Mapped[str] = mapped_column(Name)
    #: where that Xero lives (Xero itself, or a sandbox's address)
    xero: Mapped[str] = mapped_column(Name)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
