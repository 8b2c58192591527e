"""What a person can do with a review item, and doing it.

Each item of ``xd_review`` names its actions (``["retry", "dismiss"]``). This
module says, for each, whether the engine can carry it out now and, if not,
why, so the app shows a disabled button with the reason rather than a button
that pretends; ``perform`` carries one out in the caller's transaction.

- Conflicts and CRM edits (``engine.findings``) are acted on by
  ``engine.resolve``: ``keep_xero`` writes Xero's values back into the CRM,
  ``send_crm`` marks the CRM's values to go to Xero with the next push (a
  real update call, ``engine.send_crm``), ``link_other`` re-points the CRM
  record at another existing Xero record the person names (asked for in
  ``engine.link_requests``, read from Xero with the next push in
  ``engine.relink``), ``retry`` reads the record from Xero again at once and
  judges it again (``engine.recheck``), ``dismiss`` closes.
- ``retry``, ``release`` and ``link_existing`` of a push are the push side's
  (``xerodesk.engine.push.actions``): they requeue or link the push in the
  same transaction, and the runner sends it within seconds.
- On other items ``dismiss`` and ``keep_xero`` close the item (Xero's value
  already won).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from xerodesk.engine.link_requests import LINK_REQUESTED, link_unavailable, request_link_in
from xerodesk.engine.push.actions import (
    link_to_existing_contact_in,
    release_quote_in,
    retry_push_in,
)
from xerodesk.engine.push.watch import notify_pushers
from xerodesk.engine.recheck import RECHECK_REQUESTED, recheck_unavailable, request_recheck_in
from xerodesk.engine.resolve import (
    FINDING_KINDS,
    SEND_REQUESTED,
    keep_xero_in,
    request_send_in,
    send_unavailable,
)
from xerodesk.engine.review_queue import with_blockers
from xerodesk.errors import ConfigurationError
from xerodesk.store.types import utcnow
from xerodesk.store.views import ReviewRow
from xerodesk.store.xd_models import ReviewItem

DISMISS = "dismiss"
KEEP_XERO = "keep_xero"
RETRY = "retry"
RELEASE = "release"
LINK_EXISTING = "link_existing"
SEND_CRM = "send_crm"
LINK_OTHER = "link_other"

#: the words on each action's button, and what it does
ACTION_TEXT: dict[str, tuple[str, str]] = {
    DISMISS: ("Dismiss", "Close this item without changing anything."),
    KEEP_XERO: ("Keep Xero's value", "Xero's value stays in the CRM; the item is closed."),
    RETRY: ("Retry", "Send the record to Xero again, as it is now in the CRM."),
    RELEASE: ("Release the order", "Send the held order to Xero now."),
    LINK_EXISTING: (
        "Link to the existing Xero record",
        "Use the Xero record that already exists instead of creating another.",
    ),
    SEND_CRM: ("Send the CRM value to Xero", "Update the record in Xero with the CRM's value."),
    LINK_OTHER: (
        "Link to an existing Xero record…",
        "This CRM record is really another Xero record: name it (its Xero id; for a "
        "contact number:… or name:…, for an item code:…). With the next push it is read "
        "from Xero, the CRM record takes its id and values, and the item closes; the "
        "Xero record linked now is left as it is in Xero.",
    ),
}

#: the actions on a conflict or CRM edit that ask the runner for a Xero call, and
#: the ``resolution`` an open item has while its call waits
_REQUESTS = {SEND_CRM: SEND_REQUESTED, LINK_OTHER: LINK_REQUESTED, RETRY: RECHECK_REQUESTED}

#: the actions that need a value from the person (the Xero record to link to)
NEEDS_TARGET = frozenset({LINK_OTHER})

#: resolution written for the actions that only close the item
_CLOSING = {DISMISS: "dismissed", KEEP_XERO: "kept_xero"}

#: the words of the actions that mean something else on a conflict or CRM edit
FINDING_TEXT: dict[str, tuple[str, str]] = {
    RETRY: (
        "Look again now",
        "Read the record from Xero again at once and compare it with the CRM: this item "
        "closes, and the record is reported again if they still differ.",
    ),
    KEEP_XERO: (
        "Keep Xero's value",
        "Write Xero's value back into the CRM (over the CRM's edit) and close the item.",
    ),
    SEND_CRM: (
        "Send the CRM value to Xero",
        "Update the record in Xero with the CRM's value, with the next push.",
    ),
}


def _number(details: dict[str, Any], key: str) -> int | None:
    value = details.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _quote_id(item: ReviewRow) -> int | None:
    if item.record_table == "quote" and item.record_id is not None:
        return item.record_id
    return _number(item.details, "quote_id")


def _retry(connection: Connection, item: ReviewRow) -> bool:
    outbox_id = _number(item.details, "outbox_id")
    assert outbox_id is not None
    return retry_push_in(connection, outbox_id)


def _release(connection: Connection, item: ReviewRow) -> bool:
    quote_id = _quote_id(item)
    assert quote_id is not None
    return release_quote_in(connection, quote_id)


def _link(connection: Connection, item: ReviewRow) -> bool:
    outbox_id = _number(item.details, "outbox_id")
    assert outbox_id is not None
    contact = item.details.get("existing_contact_id")
    link_to_existing_contact_in(
        connection, outbox_id, contact if isinstance(contact, str) else None
    )
    return True


#: the push actions: what each needs from the item, and the engine function doing it
PushAction = Callable[[Connection, ReviewRow], bool]
_PUSH: dict[str, tuple[Callable[[ReviewRow], object], PushAction]] = {
    RETRY: (lambda item: _number(item.details, "outbox_id"), _retry),
    RELEASE: (_quote_id, _release),
    LINK_EXISTING: (lambda item: _number(item.details, "outbox_id"), _link),
}


@dataclass(frozen=True)
class ActionState:
    """One button of a review item: its words, whether it works now, and why not."""

    name: str
    label: str
    help: str
    enabled: bool
    reason: str = ""

    @property
    def tooltip(self) -> str:
        return self.help if self.enabled else f"{self.help} Not available: {self.reason}"


def action_states(item: ReviewRow) -> list[ActionState]:
    """The item's actions as buttons, each enabled only if the engine can do it."""
    states: list[ActionState] = []
    texts = {**ACTION_TEXT, **FINDING_TEXT} if item.kind in FINDING_KINDS else ACTION_TEXT
    for name in item.actions or [DISMISS]:
        label, help_text = texts.get(name, (name.replace("_", " ").capitalize(), ""))
        reason = _unavailable(item, name)
        states.append(ActionState(name, label, help_text, reason is None, reason or ""))
    return states


def _unavailable(item: ReviewRow, name: str) -> str | None:
    if item.resolved_at is not None:
        return "this item is already resolved."
    if name in item.blocked:
        return item.blocked[name]
    if item.kind in FINDING_KINDS:
        return _finding_unavailable(item, name)
    if name in _CLOSING:
        return None
    if name in _PUSH:
        needs, _action = _PUSH[name]
        return None if needs(item) is not None else "the item does not say which push it is."
    if name == SEND_CRM:
        return send_unavailable(item)
    return "the engine does not know this action."


def _finding_unavailable(item: ReviewRow, name: str) -> str | None:
    if name in _REQUESTS and item.resolution in _REQUESTS.values():
        return "a request about this record is on its way to Xero already."
    if name == RETRY:
        return recheck_unavailable(item)
    if name == SEND_CRM:
        return send_unavailable(item)
    if name == LINK_OTHER:
        return link_unavailable(item)
    if name in (KEEP_XERO, DISMISS):
        return None
    return "the engine does not know this action on a conflict."


def close_item(connection: Connection, item_id: int, resolution: str) -> bool:
    """Mark an open item resolved with ``resolution``; False if it was not open."""
    result = connection.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item_id, ReviewItem.resolved_at.is_(None))
        .values(resolved_at=utcnow(), updated_at=utcnow(), resolution=resolution[:64])
    )
    return bool(result.rowcount)


def perform(connection: Connection, item: ReviewRow, name: str, target: str | None = None) -> str:
    """Carry out action ``name`` on ``item`` in the caller's transaction; returns what happened.

    ``target`` is the value an action of ``NEEDS_TARGET`` takes (``link_other``:
    the Xero record to link to); the other actions take none. Raises
    ConfigurationError, with the reason, for an action that cannot be done.
    """
    if name not in (item.actions or [DISMISS]):
        raise ConfigurationError("That is not something this review item offers.")
    item = with_blockers(connection, item)  # as the database stands now
    reason = _unavailable(item, name)
    if reason is not None:
        label = ACTION_TEXT.get(name, (name, ""))[0].rstrip("…")
        raise ConfigurationError(f"Cannot {label[:1].lower()}{label[1:]}: {reason}")
    if target is not None and name not in NEEDS_TARGET:
        raise ConfigurationError("This action takes no value.")
    if item.kind in FINDING_KINDS and name == LINK_OTHER:
        done = request_link_in(connection, item, target)
        notify_pushers(connection)
        return done
    if item.kind in FINDING_KINDS or name == SEND_CRM:
        notify_pushers(connection)
        return _perform_finding(connection, item, name)
    if name in _CLOSING:
        close_item(connection, item.id, _CLOSING[name])
        return _CLOSING[name]
    notify_pushers(connection)
    _needs, action = _PUSH[name]
    if not action(connection, item):
        close_item(connection, item.id, "nothing_to_do")  # the push was done meanwhile
        return "nothing_to_do"
    close_item(connection, item.id, name)  # the push side resolves its own items; others too
    return name


def _perform_finding(connection: Connection, item: ReviewRow, name: str) -> str:
    if name == SEND_CRM:
        return request_send_in(connection, item)
    if name == KEEP_XERO:
        keep_xero_in(connection, item)
        close_item(connection, item.id, _CLOSING[KEEP_XERO])
        return _CLOSING[KEEP_XERO]
    if name == RETRY:
        return request_recheck_in(connection, item)
    close_item(connection, item.id, _CLOSING[DISMISS])
    return _CLOSING[DISMISS]


#: the actions the engine can take back, and the resolution each leaves
UNDOABLE = {DISMISS: _CLOSING[DISMISS]}


def undo_in(connection: Connection, item_id: int, name: str) -> None:
    """Take back action ``name`` on item ``item_id``: a dismissed item is open again.

    Raises ConfigurationError, saying why, when it cannot be taken back (the
    action is not one of ``UNDOABLE``, the item was decided otherwise since, or
    a newer item about the same record is open).
    """
    if name not in UNDOABLE:
        raise ConfigurationError("That action cannot be undone.")
    found = connection.execute(
        select(ReviewItem.dedupe_key, ReviewItem.resolution).where(ReviewItem.id == item_id)
    ).first()
    if found is None or found[1] != UNDOABLE[name]:
        raise ConfigurationError("Cannot undo: the item has been decided otherwise since.")
    newer = connection.scalar(
        select(ReviewItem.id).where(
            ReviewItem.dedupe_key == found[0],
            ReviewItem.resolved_at.is_(None),
            ReviewItem.id != item_id,
        )
    )
    if newer is not None:
        raise ConfigurationError("Cannot undo: a newer item about the same record is open.")
    connection.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item_id)
        .values(resolved_at=None, resolution=None, updated_at=utcnow())
    )


@dataclass(frozen=True)
class FieldValues:
    """One field of a conflict: the last-synced value and each side's."""

    field: str
    base: str | None
    crm: str | None
    xero: str | None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def conflict_values(details: dict[str, Any]) -> list[FieldValues]:
    """The base, CRM and Xero values a conflict item carries, field by field.

    Accepts ``{"fields": {name: {"base", "crm", "xero"}}}``, ``{"conflicts":
    [{"field", "base", "crm", "xero"}]}`` or ``{"base": {...}, "crm": {...},
    "xero": {...}}``; empty when the details carry no values.
    """
    fields = details.get("fields")
    if isinstance(fields, dict):
        return [
            FieldValues(str(name), _text(v.get("base")), _text(v.get("crm")), _text(v.get("xero")))
            for name, v in fields.items()
            if isinstance(v, dict)
        ]
    listed = details.get("conflicts")
    if isinstance(listed, list):
        return [
            FieldValues(
                str(v.get("field")), _text(v.get("base")), _text(v.get("crm")), _text(v.get("xero"))
            )
            for v in listed
            if isinstance(v, dict) and v.get("field")
        ]
    sides = [details.get(side) for side in ("base", "crm", "xero")]
    if all(isinstance(side, dict) for side in sides[1:]):
        base, crm, xero = (side if isinstance(side, dict) else {} for side in sides)
        names = list(dict.fromkeys([*base, *crm, *xero]))
        return [
            FieldValues(name, _text(base.get(name)), _text(crm.get(name)), _text(xero.get(name)))
            for name in names
        ]
    return []
