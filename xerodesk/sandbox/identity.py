"""Xero identity: authorization codes with PKCE, tokens, rotation and connections.

Everything runs on the sandbox clock. Lifetimes follow Xero: codes 5 minutes
and single-use, access tokens 30 minutes, refresh tokens 60 days unless used,
and every refresh rotates the refresh token. The one it replaces stays usable
for a grace period (30 minutes by default) so a client whose refresh response
was lost can replay it; a replay inside the grace period rotates again (the
newest token so far then starts its own grace period); after the grace period
the old token gets ``invalid_grant``. Revoking a refresh token ends its grant:
its tokens and the app's connection go.

Tokens are opaque to the sandbox (it looks them up); access and ID tokens
look like Xero's JWTs so a client can read ``exp`` and
``authentication_event_id`` from them. No secret is ever logged.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from xerodesk.sandbox.identity_records import (
    AccessRecord,
    ApiRefusal,
    AuthCode,
    ClientPolicy,
    Connection,
    Grant,
    OAuthError,
    RefreshRecord,
    connection_entry,
)
from xerodesk.sandbox.scopes import client_credentials_scopes, scope_allows
from xerodesk.sandbox.tokens import access_token, id_token, pkce_ok

ACCESS_TOKEN_SECONDS = 1800
CODE_SECONDS = 300
REFRESH_IDLE_DAYS = 60
REFRESH_GRACE_SECONDS = 1800


@dataclass
class IdentityService:
    """Codes, grants, tokens and connections of the sandbox's one organisation.

    Xero's ``GET /connections`` lists every tenant the user authorised for the
    app, one entry each, and a user can authorise several organisations in
    one consent (https://developer.xero.com/documentation/guides/oauth2/tenants).
    ``others`` are further organisations (tenant id, name) a consent here
    authorises beside the sandbox's own: they are listed by ``/connections``,
    but have no books (the Accounting API refuses them). With
    ``authorise_none`` a consent authorises no organisation at all.
    """

    now: Callable[[], datetime]
    tenant: Callable[[], tuple[str, str]]
    policy: ClientPolicy = field(default_factory=ClientPolicy)
    grace_seconds: float = REFRESH_GRACE_SECONDS
    others: list[tuple[str, str]] = field(default_factory=list)
    authorise_none: bool = False
    user_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _codes: dict[str, AuthCode] = field(default_factory=dict, repr=False)
    _grants: dict[str, Grant] = field(default_factory=dict, repr=False)
    _refresh: dict[str, RefreshRecord] = field(default_factory=dict, repr=False)
    _access: dict[str, AccessRecord] = field(default_factory=dict, repr=False)
    _connections: dict[str, Connection] = field(default_factory=dict, repr=False)

    # -- authorization codes ------------------------------------------------

    def issue_code(self, request: dict[str, str], scopes: frozenset[str]) -> str:
        """Record the consent of an authorize request and return its code."""
        with self._lock:
            auth_event_id = str(uuid.uuid4())
            if self.authorise_none:
                existing = self._connections.get(request["client_id"])
                if existing is not None:
                    existing.active = False
            else:
                self._connect(request["client_id"], auth_event_id)
            code = secrets.token_hex(32)
            self._codes[code] = AuthCode(
                client_id=request["client_id"],
                redirect_uri=request["redirect_uri"],
                scopes=scopes,
                challenge=request.get("code_challenge") or None,
                issued_at=self.now(),
                auth_event_id=auth_event_id,
                nonce=request.get("nonce") or None,
            )
            return code

    def exchange_code(self, form: dict[str, str], client: tuple[str, str | None]) -> dict[str, Any]:
        with self._lock:
            client_id, secret = client
            record = self._codes.pop(form.get("code", ""), None)  # single use, even on error
            if record is None:
                raise OAuthError("invalid_grant")
            self.policy.check(client_id, secret, secret_required=record.challenge is None)
            age = (self.now() - record.issued_at).total_seconds()
            if age > CODE_SECONDS or record.client_id != client_id:
                raise OAuthError("invalid_grant")
            if form.get("redirect_uri", "") != record.redirect_uri:
                raise OAuthError("invalid_grant")
            verifier = form.get("code_verifier", "")
            if record.challenge is not None and not pkce_ok(verifier, record.challenge):
                raise OAuthError("invalid_grant")
            grant = Grant(
                grant_id=str(uuid.uuid4()),
                client_id=client_id,
                scopes=record.scopes,
                auth_event_id=record.auth_event_id,
                user_id=self.user_id,
                nonce=record.nonce,
            )
            self._grants[grant.grant_id] = grant
            return self._token_set(grant)

    # -- refresh, client credentials, revocation ----------------------------

    def refresh(self, form: dict[str, str], client: tuple[str, str | None]) -> dict[str, Any]:
        with self._lock:
            client_id, secret = client
            self.policy.check(client_id, secret, secret_required=False)
            token = form.get("refresh_token", "")
            record = self._refresh.get(token)
            grant = self._grants.get(record.grant_id) if record else None
            if record is None or grant is None or grant.revoked or grant.client_id != client_id:
                raise OAuthError("invalid_grant")
            now = self.now()
            if now - record.issued_at > timedelta(days=REFRESH_IDLE_DAYS):
                del self._refresh[token]
                raise OAuthError("invalid_grant")
            if record.rotated_at is not None and (
                now - record.rotated_at > timedelta(seconds=self.grace_seconds)
            ):
                raise OAuthError("invalid_grant")
            if record.rotated_at is None:
                record.rotated_at = now
            self._prune_refresh(now)
            return self._token_set(grant)

    def client_credentials(
        self, form: dict[str, str], client: tuple[str, str | None]
    ) -> dict[str, Any]:
        with self._lock:
            client_id, secret = client
            self.policy.check(client_id, secret, secret_required=True)
            allowed = client_credentials_scopes()
            asked = frozenset(form.get("scope", "").split())
            if asked - allowed:
                raise OAuthError("invalid_scope", "Client credentials scope validation failed")
            connection = self._connect(client_id, None)
            grant = Grant(
                grant_id=str(uuid.uuid4()),
                client_id=client_id,
                scopes=asked or allowed,
                auth_event_id=connection.auth_event_id,
                user_id=None,
            )
            self._grants[grant.grant_id] = grant
            return self._token_set(grant)

    def revoke(self, token: str, client: tuple[str, str | None]) -> None:
        """Revoke a refresh token's grant (unknown tokens are ignored, as RFC 7009 says)."""
        with self._lock:
            client_id, secret = client
            self.policy.check(client_id, secret, secret_required=False)
            record = self._refresh.get(token)
            grant = self._grants.get(record.grant_id) if record else None
            if grant is None:
                return
            if grant.client_id != client_id:
                raise OAuthError("invalid_client")
            grant.revoked = True
            for key in [k for k, r in self._refresh.items() if r.grant_id == grant.grant_id]:
                del self._refresh[key]
            for key in [k for k, a in self._access.items() if a.grant_id == grant.grant_id]:
                del self._access[key]
            for connection in self._connections.values():
                if connection.client_id == client_id:
                    connection.active = False

    # -- connections --------------------------------------------------------

    def connections(self, access: AccessRecord, auth_event_id: str | None) -> list[dict[str, Any]]:
        tenants = [self.tenant(), *self.others]
        with self._lock:
            return [
                connection_entry(c, tenant, own=n == 0)
                for c in self._connections.values()
                if c.active
                and c.client_id == access.client_id
                and (auth_event_id is None or c.auth_event_id == auth_event_id)
                for n, tenant in enumerate(tenants)
            ]

    def set_others(self, names: list[str]) -> None:
        """Further organisations a consent authorises, by name (tenant ids follow from them)."""
        with self._lock:
            self.others = [(str(uuid.uuid5(uuid.NAMESPACE_URL, n)), n) for n in names]

    def disconnect(self, access: AccessRecord, connection_id: str) -> bool:
        with self._lock:
            connection = self._connections.get(access.client_id)
            if connection is None or not connection.active:
                return False
            if connection.connection_id != connection_id:
                return False
            connection.active = False
            connection.updated = self.now()
            return True

    # -- checking calls -----------------------------------------------------

    def bearer(self, authorization: str | None) -> AccessRecord | ApiRefusal:
        """The access token of an ``Authorization: Bearer`` header, if valid."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return ApiRefusal(401, "AuthenticationUnsuccessful")
        with self._lock:
            record = self._access.get(token.strip())
            if record is None:
                return ApiRefusal(401, "AuthenticationUnsuccessful")
            if self.now() >= record.expires_at:
                stamp = record.expires_at.strftime("%m/%d/%Y %H:%M:%S")
                return ApiRefusal(401, f"TokenExpired: token expired at {stamp}")
            return record

    def check_api(
        self, authorization: str | None, tenant_header: str | None, method: str, path: str
    ) -> AccessRecord | ApiRefusal:
        """Token, tenant and scope checks of one Accounting API call, in Xero's order."""
        access = self.bearer(authorization)
        if isinstance(access, ApiRefusal):
            return access
        tenant_id, _ = self.tenant()
        with self._lock:
            connection = self._connections.get(access.client_id)
            connected = connection is not None and connection.active
        if not connected or (tenant_header or "").strip().lower() != tenant_id.lower():
            return ApiRefusal(403, "AuthenticationUnsuccessful")
        if not scope_allows(access.scopes, method, path):
            return ApiRefusal(401, "AuthorizationUnsuccessful")
        return access

    def snapshot(self) -> dict[str, Any]:
        """Counts only: the control API never shows a token."""
        with self._lock:
            now = self.now()
            return {
                "grants": sum(1 for g in self._grants.values() if not g.revoked),
                "live_access_tokens": sum(1 for a in self._access.values() if a.expires_at > now),
                "refresh_tokens": len(self._refresh),
                "pending_codes": len(self._codes),
                "connections": sum(1 for c in self._connections.values() if c.active),
                "refresh_grace_seconds": self.grace_seconds,
                "other_organisations": [name for _tenant, name in self.others],
                "authorise_none": self.authorise_none,
            }

    # -- internals ----------------------------------------------------------

    def _connect(self, client_id: str, auth_event_id: str | None) -> Connection:
        now = self.now()
        connection = self._connections.get(client_id)
        if connection is None:
            connection = Connection(
                connection_id=str(uuid.uuid4()),
                client_id=client_id,
                auth_event_id=auth_event_id or str(uuid.uuid4()),
                created=now,
                updated=now,
            )
            self._connections[client_id] = connection
        elif auth_event_id is not None or not connection.active:
            connection.auth_event_id = auth_event_id or str(uuid.uuid4())
            connection.updated = now
            connection.active = True
        return connection

    def _token_set(self, grant: Grant) -> dict[str, Any]:
        now = self.now()
        expires = now + timedelta(seconds=ACCESS_TOKEN_SECONDS)
        access = access_token(
            grant.client_id, grant.auth_event_id, grant.user_id, grant.scopes, now, expires
        )
        self._access[access] = AccessRecord(
            grant.grant_id, grant.client_id, grant.scopes, expires, grant.auth_event_id
        )
        self._prune_access(now)
        body: dict[str, Any] = {}
        if "openid" in grant.scopes and grant.user_id:
            body["id_token"] = id_token(grant.client_id, grant.user_id, grant.nonce, now)
        body.update(
            access_token=access,
            expires_in=ACCESS_TOKEN_SECONDS,
            token_type="Bearer",
        )
        if "offline_access" in grant.scopes and grant.user_id:
            if grant.current_refresh in self._refresh:
                self._refresh[grant.current_refresh].rotated_at = now
            refresh = secrets.token_hex(32)
            self._refresh[refresh] = RefreshRecord(grant.grant_id, now)
            grant.current_refresh = refresh
            body["refresh_token"] = refresh
        body["scope"] = " ".join(sorted(grant.scopes))
        return body

    def _prune_access(self, now: datetime) -> None:
        if len(self._access) % 256 == 0:
            for key in [k for k, a in self._access.items() if a.expires_at <= now]:
                del self._access[key]

    def _prune_refresh(self, now: datetime) -> None:
        grace = timedelta(seconds=self.grace_seconds)
        for key in [
            k for k, r in self._refresh.items() if r.rotated_at and now - r.rotated_at > grace
        ]:
            del self._refresh[key]
