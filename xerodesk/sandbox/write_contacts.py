"""PUT/POST of contacts.

POST matches an existing contact by ``ContactID``, then ``ContactNumber``,
then (store option ``contact_upsert_by_name``) the active contact of the same
name; PUT always creates. ``ContactNumber`` is writable only here, as in Xero.
Read-only fields (``IsCustomer``, ``IsSupplier``, ``Balances``, ``Discount``,
``Website``, ``MergedToContactID``…) are ignored. Addresses and phones sent
on an update replace the slot of their type.
"""

from __future__ import annotations

from xerodesk.sandbox.fields import CONTACTS
from xerodesk.sandbox.orgcore import OrgCore
from xerodesk.sandbox.records import (
    ADDRESS_TYPES,
    PHONE_TYPES,
    contact_shape,
    empty_address,
    empty_phone,
    merge_slots,
    stamp,
)
from xerodesk.sandbox.write_common import (
    Record,
    Result,
    WriteRequest,
    canonical_keys,
    echo,
    tax_problem,
    text,
    with_id,
)

READ_ONLY = frozenset(
    {
        "IsCustomer",
        "IsSupplier",
        "Balances",
        "Discount",
        "Website",
        "MergedToContactID",
        "UpdatedDateUTC",
        "HasAttachments",
        "Attachments",
        "HasValidationErrors",
        "ValidationErrors",
        "StatusAttributeString",
        "Warnings",
        "ContactGroups",
    }
)
STATUSES = ("ACTIVE", "ARCHIVED", "GDPRREQUEST")


def duplicate_name(name: str) -> str:
    return (
        f"The contact name {name} is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    )


def active_named(store: OrgCore, name: str, other_than: str | None = None) -> str | None:
    """The id of an active contact called ``name`` (ignoring case)."""
    wanted = name.strip().casefold()
    collection = store.collection(CONTACTS)
    for entry in collection:
        if entry.key == other_than:
            continue
        if collection.value(entry, "ContactStatus") != "ACTIVE":
            continue
        if str(collection.value(entry, "Name") or "").strip().casefold() == wanted:
            return entry.key
    return None


def _existing(store: OrgCore, data: Record, request: WriteRequest) -> tuple[Record | None, str]:
    """The contact an element updates (None: a new one) or an error message."""
    if request.path_id:
        return store.record(CONTACTS, request.path_id), ""
    if request.create_only:
        return None, ""
    contact_id = text(data.get("ContactID"))
    if contact_id:
        found = store.record(CONTACTS, contact_id)
        return found, "" if found else f"Contact with ContactID {contact_id} could not be found."
    number = text(data.get("ContactNumber"))
    entry = store.collection(CONTACTS).find_number(number) if number else None
    if entry is not None:
        return entry.record(), ""
    name = text(data.get("Name"))
    if name and store.options.contact_upsert_by_name:
        key = active_named(store, name)
        if key is not None:
            return store.record(CONTACTS, key), ""
    return None, ""


def _validate(store: OrgCore, data: Record, existing: Record | None) -> list[str]:
    errors: list[str] = []
    name = text(data["Name"]) if "Name" in data else text((existing or {}).get("Name"))
    if not name:
        errors.append("Contact Name cannot be empty.")
    status = data.get("ContactStatus", (existing or {}).get("ContactStatus", "ACTIVE"))
    if status not in STATUSES:
        errors.append(f"The ContactStatus {status} is not valid.")
    elif name and status == "ACTIVE":
        own = str(existing["ContactID"]).lower() if existing else None
        if active_named(store, name, other_than=own) is not None:
            errors.append(duplicate_name(name))
    rates = store.tax_rates()
    for field in ("AccountsReceivableTaxType", "AccountsPayableTaxType"):
        code = text(data.get(field))
        if code and (rates.get(code) or {}).get("Status") != "ACTIVE":
            errors.append(tax_problem(code))
    return errors


def _merge(existing: Record | None, data: Record, new_id: str) -> Record:
    record: Record = dict(existing) if existing else {"ContactID": new_id}
    for key, value in data.items():
        if key in READ_ONLY or key == "ContactID":
            continue
        if key == "Addresses":
            record[key] = merge_slots(
                record.get(key) or [], value, "AddressType", ADDRESS_TYPES, empty_address
            )
        elif key == "Phones":
            record[key] = merge_slots(
                record.get(key) or [], value, "PhoneType", PHONE_TYPES, empty_phone
            )
        elif isinstance(value, str):
            record[key] = value.strip() if key == "Name" else value
        elif value is not None:
            record[key] = value
    return record


def write_contact(store: OrgCore, element: Record, request: WriteRequest) -> Result:
    data = canonical_keys(element, CONTACTS)
    existing, problem = _existing(store, data, request)
    errors = [problem] if problem else _validate(store, data, existing)
    if errors:
        return Result(
            echo=echo(CONTACTS, with_id(CONTACTS, data, existing), errors, {}), errors=errors
        )
    now = store.now()
    record = contact_shape(_merge(existing, data, store.new_id()), now)
    stamp(record, now, iso_string=False)
    store.save(CONTACTS, record)
    return Result(echo=data, key=str(record["ContactID"]))
