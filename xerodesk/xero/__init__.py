"""The Xero API client: the only code that speaks HTTP to Xero.

Public interface:

- ``XeroClient``: paged reads as async iterators of ``Page``, batched writes
  with per-record ``RecordResult``, ``usage()`` snapshots, ``remaining_today()``
  and ``can_afford(n)``;
- ``open_client``: a ready client from the keyring or a custom connection;
- ``sign_in``, ``sign_out``: the PKCE sign-in through the system browser, and revoking it;
- ``OAuthTokens``, ``ClientCredentialsTokens``: token sources;
- ``XeroEndpoints``: Xero's URLs, or all of them under one sandbox base;
- ``idempotency_key``: a stable write key from a CRM record's identity.
"""

from xerodesk.xero.client import SALES_CREDIT_NOTES, SALES_INVOICES, XeroClient
from xerodesk.xero.clock import Clock, ManualClock, ScaledClock
from xerodesk.xero.connect import open_client
from xerodesk.xero.endpoints import (
    CONTACTS,
    CREDIT_NOTES,
    CURRENCIES,
    INVOICES,
    ITEMS,
    ORGANISATION,
    PURCHASE_ORDERS,
    SCOPES,
    TAX_RATES,
    EntitySpec,
    XeroEndpoints,
)
from xerodesk.xero.identity import Connection, TokenEndpoint
from xerodesk.xero.limits import LimitHeaders, Pacer, RateLimits
from xerodesk.xero.paging import Page, Pagination
from xerodesk.xero.retry import RetryPolicy
from xerodesk.xero.signin import sign_in, sign_out
from xerodesk.xero.tokens import ClientCredentialsTokens, OAuthTokens
from xerodesk.xero.usage import DailyBudget, UsageSnapshot, pages_needed
from xerodesk.xero.writes import RecordResult, idempotency_key

__all__ = [
    "CONTACTS",
    "CREDIT_NOTES",
    "CURRENCIES",
    "INVOICES",
    "ITEMS",
    "ORGANISATION",
    "PURCHASE_ORDERS",
    "SALES_CREDIT_NOTES",
    "SALES_INVOICES",
    "SCOPES",
    "TAX_RATES",
    "ClientCredentialsTokens",
    "Clock",
    "Connection",
    "DailyBudget",
    "EntitySpec",
    "LimitHeaders",
    "ManualClock",
    "OAuthTokens",
    "Pacer",
    "Page",
    "Pagination",
    "RateLimits",
    "RecordResult",
    "RetryPolicy",
    "ScaledClock",
    "TokenEndpoint",
    "UsageSnapshot",
    "XeroClient",
    "XeroEndpoints",
    "idempotency_key",
    "open_client",
    "pages_needed",
    "sign_in",
    "sign_out",
]
