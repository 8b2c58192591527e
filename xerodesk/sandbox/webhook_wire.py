"""What a webhook delivery looks like on the wire, as Xero sends it.

Sources:

- the body and each event: Xero's webhooks OpenAPI description, vendored at
  third_party/xero-openapi/xero-webhooks.yaml (XeroAPI/Xero-OpenAPI 16.1.0):
  ``{"events": [...], "firstEventSequence", "lastEventSequence", "entropy"}``;
  each event names the record (``resourceUrl``, ``resourceId``, never the
  record itself), ``eventDateUtc`` (UTC *without* an offset, to the
  millisecond, as in the spec's examples: "2024-06-21T01:15:39.902"),
  ``eventType`` CREATE or UPDATE ("including when they are archived"),
  ``eventCategory``, ``tenantId`` and ``tenantType`` ORGANISATION; credit
  note events add ``data: {"Type", "Status"}`` (CreditNoteWebhookEvent). The
  spec's credit note example shows the entropy as 20 upper-case letters.
- the signature: ``x-xero-signature`` is the base64 of the HMAC-SHA256 of the
  raw body with the webhook key (xero-webhooks.yaml, components.headers, and
  developer.xero.com/documentation/webhooks/configuring-your-server).
- intent to receive: the same page; every validation request looks like
  ``{"events": [], "lastEventSequence": 0, "firstEventSequence": 0,
  "entropy": ...}``. Sequence 0 breaks the schema's ``minimum: 1``; the page
  shows it so, and the sandbox sends it so.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import string
from datetime import UTC, datetime
from typing import Any

from xerodesk.sandbox.changes import Change

# The resource URLs name Xero's own API, as Xero's do (the spec's examples):
# a receiver reads the record by resourceId from wherever it talks to Xero.
XERO_API = "https://api.xero.com/api.xro/2.0"
SIGNATURE_HEADER = "x-xero-signature"
ENTROPY_LENGTH = 20


def event_date(at: datetime) -> str:
    """``eventDateUtc``: UTC without an offset, milliseconds."""
    moment = at.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def event_of(change: Change) -> dict[str, Any]:
    """One event of a delivery body, for a committed change."""
    event: dict[str, Any] = {
        "resourceUrl": f"{XERO_API}/{change.collection}/{change.resource_id}",
        "resourceId": change.resource_id,
        "eventDateUtc": event_date(change.at),
        "eventType": "CREATE" if change.created else "UPDATE",
        "eventCategory": change.category,
        "tenantId": change.tenant_id,
        "tenantType": "ORGANISATION",
    }
    if change.data is not None:
        event["data"] = dict(change.data)
    return event


def entropy(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(ENTROPY_LENGTH))


def body_bytes(events: list[dict[str, Any]], first: int, last: int, noise: str) -> bytes:
    """The raw JSON a delivery carries (and its signature covers)."""
    body = {
        "events": events,
        "firstEventSequence": first,
        "lastEventSequence": last,
        "entropy": noise,
    }
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def intent_body(noise: str) -> bytes:
    """One intent-to-receive request: no events, sequences 0 (see above)."""
    return body_bytes([], 0, 0, noise)


def sign(body: bytes, key: str) -> str:
    digest = hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def headers_for(signature: str) -> dict[str, str]:
    return {"Content-Type": "application/json", SIGNATURE_HEADER: signature}
