"""Xero's webhook deliveries as Xero sends them, signed here independently of xerodesk."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from tests.contract.spec import webhook_problems

TENANT = "aef86862-2015-4b6b-88bc-d89032cecc50"
OTHER_TENANT = "0c0a6b9e-7f1a-4bd0-9d3c-5a1f7e2d9b11"
KEY = "Wx1dE0lbHCyTnAUbq5m9QWqN3jXo8GUp7Zr2Lh4Ks6Vt0Yc1Bf8Md3Ja5Pe9Rg2Sn7Ui4Oh6Tk0Wl3Xq8Zv1Ay5Cb=="


def signature(body: bytes, key: str = KEY) -> str:
    """base64(HMAC-SHA256(body, key)): Xero's ``x-xero-signature``."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def signed(body: bytes, key: str = KEY) -> dict[str, str]:
    return {"x-xero-signature": signature(body, key), "content-type": "application/json"}


def event(
    category: str,
    resource_id: str,
    *,
    event_type: str = "UPDATE",
    at: str = "2024-06-21T01:15:39.902",
    tenant: str = TENANT,
) -> dict[str, Any]:
    paths = {"CONTACT": "Contacts", "INVOICE": "Invoices", "CREDITNOTE": "CreditNotes"}
    return {
        "resourceUrl": f"https://api.xero.com/api.xro/2.0/{paths.get(category, 'X')}/{resource_id}",
        "resourceId": resource_id,
        "eventDateUtc": at,
        "eventType": event_type,
        "eventCategory": category,
        "tenantId": tenant,
        "tenantType": "ORGANISATION",
    }


def delivery(events: list[dict[str, Any]], sequence: int = 1, entropy: str = "FXNGWLCCGV") -> bytes:
    """A delivery body that Xero's published schema accepts."""
    body = {
        "events": events,
        "firstEventSequence": sequence,
        "lastEventSequence": sequence + max(0, len(events) - 1),
        "entropy": entropy,
    }
    assert webhook_problems(body) == [], webhook_problems(body)
    return json.dumps(body).encode()


def intent_to_receive(entropy: str) -> bytes:
    """One of the bodies of Xero's "intent to receive" check, as its documentation
    shows them (configuring-your-server): sequences of 0, which the schema's
    ``minimum: 1`` refuses; in all else the schema accepts them."""
    body = {"events": [], "lastEventSequence": 0, "firstEventSequence": 0, "entropy": entropy}
    assert webhook_problems(body) == [
        "lastEventSequence: 0 is less than the minimum of 1",
        "firstEventSequence: 0 is less than the minimum of 1",
    ]
    return json.dumps(body).encode()
