"""Asking to link a CRM record to another existing Xero record (the review action).

A person says "this CRM record is really that other Xero record" and names it
by its Xero id or, for a contact, its ContactNumber or exact Name, for an item
its Code (``parse_target``). ``request_link_in`` (one transaction) checks what
it can without Xero (the id's shape; an id already linked to another CRM
record is refused at once, naming that record) and marks the review item;
``engine.relink`` carries the link out with the next push.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from xerodesk.domain.labels import record_text
from xerodesk.engine.edits import PART_TABLES, crm_rows
from xerodesk.errors import ConfigurationError
from xerodesk.store.types import utcnow
from xerodesk.store.views import ReviewRow
from xerodesk.store.xd_models import RecordLink, ReviewItem
from xerodesk.xero.endpoints import CONTACTS, ITEMS, EntitySpec

__all__ = [
    "BY",
    "GUID",
    "ID_FIELD",
    "LINK_REQUESTED",
    "NOUN",
    "REFUSED_PREFIX",
    "SPECS",
    "Target",
    "already_linked",
    "link_unavailable",
    "linked_elsewhere",
    "parse_target",
    "request_link_in",
]

#: ``resolution`` of an open item whose record waits to be linked to another Xero record
LINK_REQUESTED = "link_requested"

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SPECS: dict[str, EntitySpec] = {"contacts": CONTACTS, "items": ITEMS}
ID_FIELD = {"contacts": "ContactID", "items": "ItemID"}
NOUN = {"contacts": "contact", "items": "item"}
#: how a record can be named besides its Xero id: prefix → Xero's field
BY = {"contacts": {"number": "ContactNumber", "name": "Name"}, "items": {"code": "Code"}}
REFUSED_PREFIX = "The link to another Xero record was not made: "


@dataclass(frozen=True)
class Target:
    """The Xero record a person named: ``by`` is ``id`` or a field (``number``…)."""

    by: str
    value: str

    def describe(self, entity: str) -> str:
        noun = NOUN.get(entity, "record")
        if self.by == "id":
            return f"Xero {noun} {self.value}"
        return f'Xero {noun} with {BY[entity][self.by]} "{self.value}"'


def parse_target(entity: str, text: str) -> Target:
    """The record named by ``text``: a Xero id, or ``number:…``/``name:…`` for a
    contact, ``code:…`` for an item. Raises ConfigurationError saying what is wrong."""
    if entity not in SPECS:
        raise ConfigurationError("only contacts and items can be linked to another Xero record")
    value = text.strip()
    if not value:
        raise ConfigurationError("name the Xero record to link to (its Xero id)")
    prefix, colon, rest = value.partition(":")
    if colon and prefix.strip().lower() in BY[entity]:
        named = rest.strip()
        if not named:
            raise ConfigurationError(f"give the {BY[entity][prefix.strip().lower()]} after ':'")
        return Target(prefix.strip().lower(), named)
    if not GUID.match(value.lower()):
        others = " or ".join(f"{p}:{f}" for p, f in BY[entity].items())
        raise ConfigurationError(
            f'"{value[:60]}" is not a Xero id: a Xero id looks like '
            f"3f9a1c2e-0b7d-4e8f-9a6b-5c4d3e2f1a0b (or give {others})"
        )
    return Target("id", value.lower())


def _entity(item: ReviewRow) -> str | None:
    entity = item.details.get("entity")
    return entity if isinstance(entity, str) and entity in SPECS else None


def link_unavailable(item: ReviewRow) -> str | None:
    """Why the item's record cannot be linked to another Xero record (None: it can)."""
    if item.resolution == LINK_REQUESTED:
        return "a link to another Xero record is already on its way."
    if _entity(item) is None or not item.xero_id:
        return "the item does not say which linked contact or product it is about."
    if item.linked is False:
        return "the CRM record is not linked to a Xero record any more."
    return None


def _record_name(connection: Connection, table: str, row_id: int) -> str:
    """The CRM row's name (a product: its description or code); empty if none."""
    tables = {t.name: t for parts in PART_TABLES.values() for t, _key in parts.values()}
    model_table = tables.get(table)
    names = ("name", "description", "product_item_id", "first_name", "last_name")
    columns = [c for c in names if model_table is not None and c in model_table.c]
    if model_table is not None and columns:
        row = connection.execute(
            select(*(model_table.c[c] for c in columns)).where(model_table.c.id == row_id)
        ).first()
        if row is not None:
            return next((str(v) for v in row if v), "")
    return ""


def linked_elsewhere(connection: Connection, entity: str, xero_id: str) -> str | None:
    """The CRM record already linked to ``xero_id``, in words (None: no record)."""
    found = connection.execute(
        select(RecordLink.crm_table, RecordLink.crm_id).where(
            RecordLink.entity == entity, RecordLink.xero_id == xero_id
        )
    ).first()
    if found is not None:
        table, row_id = str(found[0]), int(found[1])
    else:
        rows = crm_rows(connection, entity, [xero_id]).get(xero_id)
        if not rows:
            return None
        part, row = next(iter(rows.items()))
        table, row_id = PART_TABLES[entity][part][0].name, int(row["id"])
    name = _record_name(connection, table, row_id)
    text = record_text(table, f'"{name}"' if name else None, row_id)
    return text[:1].lower() + text[1:]


def already_linked(entity: str, xero_id: str, holder: str) -> ConfigurationError:
    return ConfigurationError(
        f"Xero {NOUN[entity]} {xero_id} is already linked to CRM {holder}; "
        "one Xero record can be linked to one CRM record only."
    )


def request_link_in(connection: Connection, item: ReviewRow, text: str | None) -> str:
    """Mark the item's record to be linked to the Xero record ``text`` names."""
    reason = link_unavailable(item)
    if reason is not None:
        raise ConfigurationError(f"Cannot link to another Xero record: {reason}")
    entity = _entity(item)
    assert entity is not None and item.xero_id
    target = parse_target(entity, text or "")
    if target.by == "id":
        if target.value == item.xero_id.lower():
            raise ConfigurationError(
                f"the CRM record is already linked to Xero {NOUN[entity]} {target.value}."
            )
        holder = linked_elsewhere(connection, entity, target.value)
        if holder is not None:
            raise already_linked(entity, target.value, holder)
    now_linked = connection.scalar(
        select(RecordLink.id).where(RecordLink.entity == entity, RecordLink.xero_id == item.xero_id)
    )
    if now_linked is None:
        raise ConfigurationError(
            "Cannot link to another Xero record: the CRM record is not linked to a Xero "
            "record any more."
        )
    details = {**item.details, "link_to": {"by": target.by, "value": target.value}}
    details.pop("link_refusal", None)
    connection.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item.id, ReviewItem.resolved_at.is_(None))
        .values(resolution=LINK_REQUESTED, details=details, updated_at=utcnow())
    )
    return LINK_REQUESTED
