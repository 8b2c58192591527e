"""Collection GETs: query parameters, filtering, ordering and paging.

- ``page``/``pageSize``: pages of ``pageSize`` (default 100, clamped to
  1..1000, with a ``Warnings`` entry when a larger size was asked for); a
  page past the end is empty; without ``page`` everything comes
  back (in the ``LIST`` view). Endpoints Xero does not page ignore both.
- ``If-Modified-Since``: records whose ``UpdatedDateUTC`` is after the header
  time cut to the second (Xero compares at one-second precision), on the
  endpoints that support it (not TaxRates, Currencies, Organisation).
- ``where``, ``order`` (see ``query``), ``IDs``, ``ContactIDs``,
  ``InvoiceNumbers``, ``Statuses``, ``searchTerm``, ``includeArchived``
  (Contacts hide ARCHIVED without it), ``summaryOnly``, ``unitdp``;
  purchase orders take ``Status``, ``DateFrom`` and ``DateTo`` and no ``where``.
- The default order is ``UpdatedDateUTC`` then creation, so an edited record
  moves to the end, as it does in Xero (page-number paging over a moving
  order can skip records; the churn fault relies on it).

Filtered results are cached per store version, so walking the pages of one
query costs one filter pass.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xerodesk.sandbox import wire
from xerodesk.sandbox.collection import (
    Collection,
    Entry,
    field_type,
    lookup,
    typed,
    updated_of,
)
from xerodesk.sandbox.fields import (
    CONTACTS,
    CREDIT_NOTES,
    INVOICES,
    PURCHASE_ORDERS,
    TAX_RATES,
    Kind,
)
from xerodesk.sandbox.orgcore import OrgCore
from xerodesk.sandbox.query import (
    Getter,
    OrderKey,
    Predicate,
    QueryError,
    compile_where,
    parse_order,
    sort_key,
)
from xerodesk.sandbox.views import Mode, View

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
SEARCH_FIELDS = {
    CONTACTS.name: ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress"),
    INVOICES.name: ("InvoiceNumber", "Reference"),
}


@dataclass(frozen=True)
class ListQuery:
    """A parsed collection GET; ``key`` identifies its filter for caching."""

    page: int | None
    page_size: int
    view: View
    key: tuple[Any, ...]
    where: Predicate | None
    order: tuple[OrderKey, ...]
    modified_after_ms: int | None
    warnings: tuple[str, ...] = ()


def _csv(value: str | None) -> set[str] | None:
    if value is None:
        return None
    items = {part.strip().strip('"').strip("'").lower() for part in value.split(",")}
    return {item for item in items if item}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _integer(value: str | None, default: int) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return default


def _params(params: Mapping[str, str]) -> dict[str, str]:
    """Query parameters by lower-cased name (Xero ignores their case)."""
    return {name.lower(): value for name, value in params.items()}


def parse_list_query(
    kind: Kind, params: Mapping[str, str], modified_since: str | None
) -> ListQuery:
    """Read a collection GET's parameters; raises QueryError for Xero's 400s."""
    p = _params(params)
    page = _integer(p["page"], 1) if kind.paged and "page" in p else None
    size = _integer(p.get("pagesize"), DEFAULT_PAGE_SIZE) if kind.paged else 0
    page_size = min(max(size, 1), MAX_PAGE_SIZE) if kind.paged else 0
    summary = _flag(p.get("summaryonly"))
    view = View(
        Mode.PAGE if page is not None else Mode.LIST,
        summary_only=summary,
        unit_places=4 if p.get("unitdp", "").strip() == "4" else 2,
    )
    where_text = p.get("where") if kind is not PURCHASE_ORDERS else None
    where = compile_where(kind, where_text) if where_text and where_text.strip() else None
    order = tuple(parse_order(kind, p["order"])) if p.get("order", "").strip() else ()
    since = wire.parse_if_modified_since(modified_since) if kind.modified_since else None
    since_ms = wire.to_ms(since.replace(microsecond=0)) if since else None
    filters = _filters(kind, p)
    warnings: tuple[str, ...] = ()
    if kind.paged and page is not None and size > MAX_PAGE_SIZE:
        warnings = (f"The page size was reduced to the maximum of {MAX_PAGE_SIZE}.",)
    key = (kind.name, where_text, p.get("order"), since_ms, summary, tuple(sorted(filters.items())))
    return ListQuery(
        page=max(page, 1) if page is not None else None,
        page_size=page_size,
        view=view,
        key=key,
        where=where,
        order=order,
        modified_after_ms=since_ms,
        warnings=warnings,
    )


def _filters(kind: Kind, p: dict[str, str]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for name in ("ids", "contactids", "invoicenumbers", "statuses"):
        values = _csv(p.get(name))
        if values is not None:
            filters[name] = frozenset(values)
    if kind is CONTACTS:
        filters["archived"] = _flag(p.get("includearchived"))
    if p.get("searchterm", "").strip() and kind.name in SEARCH_FIELDS:
        filters["search"] = p["searchterm"].strip().casefold()
    if kind is PURCHASE_ORDERS:
        if p.get("status", "").strip():
            filters["status"] = p["status"].strip().upper()
        for name in ("datefrom", "dateto"):
            moment = wire.day_of(p.get(name, ""))
            if p.get(name, "").strip() and moment is None:
                raise QueryError(f"{name} is not a valid date")
            if moment is not None:
                filters[name] = moment
    return filters


class Accessor:
    """Field values of one entry for ``where``/``order``: from the index when
    kept there, a document's ``Contact.*`` from its contact, else from the
    decoded record (decoded at most once)."""

    def __init__(self, store: OrgCore, collection: Collection, entry: Entry) -> None:
        self.store = store
        self.collection = collection
        self.entry = entry
        self._record: dict[str, Any] | None = None

    def __call__(self, path: str) -> Any:
        kind = self.collection.kind
        if path == kind.key:
            return self.entry.key
        if path in kind.index:
            return self.entry.index[kind.index.index(path)]
        if path == "UpdatedDateUTC" and self.entry.updated:
            # kept on the entry: the default walk order of every paged list
            # then sorts without decoding each record
            return updated_of(self.entry)
        if path.startswith("Contact.") and kind in (INVOICES, CREDIT_NOTES, PURCHASE_ORDERS):
            contacts = self.store.collection(CONTACTS)
            contact = contacts.get(str(self("Contact.ContactID") or ""))
            if contact is not None:
                return contacts.value(contact, path[len("Contact.") :])
        if self._record is None:
            self._record = self.entry.record()
        return typed(field_type(kind, path), lookup(self._record, path))


def _matches(kind: Kind, filters: dict[str, Any], get: Getter) -> bool:
    checks: list[tuple[str, str]] = [
        ("ids", kind.key),
        ("contactids", "Contact.ContactID"),
        ("invoicenumbers", "InvoiceNumber"),
        ("statuses", "ContactStatus" if kind is CONTACTS else "Status"),
    ]
    for name, path in checks:
        wanted = filters.get(name)
        if wanted is not None and str(get(path) or "").lower() not in wanted:
            return False
    if kind is CONTACTS and not filters.get("archived") and get("ContactStatus") == "ARCHIVED":
        return False
    search = filters.get("search")
    if search and not any(search in str(get(f) or "").casefold() for f in SEARCH_FIELDS[kind.name]):
        return False
    if filters.get("hide_deleted") and get("Status") == "DELETED":
        return False
    if "status" in filters and get("Status") != filters["status"]:
        return False
    date = get("Date") if "datefrom" in filters or "dateto" in filters else None
    if "datefrom" in filters and (date is None or date < filters["datefrom"]):
        return False
    return not ("dateto" in filters and (date is None or date > filters["dateto"]))


def select(store: OrgCore, kind: Kind, query: ListQuery) -> list[Entry]:
    """Every entry the query matches, in order (cached per store version)."""
    with store.lock:
        cache: OrderedDict[tuple[Any, ...], list[Entry]] = store.query_cache
        stamp = (store.version, store.options.list_deleted_tax_rates, *query.key)
        if stamp in cache:
            cache.move_to_end(stamp)
            return cache[stamp]
        collection = store.collection(kind)
        base = (
            collection.ordered()
            if kind.paged or kind.modified_since
            else (collection.in_insertion_order())
        )
    filters = dict(query.key[-1])
    if kind is TAX_RATES and not store.options.list_deleted_tax_rates:
        filters["hide_deleted"] = True
    chosen: list[Entry] = []
    for entry in base:
        if query.modified_after_ms is not None and entry.updated <= query.modified_after_ms:
            continue
        get = Accessor(store, collection, entry)
        if filters and not _matches(kind, filters, get):
            continue
        if query.where is not None and not query.where(get):
            continue
        chosen.append(entry)
    for order in reversed(query.order):
        path = order.path

        def by_field(entry: Entry, path: str = path) -> tuple[int, Any]:
            return sort_key(Accessor(store, collection, entry)(path))

        chosen.sort(key=by_field, reverse=order.descending)
    with store.lock:
        cache[stamp] = chosen
        while len(cache) > 16:
            cache.popitem(last=False)
    return chosen


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    pagination: dict[str, int] | None


def page_of(entries: list[Entry], query: ListQuery) -> Page:
    if query.page is None:
        return Page(entries, None)
    start = (query.page - 1) * query.page_size
    pagination = {
        "page": query.page,
        "pageSize": query.page_size,
        "pageCount": math.ceil(len(entries) / query.page_size),
        "itemCount": len(entries),
    }
    return Page(entries[start : start + query.page_size], pagination)
