"""Who changed what since the last sync: the field-by-field rules, pure.

Every pulled record keeps a snapshot of the values last agreed with Xero
(``xd_link.snapshot``). When a record comes back from Xero, or when the CRM
row is looked at between pulls, each mapped column is judged from three
values: ``base`` (the snapshot), ``crm`` (the row as it is now) and ``xero``
(Xero's value as newly mapped; between pulls, the snapshot again).

The roles of the columns (``RULES``):

- ``sendable``: owned by Xero and writable through its API (names, address,
  phones, email, prices, descriptions…). A CRM edit is reported and can be
  sent to Xero.
- ``xero_only``: owned by Xero but read-only through its API (a contact's
  website and discount). A CRM edit is reported; only Xero can change it.
- ``derived``: what the engine derives (ids, balances, on-stop, flags, stock,
  timestamps). Xero's value is written; these never conflict.

The decision for a Xero-owned field is an ordered list; the first rule that
holds wins:

1. ``crm == xero``: nothing to do (``SAME``; both sides may have made the same edit).
2. ``crm == base``: only Xero changed it: write Xero's value (``TAKE_XERO``).
3. ``xero == base``: only the CRM changed it: keep the CRM's value and report
   it (``CRM_EDIT``); the snapshot keeps Xero's.
4. otherwise both changed it differently: Xero wins by default and the three
   values are shown side by side (``CONFLICT``).

Without a base (a new record, or one the CRM pushed and no pull has seen yet)
Xero's values are taken as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

__all__ = [
    "RULES",
    "FieldDiff",
    "FieldRole",
    "FieldRule",
    "Verdict",
    "classify",
    "comparable",
    "diff_record",
    "xero_owned",
]


class FieldRole(StrEnum):
    SENDABLE = "sendable"
    XERO_ONLY = "xero_only"
    DERIVED = "derived"


class Verdict(StrEnum):
    SAME = "same"
    TAKE_XERO = "take_xero"
    CRM_EDIT = "crm_edit"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class FieldRule:
    role: FieldRole
    #: how values compare: ``text`` (blank is none), ``money`` (as numbers), ``flag``
    kind: str = "text"
    #: changes of the field go to the audit trail (not Xero's timestamps)
    audited: bool = True


_S = FieldRule(FieldRole.SENDABLE)
_S_MONEY = FieldRule(FieldRole.SENDABLE, "money")
_X = FieldRule(FieldRole.XERO_ONLY)
_X_MONEY = FieldRule(FieldRole.XERO_ONLY, "money")
_D = FieldRule(FieldRole.DERIVED)
_D_MONEY = FieldRule(FieldRole.DERIVED, "money")
_D_FLAG = FieldRule(FieldRole.DERIVED, "flag")
_STAMP = FieldRule(FieldRole.DERIVED, audited=False)

_ADDRESS = {f"address_line{n}": _S for n in range(1, 6)} | {"country": _S, "postcode": _S}

#: entity → snapshot part (the CRM table) → column → rule
RULES: dict[str, dict[str, dict[str, FieldRule]]] = {
    "contacts": {
        "company": {
            "name": _S,
            "company_type": _D,
            "phone": _S,
            "fax": _S,
            "email": _S,
            "website": _X,
            "xero_contact_id": _D,
        },
        "sales_ledger": {
            "sales_ledger_id": _D,
            "account_number": _S,
            "display_description": _D,
            "name": _S,
            "phone": _S,
            "fax": _S,
            "email": _S,
            **_ADDRESS,
            "currency_code": _S,
            "tax_type": _S,
            "vat_number": _S,
            "overall_discount": _X_MONEY,
            "on_stop": _D_FLAG,
            "balance_outstanding": _D_MONEY,
            "balance_overdue": _D_MONEY,
            "origin": _D,
            "xero_updated_at": _STAMP,
        },
        "purchase_ledger": {
            "purchase_ledger_id": _D,
            "name": _S,
            "phone": _S,
            "fax": _S,
            "email": _S,
            "website": _X,
            **_ADDRESS,
            "currency_code": _S,
            "xero_updated_at": _STAMP,
        },
        "contact": {
            "first_name": _S,
            "last_name": _S,
            "email": _S,
            "phone": _S,
            "is_primary": _D_FLAG,
            "xero_contact_id": _D,
        },
    },
    "items": {
        "product": {
            "product_item_id": _D,
            "description": _S,
            "extended_description": _S,
            "sell_price": _S_MONEY,
            "cost_price": _S_MONEY,
            "sales_analysis": _S,
            "purchase_analysis": _S,
            "vat_code": _S,
            "stocked": _D_FLAG,
            "sellable": _D_FLAG,
            "obsolete": _D_FLAG,
            "xero_item_id": _D,
            "origin": _D,
            "xero_updated_at": _STAMP,
        },
    },
}


def xero_owned(rule: FieldRule) -> bool:
    return rule.role is not FieldRole.DERIVED


def comparable(kind: str, value: Any) -> Any:
    """A value in the form two sides compare in: text stripped (blank is none),
    money as a normalised Decimal (``12.5`` == ``12.5000``), flags as bools."""
    if value is None:
        return None
    if kind == "money":
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except InvalidOperation:
            return str(value).strip() or None
        return number.normalize() if number else Decimal(0)
    if kind == "flag":
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes")
        return bool(value)
    text = str(value).strip()
    return text or None


def classify(base: Any, crm: Any, xero: Any, *, has_base: bool = True) -> Verdict:
    """The ordered decision for one Xero-owned field (values already ``comparable``)."""
    if crm == xero:
        return Verdict.SAME
    if not has_base or crm == base:
        return Verdict.TAKE_XERO
    if xero == base:
        return Verdict.CRM_EDIT
    return Verdict.CONFLICT


@dataclass(frozen=True)
class FieldDiff:
    """One column of one record where the CRM row differs from Xero's value."""

    part: str
    column: str
    rule: FieldRule
    verdict: Verdict
    #: the values as stored (snapshot text, CRM row value, Xero's mapped value)
    base: Any
    crm: Any
    xero: Any

    @property
    def name(self) -> str:
        return f"{self.part}.{self.column}"

    @property
    def written(self) -> bool:
        """The sync writes Xero's value over the CRM's."""
        return self.verdict in (Verdict.TAKE_XERO, Verdict.CONFLICT)


Parts = Mapping[str, Mapping[str, Any] | None]


#: entity → part → its columns and rules, all of them / the Xero-owned only
_COLUMNS = {e: {p: list(c.items()) for p, c in parts.items()} for e, parts in RULES.items()}
_OWNED = {
    e: {p: [(n, r) for n, r in c.items() if xero_owned(r)] for p, c in parts.items()}
    for e, parts in RULES.items()
}


def diff_record(
    entity: str, base: Parts | None, crm: Parts, xero: Parts, *, between_pulls: bool = False
) -> list[FieldDiff]:
    """Every column of a linked record whose CRM value is not Xero's, judged.

    ``base`` is the snapshot (None or empty: no base), ``crm`` the CRM rows by
    part (a missing row is skipped: the pull creates it), ``xero`` the newly
    mapped values by part. ``between_pulls`` judges only Xero-owned columns
    (``xero`` is then the snapshot itself: derived columns are not looked at).
    """
    diffs: list[FieldDiff] = []
    for part, columns in (_OWNED if between_pulls else _COLUMNS)[entity].items():
        crm_row, xero_row = crm.get(part), xero.get(part)
        if crm_row is None or xero_row is None:
            continue
        base_row = base.get(part) if base else None
        for column, rule in columns:
            if column not in xero_row or column not in crm_row:
                continue
            crm_value, xero_value = crm_row[column], xero_row[column]
            if crm_value == xero_value:
                continue  # equal as stored: equal as compared (most columns, most records)
            diff = _judge(part, column, rule, base_row, crm_value, xero_value)
            if diff is not None:
                diffs.append(diff)
    return diffs


def _judge(
    part: str,
    column: str,
    rule: FieldRule,
    base_row: Mapping[str, Any] | None,
    crm_value: Any,
    xero_value: Any,
) -> FieldDiff | None:
    crm = comparable(rule.kind, crm_value)
    xero = comparable(rule.kind, xero_value)
    has_base = base_row is not None and column in base_row
    base_value = base_row.get(column) if base_row is not None else None
    if xero_owned(rule):
        base = comparable(rule.kind, base_value)
        verdict = classify(base, crm, xero, has_base=has_base)
    else:
        verdict = Verdict.SAME if crm == xero else Verdict.TAKE_XERO
    if verdict is Verdict.SAME:
        return None
    return FieldDiff(part, column, rule, verdict, base_value, crm_value, xero_value)
