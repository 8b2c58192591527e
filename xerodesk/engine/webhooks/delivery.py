"""A webhook delivery from Xero: its signature checked, then its events read.

Xero signs each delivery: the header ``x-xero-signature`` is the base64 of
the HMAC-SHA256 of the raw body bytes, keyed with the app's webhooks key
(developer.xero.com/documentation/webhooks/configuring-your-server). Nothing
here parses a body whose signature has not matched.

A delivery body, as third_party/xero-openapi/xero-webhooks.yaml describes it::

    {"events": [...], "firstEventSequence": 76, "lastEventSequence": 76,
     "entropy": "FXNGWLCCGVANWHKILRUB"}

and each event: ``resourceUrl``, ``resourceId`` (a uuid), ``eventDateUtc``
(UTC without an offset, e.g. "2024-06-21T01:15:39.902"), ``eventType``
(CREATE or UPDATE), ``eventCategory`` (CONTACT, INVOICE, CREDITNOTE or
SUBSCRIPTION), ``tenantId`` and ``tenantType`` (ORGANISATION or APPLICATION).
Xero's "intent to receive" check sends bodies with no events.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from xerodesk.credentials import Secret
from xerodesk.store.webhook_events import CATEGORIES, AnnouncedChange

__all__ = ["Delivery", "UnreadableDelivery", "read_delivery", "sign", "signature_matches"]

#: an event type as Xero writes one (CREATE, UPDATE; a later one is kept too)
_EVENT_TYPE = re.compile(r"[A-Z][A-Z_]{0,63}")


class UnreadableDelivery(ValueError):
    """A signed body that is not a delivery in Xero's format (the message says how)."""


@dataclass(frozen=True)
class Delivery:
    """What a verified delivery announces for the connected organisation."""

    changes: tuple[AnnouncedChange, ...]
    #: the delivery's lastEventSequence (None when it has none)
    sequence: int | None
    #: events of another organisation (or of the app itself), not kept
    other_tenant: int = 0
    #: events of categories the sync does not keep, by category
    other_category: Counter[str] = field(default_factory=Counter)
    #: events that do not fit Xero's format
    unfit: int = 0

    @property
    def total(self) -> int:
        return (
            len(self.changes) + self.other_tenant + sum(self.other_category.values()) + self.unfit
        )


def sign(body: bytes, key: Secret) -> str:
    """The signature Xero puts in ``x-xero-signature`` for ``body``."""
    digest = hmac.new(key.reveal().encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(body: bytes, signature: str | None, key: Secret) -> bool:
    """True if ``signature`` is Xero's for ``body`` (compared in constant time)."""
    if not signature:
        return False
    expected = sign(body, key).encode("ascii")
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


def read_delivery(body: bytes, tenant_id: str) -> Delivery:
    """The events of a verified ``body`` that concern ``tenant_id``.

    Raises ``UnreadableDelivery`` when the body is not JSON or not a delivery
    at all; single events that do not fit are counted and left out.
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise UnreadableDelivery("the body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise UnreadableDelivery("the body has no list of events")
    sequence = data.get("lastEventSequence")
    changes: list[AnnouncedChange] = []
    other_tenant, unfit = 0, 0
    other_category: Counter[str] = Counter()
    tenant = tenant_id.strip().lower()
    for event in data["events"]:
        if not isinstance(event, dict) or not isinstance(event.get("tenantId"), str):
            unfit += 1
        elif event["tenantId"].strip().lower() != tenant:
            other_tenant += 1
        elif event.get("eventCategory") not in CATEGORIES:
            category = event.get("eventCategory")
            other_category[category[:32] if isinstance(category, str) else "?"] += 1
        elif (change := _change(event)) is None:
            unfit += 1
        else:
            changes.append(change)
    return Delivery(
        tuple(changes),
        sequence if type(sequence) is int else None,
        other_tenant,
        other_category,
        unfit,
    )


def _change(event: dict[str, Any]) -> AnnouncedChange | None:
    resource, kind = event.get("resourceId"), event.get("eventType")
    when = event.get("eventDateUtc")
    if not (isinstance(resource, str) and isinstance(kind, str) and isinstance(when, str)):
        return None
    if not _EVENT_TYPE.fullmatch(kind):
        return None
    try:
        resource_id = str(uuid.UUID(resource))
        at = datetime.fromisoformat(when)
    except ValueError:
        return None
    # eventDateUtc is UTC without an offset; one with an offset is taken as it says
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return AnnouncedChange(str(event["eventCategory"]), resource_id, kind, at)
