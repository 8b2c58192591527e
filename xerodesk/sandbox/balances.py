"""A contact's ``Balances`` from its documents, as Xero keeps them.

Outstanding is the ``AmountDue`` of AUTHORISED invoices less the
``RemainingCredit`` of AUTHORISED credit notes (raw amounts, not converted to
the base currency, so it can be negative); overdue is the part of it past its
due date. Sales documents count as accounts receivable, bills as payable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from xerodesk.sandbox.wire import money

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Share:
    """One document's part of its contact's balances."""

    receivable: bool
    outstanding: Decimal
    overdue: Decimal

    @property
    def zero(self) -> bool:
        return self.outstanding == 0 and self.overdue == 0


NONE = Share(True, ZERO, ZERO)


def invoice_share(
    type_: Any, status: Any, amount_due: Any, due: datetime | None, today: datetime
) -> Share:
    if status != "AUTHORISED" or not isinstance(amount_due, Decimal):
        return NONE
    overdue = amount_due if due is not None and due < today else ZERO
    return Share(type_ != "ACCPAY", amount_due, overdue)


def credit_share(type_: Any, status: Any, remaining: Any) -> Share:
    if status != "AUTHORISED" or not isinstance(remaining, Decimal):
        return NONE
    return Share(type_ != "ACCPAYCREDIT", -remaining, ZERO)


@dataclass
class Tally:
    """Running balances per contact id."""

    totals: dict[str, list[Decimal]] = field(default_factory=dict)

    def add(self, contact_id: str, share: Share, sign: int = 1) -> None:
        if share.zero or not contact_id:
            return
        sums = self.totals.setdefault(contact_id, [ZERO, ZERO, ZERO, ZERO])
        at = 0 if share.receivable else 2
        sums[at] += sign * share.outstanding
        sums[at + 1] += sign * share.overdue

    def record(self, contact_id: str) -> dict[str, Any] | None:
        sums = self.totals.get(contact_id)
        return None if sums is None else balances(*sums)


def balances(
    ar_outstanding: Decimal, ar_overdue: Decimal, ap_outstanding: Decimal, ap_overdue: Decimal
) -> dict[str, Any]:
    return {
        "AccountsReceivable": {"Outstanding": money(ar_outstanding), "Overdue": money(ar_overdue)},
        "AccountsPayable": {"Outstanding": money(ap_outstanding), "Overdue": money(ap_overdue)},
    }


def add_to(current: Any, share: Share, sign: int) -> dict[str, Any]:
    """``current`` Balances (possibly missing) plus or minus one share."""
    tally = Tally()
    if isinstance(current, dict):
        ar = current.get("AccountsReceivable") or {}
        ap = current.get("AccountsPayable") or {}
        tally.totals["c"] = [
            Decimal(ar.get("Outstanding") or 0),
            Decimal(ar.get("Overdue") or 0),
            Decimal(ap.get("Outstanding") or 0),
            Decimal(ap.get("Overdue") or 0),
        ]
    else:
        tally.totals["c"] = [ZERO, ZERO, ZERO, ZERO]
    tally.add("c", share, sign)
    result = tally.record("c")
    assert result is not None
    return result
