"""The sandbox's in-memory Xero organisation (one tenant).

``OrgStore(now)`` is what the rest of the sandbox uses: ``now`` is the
sandbox clock's ``now``. Besides loading and lookups (``orgcore.OrgCore``) it
offers the changes a user makes in Xero itself, for control endpoints, fault
injection and tests:

- ``edit`` changes fields and bumps ``UpdatedDateUTC``, like an edit in the UI;
- ``archive_contact``/``restore_contact``, ``merge_contacts`` (the loser is
  ARCHIVED with ``MergedToContactID`` and its documents move to the winner);
- ``set_contact_balances``/``set_contact_flags`` change ``Balances``,
  ``IsCustomer``, ``IsSupplier`` *without* bumping ``UpdatedDateUTC``, as Xero
  does when payments or documents change them;
- ``set_quantity_on_hand``, ``delete_item`` (a real delete), ``set_status``
  (void an invoice, pay it, delete a tax rate…);
- ``random_edit`` for "churn" between page requests.

Unknown records raise ``KeyError``; impossible values raise ``ValueError``.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from xerodesk.sandbox import wire
from xerodesk.sandbox.balances import balances
from xerodesk.sandbox.documents import refresh_document
from xerodesk.sandbox.fields import (
    CONTACTS,
    CREDIT_NOTES,
    DOCUMENT_KINDS,
    INVOICES,
    ITEMS,
    PURCHASE_ORDERS,
    TAX_RATES,
    Kind,
    kind_named,
)
from xerodesk.sandbox.orgcore import OrgCore, StoreOptions
from xerodesk.sandbox.records import contact_shape, item_shape, stamp
from xerodesk.sandbox.stock import move_stock, stock_changes

Record = dict[str, Any]

__all__ = ["OrgStore", "StoreOptions"]

STATUSES: dict[str, tuple[str, ...]] = {
    CONTACTS.name: ("ACTIVE", "ARCHIVED", "GDPRREQUEST"),
    INVOICES.name: ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"),
    CREDIT_NOTES.name: ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"),
    PURCHASE_ORDERS.name: ("DRAFT", "SUBMITTED", "AUTHORISED", "BILLED", "DELETED"),
    TAX_RATES.name: ("ACTIVE", "DELETED", "ARCHIVED", "PENDING"),
}


class OrgStore(OrgCore):
    """One Xero organisation in memory; see the module documentation."""

    def _existing(self, kind: Kind, record_id: str) -> Record:
        record = self.record(kind, record_id)
        if record is None:
            raise KeyError(f"no {kind.name} record {record_id}")
        return record

    def _finish(self, kind: Kind, record: Record, *, reprice: bool = False) -> Record:
        """Re-shape an edited record, stamp it and save it."""
        now = self.now()
        if kind is CONTACTS:
            record = contact_shape(record, now)
        elif kind is ITEMS:
            record = item_shape(record, now)
        elif kind in DOCUMENT_KINDS:
            return self._save_document(kind, record, reprice=reprice)
        if kind is not TAX_RATES:
            stamp(record, now, iso_string=False)
        self.save(kind, record)
        return record

    def _save_document(self, kind: Kind, record: Record, *, reprice: bool = False) -> Record:
        before = self.record(kind, str(record[kind.key]))
        record = refresh_document(kind, record, self.now(), self.rate_of, reprice=reprice)
        self.save(kind, record)
        if kind is INVOICES:
            move_stock(self, stock_changes(before, record))
        return record

    def edit(self, collection: str, record_id: str, changes: dict[str, Any]) -> Record:
        """Change fields as a user would in Xero (a value of None removes the
        field); totals follow the lines, ``UpdatedDateUTC`` moves to now."""
        kind = kind_named(collection)
        with self.lock:
            record = self._existing(kind, record_id)
            for key, value in wire.normalise(changes).items():
                if key == kind.key:
                    continue
                if value is None:
                    record.pop(key, None)
                else:
                    record[key] = value
            return self._finish(
                kind, record, reprice=bool({"LineItems", "LineAmountTypes"} & set(changes))
            )

    def archive_contact(self, contact_id: str) -> Record:
        return self.set_status(CONTACTS.name, contact_id, "ARCHIVED")

    def restore_contact(self, contact_id: str) -> Record:
        return self.set_status(CONTACTS.name, contact_id, "ACTIVE")

    def merge_contacts(self, loser_id: str, winner_id: str) -> Record:
        """Merge ``loser`` into ``winner``: the loser's documents move to the
        winner and the loser is ARCHIVED with ``MergedToContactID``."""
        with self.lock:
            loser = self._existing(CONTACTS, loser_id)
            winner = self._existing(CONTACTS, winner_id)
            if loser["ContactID"].lower() == winner["ContactID"].lower():
                raise ValueError("a contact cannot be merged into itself")
            for kind in DOCUMENT_KINDS:
                collection = self.collection(kind)
                moving = [
                    e.key
                    for e in collection
                    if collection.value(e, "Contact.ContactID") == loser["ContactID"].lower()
                ]
                for key in moving:
                    document = self._existing(kind, key)
                    document["Contact"] = {"ContactID": winner["ContactID"], "Name": winner["Name"]}
                    self._save_document(kind, document)
            loser = self._existing(CONTACTS, loser_id)
            loser["ContactStatus"] = "ARCHIVED"
            loser["MergedToContactID"] = winner["ContactID"]
            if loser.get("IsCustomer"):
                self.set_contact_flags(winner_id, is_customer=True)
            if loser.get("IsSupplier"):
                self.set_contact_flags(winner_id, is_supplier=True)
            return self._finish(CONTACTS, loser)

    def set_contact_balances(
        self,
        contact_id: str,
        *,
        ar_outstanding: Decimal | float | str | None = None,
        ar_overdue: Decimal | float | str | None = None,
        ap_outstanding: Decimal | float | str | None = None,
        ap_overdue: Decimal | float | str | None = None,
    ) -> Record:
        """Set a contact's ``Balances`` (unset parts keep their value) without
        bumping ``UpdatedDateUTC``."""
        with self.lock:
            record = self._existing(CONTACTS, contact_id)
            current = record.get("Balances") or {}
            ar = current.get("AccountsReceivable") or {}
            ap = current.get("AccountsPayable") or {}

            def pick(given: Any, old: Any) -> Decimal:
                value = wire.to_decimal(given if given is not None else old)
                return value if value is not None else Decimal(0)

            record["Balances"] = balances(
                pick(ar_outstanding, ar.get("Outstanding")),
                pick(ar_overdue, ar.get("Overdue")),
                pick(ap_outstanding, ap.get("Outstanding")),
                pick(ap_overdue, ap.get("Overdue")),
            )
            self.save(CONTACTS, record, announce=False)  # no bump, no webhook (OrgCore.save)
            return record

    def set_contact_flags(
        self, contact_id: str, *, is_customer: bool | None = None, is_supplier: bool | None = None
    ) -> Record:
        """Set ``IsCustomer``/``IsSupplier`` without bumping ``UpdatedDateUTC``."""
        with self.lock:
            record = self._existing(CONTACTS, contact_id)
            if is_customer is not None:
                record["IsCustomer"] = is_customer
            if is_supplier is not None:
                record["IsSupplier"] = is_supplier
            self.save(CONTACTS, record, announce=False)  # no bump, no webhook (OrgCore.save)
            return record

    def set_quantity_on_hand(
        self, item_id: str, quantity: Decimal | float | str, *, bump: bool = True
    ) -> Record:
        """Stock moved in Xero: a tracked item's ``QuantityOnHand`` (and its
        average-cost ``TotalCostPool``) change and ``UpdatedDateUTC`` moves,
        unless ``bump`` is false (stock a modified-since read cannot see)."""
        with self.lock:
            record = self._existing(ITEMS, item_id)
            if not record.get("IsTrackedAsInventory"):
                raise ValueError("only tracked items have a quantity on hand")
            new = wire.to_decimal(quantity)
            if new is None:
                raise ValueError(f"not a quantity: {quantity!r}")
            old = wire.to_decimal(record.get("QuantityOnHand")) or Decimal(0)
            pool = wire.to_decimal(record.get("TotalCostPool")) or Decimal(0)
            unit = (
                pool / old
                if old
                else wire.to_decimal((record.get("PurchaseDetails") or {}).get("UnitPrice"))
                or Decimal(0)
            )
            record["QuantityOnHand"] = wire.quantize(new, 4)
            record["TotalCostPool"] = wire.money(unit * new)
            if not bump:
                self.save(ITEMS, record)
                return record
            return self._finish(ITEMS, record)

    def delete_item(self, item_id: str) -> bool:
        """Delete an item for good (Xero's items have no deleted status)."""
        return self.delete(ITEMS, item_id)

    def set_status(self, collection: str, record_id: str, status: str) -> Record:
        """Change a record's status as Xero would (VOIDED and DELETED documents
        owe nothing; PAID pays what is due today), bumping ``UpdatedDateUTC``."""
        kind = kind_named(collection)
        allowed = STATUSES.get(kind.name)
        if allowed is None or status not in allowed:
            raise ValueError(f"{status!r} is not a status of {kind.name}")
        with self.lock:
            record = self._existing(kind, record_id)
            if kind is CONTACTS:
                record["ContactStatus"] = status
            elif status == "PAID":
                self._pay_in_full(kind, record)
            else:
                record["Status"] = status
            return self._finish(kind, record)

    def _pay_in_full(self, kind: Kind, record: Record) -> None:
        today = wire.midnight(self.now().date())
        due_field = "AmountDue" if kind is INVOICES else "RemainingCredit"
        amount = wire.to_decimal(record.get(due_field)) or Decimal(0)
        if amount > 0:
            payment = {
                "PaymentID": self.new_id(),
                "Date": wire.ms_date(today),
                "Amount": wire.money(amount),
                "CurrencyRate": record.get("CurrencyRate", Decimal("1.000000")),
                "HasAccount": False,
                "HasValidationErrors": False,
            }
            record["Payments"] = [*(record.get("Payments") or []), payment]
            if kind is INVOICES:
                paid = wire.to_decimal(record.get("AmountPaid")) or Decimal(0)
                record["AmountPaid"] = wire.money(paid + amount)
        record["Status"] = "PAID"
        record["FullyPaidOnDate"] = wire.ms_date(today)

    def random_edit(self, rng: random.Random, collection: str) -> str:
        """Edit a random record of ``collection`` harmlessly (a reference, an
        email address…), bumping it to the end of the default order; returns
        its id. Raises KeyError when the collection is empty."""
        kind = kind_named(collection)
        with self.lock:
            keys = self.collection(kind).keys()
            if not keys or kind not in (CONTACTS, ITEMS, *DOCUMENT_KINDS):
                raise KeyError(f"no {kind.name} record to edit")
            key = keys[rng.randrange(len(keys))]
            tag = rng.randrange(1, 1_000_000)
            record = self._existing(kind, key)
            if kind is CONTACTS:
                changes: dict[str, Any] = {"EmailAddress": f"accounts{tag}@example.com"}
            elif kind is ITEMS:
                changes = {"Name": f"{str(record.get('Name', ''))[:40]} r{tag}"[-50:]}
            elif kind is PURCHASE_ORDERS:
                changes = {"DeliveryInstructions": f"Revision {tag}"}
            else:
                changes = {"Reference": f"Ref {tag}"}
            self.edit(kind.name, key, changes)
            return str(record[kind.key])
