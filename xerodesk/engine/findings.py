"""Edits found on linked records, as review items a person can act on.

Two kinds, one open item per record and kind:

- ``conflict``: a field changed in the CRM and in Xero since the last sync.
  Xero's value was written; the item shows base, CRM and Xero values side by
  side. A later conflict on the same record adds its fields to the open item.
- ``crm_edit``: a Xero-owned field changed in the CRM only. The CRM value is
  kept (not overwritten) and reported, until it is sent to Xero, Xero's value
  is put back, or the item is dismissed. A dismissed edit is not reported
  again while the CRM keeps that same value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from xerodesk.domain.labels import field_label, fields_text, record_text
from xerodesk.engine.audit import audit_text
from xerodesk.engine.conflicts import FieldDiff, FieldRole, Verdict
from xerodesk.store.state import ReviewRequest, raise_review
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import ReviewItem

__all__ = [
    "CONFLICT",
    "CRM_EDIT",
    "Finding",
    "finding_key",
    "raise_findings",
    "resolve_crm_edits",
]

CONFLICT = "conflict"
CRM_EDIT = "crm_edit"

#: the actions each kind offers, in the order shown
CONFLICT_ACTIONS = ("keep_xero", "send_crm", "link_other", "retry", "dismiss")
CRM_EDIT_ACTIONS = ("send_crm", "keep_xero", "link_other", "retry", "dismiss")


@dataclass(frozen=True)
class Finding:
    """The reported fields of one linked record."""

    entity: str
    xero_id: str
    crm_table: str
    crm_id: int
    label: str
    diffs: Sequence[FieldDiff]


def finding_key(kind: str, entity: str, xero_id: str) -> str:
    return f"{kind}:{entity}:{xero_id}"


def _values(diff: FieldDiff) -> dict[str, Any]:
    return {
        "base": audit_text(diff.base),
        "crm": audit_text(diff.crm),
        "xero": audit_text(diff.xero),
        "role": diff.rule.role.value,
    }


def _shown(value: Any) -> str:
    return "(empty)" if value is None else f'"{value}"'


def _lines(fields: dict[str, dict[str, Any]], table: str) -> str:
    return "; ".join(
        f"{field_label(name, table).capitalize()}: CRM {_shown(v.get('crm'))}, "
        f"Xero {_shown(v.get('xero'))} (last synced {_shown(v.get('base'))})"
        for name, v in fields.items()
    )


def _read_only_note(fields: dict[str, dict[str, Any]], table: str) -> str:
    fixed = [name for name, v in fields.items() if v.get("role") == FieldRole.XERO_ONLY.value]
    if not fixed:
        return ""
    return (
        f" Xero does not accept changes to the {fields_text(fixed, table)} through its API: "
        "change them in Xero, or keep Xero's value."
    )


def _request(finding: Finding, kind: str, fields: dict[str, dict[str, Any]]) -> ReviewRequest:
    table = finding.crm_table
    record = record_text(table, finding.label, finding.crm_id)
    names = fields_text(fields, table)
    lines = _lines(fields, table)
    if kind == CONFLICT:
        title = f"{record} — {names}: changed in the CRM and in Xero"
        explanation = (
            f"{record} was changed on both sides since the last sync. "
            f"{lines}. Xero's value was kept in the CRM. Keep it, send the CRM "
            "value to Xero instead, link the CRM record to another existing Xero record, "
            "or dismiss."
        )
        actions = CONFLICT_ACTIONS
    else:
        title = f"{record} — {names}: changed in the CRM only"
        explanation = (
            f"{record} was changed in the CRM, not in Xero, which owns "
            f"{'this field' if len(fields) == 1 else 'these fields'}. {lines}. "
            "The CRM value was kept and Xero still has its own. Send the CRM value to "
            "Xero, keep Xero's value (it goes back into the CRM), link the CRM record to "
            "another existing Xero record, or dismiss to leave both as they are."
            + _read_only_note(fields, table)
        )
        actions = CRM_EDIT_ACTIONS
    return ReviewRequest(
        kind=kind,
        dedupe_key=finding_key(kind, finding.entity, finding.xero_id),
        title=title,
        explanation=explanation,
        record_table=finding.crm_table,
        record_id=finding.crm_id,
        xero_id=finding.xero_id,
        details={"entity": finding.entity, "label": finding.label, "fields": fields},
        actions=actions,
    )


def _fields_of(details: Any) -> dict[str, dict[str, Any]]:
    fields = details.get("fields") if isinstance(details, dict) else None
    return (
        {k: v for k, v in fields.items() if isinstance(v, dict)} if isinstance(fields, dict) else {}
    )


def _earlier(connection: Connection, keys: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Open items' details by key, and the latest dismissed item's details by key."""
    open_items: dict[str, Any] = {}
    dismissed: dict[str, Any] = {}
    for start in range(0, len(keys), 1_000):
        query = (
            select(ReviewItem.dedupe_key, ReviewItem.details, ReviewItem.resolved_at)
            .where(ReviewItem.dedupe_key.in_(keys[start : start + 1_000]))
            .where(ReviewItem.resolved_at.is_(None) | (ReviewItem.resolution == "dismissed"))
            .order_by(ReviewItem.id)
        )
        for key, details, resolved in connection.execute(query):
            (open_items if resolved is None else dismissed)[key] = details
    return open_items, dismissed


def raise_findings(connection: Connection, findings: Sequence[Finding], run_id: int | None) -> int:
    """Open or refresh the items of ``findings``; returns how many were raised."""
    if not findings:
        return 0
    keys = [
        finding_key(kind, f.entity, f.xero_id) for f in findings for kind in (CONFLICT, CRM_EDIT)
    ]
    open_items, dismissed = _earlier(connection, keys)
    raised = 0
    for finding in findings:
        conflicts = {d.name: _values(d) for d in finding.diffs if d.verdict is Verdict.CONFLICT}
        edits = {d.name: _values(d) for d in finding.diffs if d.verdict is Verdict.CRM_EDIT}
        conflict_key = finding_key(CONFLICT, finding.entity, finding.xero_id)
        if conflicts:
            merged = {**_fields_of(open_items.get(conflict_key)), **conflicts}
            raise_review(connection, _request(finding, CONFLICT, merged), run_id)
            raised += 1
        edit_key = finding_key(CRM_EDIT, finding.entity, finding.xero_id)
        accepted = _fields_of(dismissed.get(edit_key))
        edits = {
            name: v
            for name, v in edits.items()
            if name not in accepted or accepted[name].get("crm") != v["crm"]
        }
        if edits:
            raise_review(connection, _request(finding, CRM_EDIT, edits), run_id)
            raised += 1
    return raised


def resolve_crm_edits(connection: Connection, entity: str, still_edited: Iterable[str]) -> int:
    """Close the open ``crm_edit`` items of ``entity`` whose record matches Xero again."""
    keep = {finding_key(CRM_EDIT, entity, x) for x in still_edited}
    prefix = finding_key(CRM_EDIT, entity, "")
    rows = connection.execute(
        select(ReviewItem.id, ReviewItem.dedupe_key).where(
            ReviewItem.resolved_at.is_(None), ReviewItem.kind == CRM_EDIT
        )
    ).all()
    stale = [item_id for item_id, key in rows if key.startswith(prefix) and key not in keep]
    if stale:
        now = utcnow()
        connection.execute(
            update(ReviewItem)
            .where(ReviewItem.id.in_(stale), ReviewItem.resolved_at.is_(None))
            .values(resolved_at=now, updated_at=now, resolution="matches_xero")
        )
    return len(stale)


def keep_open_saying(
    connection: Connection, item_id: int, message: str, *, prefix: str, detail: str
) -> None:
    """Xero refused or could not be read for an action on item ``item_id``: the
    item stays open, its explanation led by ``prefix`` and ``message`` (replacing
    an earlier such line), and ``message`` kept in its details under ``detail``."""
    found = connection.execute(
        select(ReviewItem.explanation, ReviewItem.details).where(ReviewItem.id == item_id)
    ).first()
    if found is None:
        return
    explanation, details = found
    original = explanation.split("\n\n", 1)[1] if explanation.startswith(prefix) else explanation
    details = dict(details) if isinstance(details, dict) else {}
    details[detail] = message
    connection.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item_id, ReviewItem.resolved_at.is_(None))
        .values(
            resolution=None,
            updated_at=utcnow(),
            explanation=f"{prefix}{message}\n\n{original}",
            details=details,
        )
    )
