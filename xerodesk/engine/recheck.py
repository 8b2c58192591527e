"""Looking again at once: ``retry`` on a conflict or CRM edit re-reads the record.

The review action (``request_recheck_in``) marks the item; with the next push
(within seconds in the app and in ``sync --watch``) the runner reads that one
record from Xero by its id (one ``GET``) and, in one transaction
(``apply_recheck``), the item closes as ``retry`` and the record is judged
again exactly as a pull and the pass's CRM-edit check judge it: Xero's
changes are written (or reported as conflicts), and a CRM edit still there is
reported again as a new item; a record matching Xero again closes any other
open CRM edit of it. When Xero no longer has the record, the item stays open
saying so; a transient failure leaves the request for the next push.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from xerodesk.engine.conflicts import diff_record
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.edits import crm_rows
from xerodesk.engine.findings import (
    CRM_EDIT,
    Finding,
    finding_key,
    keep_open_saying,
    raise_findings,
)
from xerodesk.engine.links import load_links
from xerodesk.engine.steps.contacts import write_contacts
from xerodesk.engine.steps.items import write_items
from xerodesk.errors import (
    ConfigurationError,
    RetryableError,
    ReviewError,
    UnreachableError,
    XeroNotFoundError,
    XeroRequestError,
)
from xerodesk.mapping.contacts import map_contact
from xerodesk.mapping.items import map_item
from xerodesk.store.options import Options
from xerodesk.store.types import utcnow
from xerodesk.store.views import ReviewRow
from xerodesk.store.xd_models import ReviewItem
from xerodesk.xero.client import XeroClient
from xerodesk.xero.endpoints import CONTACTS, ITEMS, EntitySpec

__all__ = [
    "RECHECK_REQUESTED",
    "apply_recheck",
    "recheck_requested",
    "recheck_unavailable",
    "request_recheck_in",
]

log = logging.getLogger(__name__)

#: ``resolution`` of an open item whose record waits to be read from Xero again
RECHECK_REQUESTED = "retry_requested"

_SPECS: dict[str, EntitySpec] = {"contacts": CONTACTS, "items": ITEMS}
_NOUN = {"contacts": "contact", "items": "item"}
_REFUSED_PREFIX = "Xero's record could not be read again: "


def recheck_unavailable(item: ReviewRow) -> str | None:
    """Why the item's record cannot be read again now (None: it can)."""
    if item.resolution == RECHECK_REQUESTED:
        return "the record is already being read again."
    return None


def request_recheck_in(connection: Connection, item: ReviewRow) -> str:
    """Mark the item's record to be read from Xero again with the next push.

    An item that does not say which Xero record it is about only closes (as
    ``retry``): the next sync looks at every linked record again anyway.
    """
    reason = recheck_unavailable(item)
    if reason is not None:
        raise ConfigurationError(f"Cannot look again: {reason}")
    if item.details.get("entity") not in _SPECS or not item.xero_id:
        _close(connection, [item.id], "retry")
        return "retry"
    connection.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item.id, ReviewItem.resolved_at.is_(None))
        .values(resolution=RECHECK_REQUESTED, updated_at=utcnow())
    )
    return RECHECK_REQUESTED


@dataclass(frozen=True)
class Recheck:
    item_id: int
    entity: str
    xero_id: str
    label: str


def load_rechecks(connection: Connection) -> list[Recheck]:
    query = (
        select(ReviewItem.id, ReviewItem.xero_id, ReviewItem.details)
        .where(ReviewItem.resolved_at.is_(None), ReviewItem.resolution == RECHECK_REQUESTED)
        .order_by(ReviewItem.id)
    )
    found: list[Recheck] = []
    for item_id, xero_id, details in connection.execute(query):
        entity = details.get("entity") if isinstance(details, dict) else None
        label = details.get("label") if isinstance(details, dict) else None
        if entity in _SPECS and xero_id:
            found.append(Recheck(item_id, str(entity), str(xero_id), str(label or xero_id)))
    return found


def _close(connection: Connection, item_ids: list[int], resolution: str) -> None:
    if item_ids:
        now = utcnow()
        connection.execute(
            update(ReviewItem)
            .where(ReviewItem.id.in_(item_ids), ReviewItem.resolved_at.is_(None))
            .values(resolved_at=now, updated_at=now, resolution=resolution)
        )


def apply_recheck(
    connection: Connection, recheck: Recheck, record: dict[str, Any], run_id: int | None
) -> bool:
    """Judge the record again from Xero's ``record``; False if the request was withdrawn."""
    still = connection.scalar(
        select(ReviewItem.id).where(
            ReviewItem.id == recheck.item_id,
            ReviewItem.resolved_at.is_(None),
            ReviewItem.resolution == RECHECK_REQUESTED,
        )
    )
    if still is None:
        return False
    _close(connection, [recheck.item_id], "retry")
    entity, xero_id = recheck.entity, recheck.xero_id
    options = Options.load(connection)
    if entity == "contacts":
        write_contacts(
            connection,
            [map_contact(record, display_account_number=options.display_account_number)],
            run_id,
        )
    else:
        write_items(connection, [map_item(record)], options.default_warehouse_code, run_id)
    link = load_links(connection, entity, [xero_id]).get(xero_id)
    parts = crm_rows(connection, entity, [xero_id], owned_only=True).get(xero_id)
    diffs = (
        diff_record(entity, link.snapshot, parts, link.snapshot, between_pulls=True)
        if link is not None and link.snapshot and parts
        else []
    )
    if diffs and link is not None:
        finding = Finding(entity, xero_id, link.crm_table, link.crm_id, recheck.label, diffs)
        raise_findings(connection, [finding], run_id)
    else:
        edits = connection.execute(
            select(ReviewItem.id).where(
                ReviewItem.resolved_at.is_(None),
                ReviewItem.dedupe_key == finding_key(CRM_EDIT, entity, xero_id),
            )
        ).scalars()
        _close(connection, [int(i) for i in edits], "matches_xero")
    return True


def refuse(connection: Connection, item_id: int, message: str) -> None:
    """The record could not be read: the item stays open, saying why."""
    keep_open_saying(connection, item_id, message, prefix=_REFUSED_PREFIX, detail="retry_refusal")


async def recheck_requested(client: XeroClient, db: DbWorker, run_id: int | None = None) -> int:
    """Read again every record a person asked to look at; returns how many were judged."""
    judged = 0
    for recheck in await db.read(load_rechecks):
        try:
            record = await client.get(_SPECS[recheck.entity], recheck.xero_id)
            judged += int(await db.write(apply_recheck, recheck, record, run_id))
        except (RetryableError, UnreachableError) as error:
            log.info("looking again at review item %d deferred: %s", recheck.item_id, error)
        except XeroNotFoundError:
            noun = _NOUN[recheck.entity]
            await db.write(
                refuse, recheck.item_id, f"Xero has no {noun} {recheck.xero_id} any more"
            )
        except (ConfigurationError, XeroRequestError, ReviewError, ValueError) as error:
            message = str(error)
            if isinstance(error, XeroRequestError) and error.messages:
                message = "; ".join(error.messages)
            await db.write(refuse, recheck.item_id, message)
    return judged
