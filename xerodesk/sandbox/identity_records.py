"""The records the sandbox's identity service keeps: authorization codes,
grants, refresh and access tokens, connections; the clients it accepts; and
the errors it answers with (token endpoint) or refuses API calls with."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xerodesk.sandbox.tokens import identity_datetime


class OAuthError(Exception):
    """A token-endpoint error: ``{"error": ...}`` with HTTP 400."""

    def __init__(self, error: str, description: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        return body


@dataclass(frozen=True)
class ClientPolicy:
    """Which clients the sandbox accepts: any (default) or one ``ID:SECRET``."""

    client_id: str | None = None
    secret: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> ClientPolicy:
        if not text:
            return cls()
        client_id, sep, secret = text.partition(":")
        if not sep or not client_id or not secret:
            raise ValueError("--client must be ID:SECRET, both non-empty")
        return cls(client_id, secret)

    def accepts_id(self, client_id: str) -> bool:
        return bool(client_id) and (self.client_id is None or client_id == self.client_id)

    def check(self, client_id: str, secret: str | None, secret_required: bool) -> None:
        if not self.accepts_id(client_id):
            raise OAuthError("invalid_client")
        if secret is None or secret == "":
            if secret_required:
                raise OAuthError("invalid_client")
            return
        if self.secret is not None and not secrets.compare_digest(secret, self.secret):
            raise OAuthError("invalid_client")


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    challenge: str | None
    issued_at: datetime
    auth_event_id: str
    nonce: str | None = None


@dataclass
class Grant:
    grant_id: str
    client_id: str
    scopes: frozenset[str]
    auth_event_id: str
    user_id: str | None
    nonce: str | None = None
    current_refresh: str | None = None
    revoked: bool = False


@dataclass
class RefreshRecord:
    grant_id: str
    issued_at: datetime
    rotated_at: datetime | None = None


@dataclass
class AccessRecord:
    grant_id: str
    client_id: str
    scopes: frozenset[str]
    expires_at: datetime
    auth_event_id: str


@dataclass
class Connection:
    connection_id: str
    client_id: str
    auth_event_id: str
    created: datetime
    updated: datetime
    active: bool = True


def connection_entry(c: Connection, tenant: tuple[str, str], own: bool) -> dict[str, Any]:
    """One tenant of a connection as ``GET /connections`` lists it."""
    tenant_id, tenant_name = tenant
    return {
        "id": c.connection_id
        if own
        else str(uuid.uuid5(uuid.NAMESPACE_URL, c.connection_id + tenant_id)),
        "authEventId": c.auth_event_id,
        "tenantId": tenant_id,
        "tenantType": "ORGANISATION",
        "tenantName": tenant_name,
        "createdDateUtc": identity_datetime(c.created),
        "updatedDateUtc": identity_datetime(c.updated),
    }


@dataclass(frozen=True)
class ApiRefusal:
    """Why an Accounting API call is refused: status and Xero's ``Detail``."""

    status: int
    detail: str
