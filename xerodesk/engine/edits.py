"""Edits on both sides of a linked record, found in bulk against the CRM rows.

``judge_pulled`` runs inside a pull's page transaction, before the page is
written: for the linked records Xero changed, it loads their CRM rows (one
query per CRM table for the page), judges every mapped column with
``conflicts.diff_record`` and says which CRM values to keep (CRM-only edits),
what to write to the audit trail, and what to report. ``scan_crm_edits``
runs once per pass: it compares every linked CRM row with its snapshot (a
thousand records at a time, one query per table each), so a CRM edit is
reported even when Xero's record did not change. Neither makes a call to Xero.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, select

from xerodesk.engine.audit import SIDE_XERO, AuditLine
from xerodesk.engine.conflicts import RULES, FieldDiff, Verdict, diff_record, xero_owned
from xerodesk.engine.findings import Finding, raise_findings, resolve_crm_edits
from xerodesk.engine.links import Link
from xerodesk.store.models import Company, Contact, Product, PurchaseLedger, SalesLedger
from xerodesk.store.upsert import batches
from xerodesk.store.xd_models import RecordLink

__all__ = ["PART_TABLES", "Judged", "crm_rows", "judge_pulled", "scan_crm_edits"]

#: entity → snapshot part → (CRM table, the column holding the Xero id)
PART_TABLES: dict[str, dict[str, tuple[Table, str]]] = {
    "contacts": {
        "company": (Company.__table__, "xero_contact_id"),  # type: ignore[dict-item]
        "sales_ledger": (SalesLedger.__table__, "sales_ledger_id"),  # type: ignore[dict-item]
        "purchase_ledger": (PurchaseLedger.__table__, "purchase_ledger_id"),  # type: ignore[dict-item]
        "contact": (Contact.__table__, "xero_contact_id"),  # type: ignore[dict-item]
    },
    "items": {"product": (Product.__table__, "xero_item_id")},  # type: ignore[dict-item]
}

CrmParts = dict[str, dict[str, Any]]


def crm_rows(
    connection: Connection,
    entity: str,
    xero_ids: Iterable[str] | None,
    *,
    owned_only: bool = False,
) -> dict[str, CrmParts]:
    """The CRM rows of records by Xero id and part (``id`` included); every linked
    row of the entity when ``xero_ids`` is None. One query per table (per 1,000 ids).
    ``owned_only`` reads only the Xero-owned columns (what a CRM edit can touch)."""
    found: dict[str, CrmParts] = {}
    wanted = None if xero_ids is None else list(dict.fromkeys(xero_ids))
    for part, (table, key) in PART_TABLES[entity].items():
        rules = RULES[entity][part]
        names = [c for c, r in rules.items() if c in table.c and (xero_owned(r) or not owned_only)]
        columns = [table.c.id, table.c[key], *(table.c[c] for c in names if c != key)]
        if wanted is None:
            chunks: Iterable[list[str] | None] = [None]
        else:
            chunks = (
                [item["id"] for item in chunk]
                for chunk in batches(({"id": x} for x in wanted), 1_000)
            )
        for chunk in chunks:
            query = select(*columns)
            query = (
                query.where(table.c[key].is_not(None))
                if chunk is None
                else query.where(table.c[key].in_(chunk))
            )
            result = connection.execute(query)
            labels = list(result.keys())
            for values in result:
                found.setdefault(str(values[1]), {})[part] = dict(zip(labels, values, strict=True))
    return found


@dataclass
class Judged:
    """What the pull of one page does about the CRM's edits."""

    #: Xero id → part → column → the CRM value to keep (written instead of Xero's)
    keep: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    audit: list[AuditLine] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _label(entity: str, parts: Mapping[str, Mapping[str, Any]]) -> str:
    if entity == "items":
        product = parts.get("product") or {}
        return str(product.get("description") or product.get("product_item_id") or "a product")
    for part in ("sales_ledger", "purchase_ledger", "company"):
        row = parts.get(part)
        if row and row.get("name"):
            return str(row["name"])
    return "a contact"


def judge_pulled(
    connection: Connection,
    entity: str,
    records: Sequence[tuple[str, Link, Mapping[str, Any]]],
) -> Judged:
    """Judge the linked records of a page: ``(xero id, link, new snapshot)`` each."""
    judged = Judged()
    if not records:
        return judged
    rows = crm_rows(connection, entity, [xero_id for xero_id, _link, _snap in records])
    for xero_id, link, snapshot in records:
        parts = rows.get(xero_id)
        if not parts:
            continue
        diffs = diff_record(entity, link.snapshot or None, parts, snapshot)
        for diff in diffs:
            row_id = parts[diff.part].get("id")
            if diff.verdict is Verdict.CRM_EDIT:
                judged.keep.setdefault(xero_id, {}).setdefault(diff.part, {})[diff.column] = (
                    diff.crm
                )
            elif diff.rule.audited:
                judged.audit.append(
                    AuditLine(
                        diff.part, row_id, xero_id, diff.column, diff.crm, diff.xero, SIDE_XERO
                    )
                )
        reported = [d for d in diffs if d.verdict in (Verdict.CRM_EDIT, Verdict.CONFLICT)]
        if reported:
            judged.findings.append(
                Finding(
                    entity, xero_id, link.crm_table, link.crm_id, _label(entity, parts), reported
                )
            )
    return judged


#: linked records judged at a time by ``scan_crm_edits`` (memory stays flat)
SCAN_BATCH = 1_000


def _linked_snapshots(
    connection: Connection, entity: str, batch: int = SCAN_BATCH
) -> Iterator[list[Link]]:
    """The entity's links with a snapshot, ``batch`` at a time in Xero id order."""
    after: str | None = None
    while True:
        query = select(
            RecordLink.xero_id, RecordLink.crm_table, RecordLink.crm_id, RecordLink.snapshot
        ).where(RecordLink.entity == entity)
        if after is not None:
            query = query.where(RecordLink.xero_id > after)
        rows = connection.execute(query.order_by(RecordLink.xero_id).limit(batch)).all()
        if not rows:
            return
        after = rows[-1][0]
        yield [
            Link(xero_id, table, crm_id, snapshot, None)
            for xero_id, table, crm_id, snapshot in rows
            if snapshot
        ]


def scan_crm_edits(
    connection: Connection,
    run_id: int | None = None,
    entities: Sequence[str] = ("contacts", "items"),
    *,
    batch: int = SCAN_BATCH,
) -> int:
    """Report the CRM edits of Xero-owned fields on every linked record (no Xero call).

    Open reports whose record now matches Xero again are closed. Returns how
    many records have CRM edits. The records are judged ``batch`` at a time
    (their snapshots and CRM rows read together), so memory does not grow
    with the organisation.
    """
    total = 0
    for entity in entities:
        edited: set[str] = set()
        for links in _linked_snapshots(connection, entity, batch):
            rows = crm_rows(connection, entity, [link.xero_id for link in links], owned_only=True)
            findings: list[Finding] = []
            for link in links:
                parts = rows.get(link.xero_id)
                if not parts or not link.snapshot:
                    continue
                diffs: list[FieldDiff] = diff_record(
                    entity, link.snapshot, parts, link.snapshot, between_pulls=True
                )
                if diffs:
                    label = _label(entity, parts)
                    findings.append(
                        Finding(entity, link.xero_id, link.crm_table, link.crm_id, label, diffs)
                    )
            raise_findings(connection, findings, run_id)
            edited.update(f.xero_id for f in findings)
        resolve_crm_edits(connection, entity, edited)
        total += len(edited)
    return total
