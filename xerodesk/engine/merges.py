"""Contacts merged in Xero: the CRM's rows follow the surviving contact.

When two contacts are merged in Xero, the loser is ARCHIVED with
``MergedToContactID`` naming the winner, and its invoices, credit notes and
purchase orders move to the winner. The CRM still points at the loser's rows:
its sales and purchase ledgers carry the documents, lines and quotes, its
company the people. ``apply_merge`` moves every reference from the loser's
rows to the winner's, in one transaction: rows are re-pointed, never copied,
so no amount is counted twice. The loser's own rows stay (on stop, as an
archived contact) so that history keeps its name.

A merge applied is remembered as a link of entity ``contact_merge``: the
loser's ContactID mapped to the winner's CRM row, with what moved. The sweep
applies each merge once; a merge whose winner is not in the CRM yet waits. A
review item explains a merge that moved documents or quotes; one that only
moved people (a merge older than the first sync) is recorded silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, or_, select, update

from xerodesk.engine.links import load_links, save_links
from xerodesk.store.models import (
    Company,
    Contact,
    PurchaseLedger,
    PurchaseOrderHeader,
    Quote,
    SalesLedger,
    SalesOrderHeader,
    SalesTransaction,
)
from xerodesk.store.state import ReviewRequest, raise_review

#: the link entity that remembers merges already applied
MERGE_LINKS = "contact_merge"
#: the review kind of a merge applied to the CRM
MERGED = "contact_merged"
#: what moving makes a merge worth a review item (people move silently)
REVIEWED = ("sales_order_header", "sales_transaction", "purchase_order_header", "quote")
#: how far a chain of merges (A into B, B into C) is followed
MAX_HOPS = 10

SALES_HEADERS: Table = SalesOrderHeader.__table__  # type: ignore[assignment]
SALES_LINES: Table = SalesTransaction.__table__  # type: ignore[assignment]
PURCHASE_HEADERS: Table = PurchaseOrderHeader.__table__  # type: ignore[assignment]
QUOTES: Table = Quote.__table__  # type: ignore[assignment]
PEOPLE: Table = Contact.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class PartyRows:
    """The CRM rows of one Xero contact (None where it has none)."""

    contact_id: str
    name: str | None
    company_id: int | None
    sales_ledger_id: int | None
    purchase_ledger_id: int | None

    @property
    def known(self) -> bool:
        return any((self.company_id, self.sales_ledger_id, self.purchase_ledger_id))


@dataclass
class MergeOutcome:
    loser: str
    winner: str
    applied: bool
    moved: dict[str, int] = field(default_factory=dict)
    reason: str | None = None


def final_winner(merges: Mapping[str, str], loser: str) -> str:
    """The contact a chain of merges ends at (A into B, B into C: C)."""
    seen = {loser}
    current = merges[loser]
    for _ in range(MAX_HOPS):
        nxt = merges.get(current)
        if nxt is None or nxt in seen:
            return current
        seen.add(current)
        current = nxt
    return current


def pending_merges(connection: Connection, merges: Mapping[str, str]) -> dict[str, str]:
    """The merges (loser → final winner) not applied yet, or applied to another winner."""
    resolved = {loser: final_winner(merges, loser) for loser in merges}
    done = load_links(connection, MERGE_LINKS, resolved)
    return {
        loser: winner
        for loser, winner in resolved.items()
        if loser not in done or (done[loser].snapshot or {}).get("into") != winner
    }


def party_rows(connection: Connection, contact_id: str) -> PartyRows:
    company = connection.execute(
        select(Company.id, Company.name).where(Company.xero_contact_id == contact_id)
    ).first()
    sales = connection.scalar(
        select(SalesLedger.id).where(SalesLedger.sales_ledger_id == contact_id)
    )
    purchase = connection.scalar(
        select(PurchaseLedger.id).where(PurchaseLedger.purchase_ledger_id == contact_id)
    )
    return PartyRows(
        contact_id,
        company.name if company else None,
        company.id if company else None,
        sales,
        purchase,
    )


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _move_sales(connection: Connection, loser: PartyRows, winner: PartyRows) -> dict[str, int]:
    moved: dict[str, int] = {}
    header_match = [SALES_HEADERS.c.xero_contact_id == loser.contact_id]
    if loser.sales_ledger_id is not None:
        header_match.append(SALES_HEADERS.c.sales_ledger_id == loser.sales_ledger_id)
    moved["sales_order_header"] = _count(
        connection.execute(
            update(SALES_HEADERS)
            .where(or_(*header_match))
            .values(xero_contact_id=winner.contact_id, sales_ledger_id=winner.sales_ledger_id)
        )
    )
    if loser.sales_ledger_id is None:
        return moved
    moved["sales_transaction"] = _count(
        connection.execute(
            update(SALES_LINES)
            .where(SALES_LINES.c.sales_ledger_id == loser.sales_ledger_id)
            .values(sales_ledger_id=winner.sales_ledger_id)
        )
    )
    if winner.sales_ledger_id is not None:
        moved["quote"] = _count(
            connection.execute(
                update(QUOTES)
                .where(QUOTES.c.sales_ledger_id == loser.sales_ledger_id)
                .values(sales_ledger_id=winner.sales_ledger_id)
            )
        )
    return moved


def _move_purchases(connection: Connection, loser: PartyRows, winner: PartyRows) -> int:
    match = [PURCHASE_HEADERS.c.xero_contact_id == loser.contact_id]
    if loser.purchase_ledger_id is not None:
        match.append(PURCHASE_HEADERS.c.purchase_ledger_id == loser.purchase_ledger_id)
    return _count(
        connection.execute(
            update(PURCHASE_HEADERS)
            .where(or_(*match))
            .values(xero_contact_id=winner.contact_id, purchase_ledger_id=winner.purchase_ledger_id)
        )
    )


def _move_people(connection: Connection, loser: PartyRows, winner: PartyRows) -> int:
    """The loser's people join the winner's company (the winner keeps its primary person)."""
    if loser.company_id is None or winner.company_id is None:
        return 0
    return _count(
        connection.execute(
            update(PEOPLE)
            .where(PEOPLE.c.company_id == loser.company_id)
            .values(company_id=winner.company_id, is_primary=False)
        )
    )


def apply_merge(
    connection: Connection, loser_id: str, winner_id: str, run_id: int | None = None
) -> MergeOutcome:
    """Re-point the CRM's references from the loser's rows to the winner's, once."""
    loser = party_rows(connection, loser_id)
    winner = party_rows(connection, winner_id)
    if not winner.known:
        return MergeOutcome(
            loser_id, winner_id, False, reason="the surviving contact is not in the CRM yet"
        )
    moved = _move_sales(connection, loser, winner)
    moved["purchase_order_header"] = _move_purchases(connection, loser, winner)
    moved["contact"] = _move_people(connection, loser, winner)
    quotes_left = loser.sales_ledger_id is not None and winner.sales_ledger_id is None
    quotes_left = quotes_left and _has_quotes(connection, loser.sales_ledger_id)
    table, row_id = _link_target(winner)
    snapshot: dict[str, Any] = {"into": winner_id, "moved": moved}
    save_links(connection, MERGE_LINKS, [(loser_id, table, row_id, snapshot, None)])
    if any(moved.get(table) for table in REVIEWED) or quotes_left:
        raise_review(connection, _merge_review(loser, winner, moved, quotes_left), run_id)
    return MergeOutcome(loser_id, winner_id, True, moved)


def _has_quotes(connection: Connection, ledger_id: int | None) -> bool:
    query = select(Quote.id).where(Quote.sales_ledger_id == ledger_id).limit(1)
    return connection.scalar(query) is not None


def _link_target(winner: PartyRows) -> tuple[str, int]:
    """The winner's main CRM row, which the loser's ContactID now maps to."""
    if winner.sales_ledger_id is not None:
        return "sales_ledger", winner.sales_ledger_id
    if winner.purchase_ledger_id is not None:
        return "purchase_ledger", winner.purchase_ledger_id
    return "company", int(winner.company_id or 0)


def _merge_review(
    loser: PartyRows, winner: PartyRows, moved: dict[str, int], quotes_left: bool
) -> ReviewRequest:
    loser_name = loser.name or loser.contact_id
    winner_name = winner.name or winner.contact_id
    parts = [
        f"{moved.get('sales_order_header', 0)} invoice(s)",
        f"{moved.get('sales_transaction', 0)} sales line(s)",
        f"{moved.get('purchase_order_header', 0)} purchase order(s)",
        f"{moved.get('quote', 0)} quote(s)",
        f"{moved.get('contact', 0)} person(s)",
    ]
    explanation = (
        f"{loser_name} was merged into {winner_name} in Xero. In the CRM, "
        + ", ".join(parts)
        + f" now belong to {winner_name}. {loser_name} is kept, on stop, as Xero keeps "
        "the archived contact; its balance is Xero's (nothing is counted twice)."
    )
    if quotes_left:
        explanation += (
            f" {winner_name} has no sales ledger in the CRM yet, so the quotes of "
            f"{loser_name} stay on its ledger: move them by hand or wait for the next sync."
        )
    return ReviewRequest(
        kind=MERGED,
        dedupe_key=f"merge:{loser.contact_id}",
        title=f"{loser_name} merged into {winner_name} in Xero",
        explanation=explanation,
        record_table="sales_ledger" if winner.sales_ledger_id else "company",
        record_id=winner.sales_ledger_id or winner.company_id,
        xero_id=loser.contact_id,
        details={"loser": loser.contact_id, "winner": winner.contact_id, "moved": moved},
    )


def apply_merges(
    connection: Connection, merges: Mapping[str, str], run_id: int | None = None
) -> list[MergeOutcome]:
    """Apply every merge not applied yet (loser → winner, chains followed)."""
    todo = pending_merges(connection, merges)
    return [
        apply_merge(connection, loser, winner, run_id) for loser, winner in sorted(todo.items())
    ]
