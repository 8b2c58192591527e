"""What every PUT/POST shares: element results, key spelling, error echoes,
and running a batch the way Xero does (``summarizeErrors``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xerodesk.sandbox import wire
from xerodesk.sandbox.fields import CONTACTS, INVOICES, ITEMS, Kind
from xerodesk.sandbox.orgcore import OrgCore

Record = dict[str, Any]
ZERO_ID = "00000000-0000-0000-0000-000000000000"


@dataclass
class Result:
    """One element of a batch: saved (``key``) or refused (``errors``)."""

    echo: Record
    key: str | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    line_errors: dict[int, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class WriteRequest:
    """How a batch was sent: PUT creates only; POST creates or updates;
    ``path_id`` is the ``{id}`` of ``POST /{Entity}/{id}``."""

    create_only: bool
    path_id: str | None = None
    allow_backorders: bool = False


Writer = Callable[[OrgCore, Record, WriteRequest], Result]


def canonical_keys(element: Record, kind: Kind) -> Record:
    """Top-level keys in Xero's spelling (its JSON reader ignores case)."""
    result: Record = {}
    for key, value in element.items():
        result[kind.canonical(key) or key] = value
    return result


def tax_problem(code: str) -> str:
    """Xero's refusal of a tax type that is unknown, retired or not for this use."""
    return f"The TaxType code {code} does not exist or cannot be used for this type of transaction."


def text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def echo(
    kind: Kind, element: Record, errors: list[str], line_errors: dict[int, list[str]]
) -> Record:
    """The element as Xero echoes a refused one: as sent, with its id (zeros
    when new), empty ``ValidationErrors`` on sub-objects and its messages."""
    result = dict(element)
    result[kind.key] = result.get(kind.key) or ZERO_ID
    for key in ("Addresses", "Phones"):
        if isinstance(result.get(key), list):
            result[key] = [_with_errors(x, []) for x in result[key] if isinstance(x, dict)]
    terms = result.get("PaymentTerms")
    if isinstance(terms, dict):
        result["PaymentTerms"] = {k: _with_errors(v, []) for k, v in terms.items()}
    if isinstance(result.get("LineItems"), list):
        result["LineItems"] = [
            _with_errors(line, line_errors.get(n, []))
            for n, line in enumerate(result["LineItems"])
            if isinstance(line, dict)
        ]
    if kind is INVOICES and isinstance(result.get("Contact"), dict):
        contact = dict(result["Contact"])
        contact.setdefault("HasValidationErrors", False)
        result["Contact"] = _with_errors(contact, [])
    if kind is CONTACTS:
        result["HasValidationErrors"] = True
    elif kind is INVOICES:
        result["HasErrors"] = True
    result["ValidationErrors"] = [{"Message": m} for m in errors]
    return result


def with_id(kind: Kind, data: Record, existing: Record | None) -> Record:
    """``data`` with the id of the record it updates (for error echoes)."""
    if existing is None or not existing.get(kind.key):
        return data
    return {kind.key: existing[kind.key], **{k: v for k, v in data.items() if k != kind.key}}


def _with_errors(value: Any, messages: list[str]) -> Any:
    if not isinstance(value, dict):
        return value
    return {**value, "ValidationErrors": [{"Message": m} for m in messages]}


def run_batch(
    store: OrgCore,
    kind: Kind,
    elements: list[Any],
    request: WriteRequest,
    writer: Writer,
    *,
    summarize: bool,
) -> list[Result]:
    """Write every element in order. When ``summarize`` (Xero's default) and
    any element fails, the good ones stay saved only if the store's
    ``save_valid_on_error`` option says so."""
    results: list[Result] = []
    with store.transaction() as rollback:
        for element in elements:
            if not isinstance(element, dict):
                results.append(Result(echo={}, errors=[f"A {kind.name[:-1]} must be an object"]))
                continue
            results.append(writer(store, wire.normalise(element), request))
        failed = any(not r.ok for r in results)
        if failed and summarize and not store.options.save_valid_on_error:
            rollback()
    return results


def item_by_code(store: OrgCore, code: str) -> Record | None:
    entry = store.collection(ITEMS).find_number(code)
    return entry.record() if entry is not None else None
