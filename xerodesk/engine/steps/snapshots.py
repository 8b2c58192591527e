"""Document snapshots: a digest of what was written, to tell "unchanged" from "changed".

Documents are read-only on the CRM side, so a link keeps no values, only
digests: of the document's rows as written (``rows``), of what moves the
contact's balance (``balance``), the contact, and the audited state.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from xerodesk.engine.links import Link

__all__ = [
    "VALUES_KEY",
    "balance_contacts",
    "changed",
    "digest",
    "document_snapshot",
    "previous_states",
]

#: the snapshot key of the digest of a document's rows (earlier releases kept
#: digests of other forms under ``digest`` and ``values``: see ``changed``)
VALUES_KEY = "rows"


def digest(value: Any) -> str:
    """A digest of ``value``: BLAKE2b of its form in ``marshal`` version 2.

    That form is exact for text, whole numbers, floats, flags and None, in
    tuples and lists, and the same in every process: version 2 writes no
    references, so neither interning nor sharing of equal objects shows in
    it. Rows bound for SQLite hold nothing else and go as they are; other
    values are made plain first (``plain``). The same record mapped by the
    same release gives the same digest, any changed value another.
    """
    try:
        data = marshal.dumps(value, 2)
    except ValueError:
        data = marshal.dumps(plain(value), 2)
    return hashlib.blake2b(data, digest_size=20).hexdigest()


_PLAIN = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """``value`` with every part ``marshal`` takes as it is (tuples, lists and dicts
    taken apart): an amount as its exact text, a date or time as ISO text, a
    choice as its value. What ``marshal`` takes already stays unchanged."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is tuple:
        return tuple(plain(v) for v in value)
    if kind is list:
        return [plain(v) for v in value]
    if kind is dict:
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Mapping):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [plain(v) for v in value]
    return repr(value)


def document_snapshot(
    contact_id: str,
    rows: str,
    *,
    balance: Sequence[Any] = (),
    state: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A compact snapshot: the digest of the document's ``rows``, a digest of
    ``balance``, and the contact.

    The rows digest tells "unchanged" from "changed" exactly; the balance
    digest (of what moves the contact's balance: status, totals, amounts due)
    tells whether the contact's balance needs a refresh; the contact id lets a
    later pass fill the ledger link of credit-note lines. ``state`` (number,
    status, total) is kept for the audit trail's "from … to …" and plays no
    part in telling changed from unchanged.
    """
    snapshot: dict[str, Any] = {
        VALUES_KEY: rows,
        "balance": digest([list(balance)]),
        "contact_id": contact_id,
    }
    if state is not None:
        snapshot["state"] = dict(state)
    return snapshot


def previous_states(
    links: Mapping[str, Link], xero_ids: Iterable[str]
) -> dict[str, Mapping[str, Any] | None]:
    """The audited state of each known document among ``xero_ids`` (None: none kept)."""
    found: dict[str, Mapping[str, Any] | None] = {}
    for xero_id in xero_ids:
        link = links.get(xero_id)
        if link is not None:
            state = (link.snapshot or {}).get("state")
            found[xero_id] = state if isinstance(state, Mapping) else None
    return found


def balance_contacts(link: Link | None, snapshot: Mapping[str, Any]) -> set[str]:
    """The contacts whose balance a written document may have moved (old and new owner)."""
    contact = str(snapshot["contact_id"])
    if link is None or link.snapshot is None:
        return {contact}
    before = link.snapshot
    if before.get("balance") == snapshot["balance"] and before.get("contact_id") == contact:
        return set()
    return {contact, str(before.get("contact_id") or contact)}


def changed(
    link: Link | None, snapshot: Mapping[str, Any], updated_at: datetime | None = None
) -> bool:
    """Xero changed the record since it was written (a document's audited state aside,
    so that documents written before it was kept are not all rewritten for it).

    A document last written by a release that kept another kind of digest
    (no ``VALUES_KEY``) is judged by Xero's time of change instead, which Xero
    moves with every edit of a document, so an upgrade rewrites none that
    Xero has not changed.
    """
    if link is None or link.snapshot is None:
        return True
    if VALUES_KEY not in link.snapshot and VALUES_KEY in snapshot:
        if updated_at is not None and link.xero_updated_at is not None:
            return _aware(updated_at) != _aware(link.xero_updated_at)
        return True
    return _compared(link.snapshot) != _compared(snapshot)


def _aware(moment: datetime) -> datetime:
    """Times read back from SQLite and MariaDB are naive UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _compared(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in snapshot.items() if key != "state"}
