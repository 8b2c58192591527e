"""Access tokens for the client: refreshed ahead of expiry, one refresh at a time.

``OAuthTokens`` serves a signed-in organisation from the keyring. A refresh
rotates the refresh token; the new one is written to the keyring (with the old
one kept beside it for Xero's grace period) before the old one is dropped, so
a crash between refresh and save leaves a token Xero still accepts. An
``invalid_grant`` marks the connection "sign in again" and raises
``AuthenticationError``: never a retry loop. ``ClientCredentialsTokens``
serves a custom connection (client id and secret, no refresh token).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from collections.abc import Mapping
from datetime import datetime, timedelta

from xerodesk.credentials import (
    ConnectionState,
    ConnectionStatus,
    CredentialStore,
    Secret,
    StoredConnection,
)
from xerodesk.errors import AuthenticationError
from xerodesk.xero.clock import Clock
from xerodesk.xero.endpoints import SCOPES
from xerodesk.xero.identity import GrantRefused, TokenEndpoint, TokenResponse

__all__ = [
    "CLIENT_ID_ENV",
    "CLIENT_SECRET_ENV",
    "ClientCredentialsTokens",
    "OAuthTokens",
    "StaticTokens",
    "custom_connection_from_env",
]

log = logging.getLogger(__name__)

CLIENT_ID_ENV = "XERODESK_CLIENT_ID"
CLIENT_SECRET_ENV = "XERODESK_CLIENT_SECRET"
#: Refresh this long (server seconds) before the access token expires.
REFRESH_LEEWAY = 300.0
#: How long Xero accepts a refresh token after it was rotated.
REFRESH_GRACE = 1800.0


def _fresh(token: Secret | None, expires_at: datetime | None, now: datetime, leeway: float) -> bool:
    return (
        token is not None
        and expires_at is not None
        and now + timedelta(seconds=leeway) < expires_at
    )


class OAuthTokens:
    """Tokens of one organisation signed in with ``sign_in`` (PKCE)."""

    def __init__(
        self,
        store: CredentialStore,
        tenant_id: str,
        endpoint: TokenEndpoint,
        clock: Clock,
        *,
        leeway: float = REFRESH_LEEWAY,
        grace: float = REFRESH_GRACE,
    ) -> None:
        self.store = store
        self.tenant_id = tenant_id
        self.endpoint = endpoint
        self.clock = clock
        self.leeway = leeway
        self.grace = grace
        self.refreshes = 0
        self._lock = asyncio.Lock()
        self._connection: StoredConnection | None = None
        self._warned = False

    def status(self) -> ConnectionStatus:
        """Connected, expiring (idle for long) or sign-in required."""
        connection = self._connection or self.store.load(self.tenant_id)
        if connection is None:
            return ConnectionStatus(
                ConnectionState.SIGN_IN_REQUIRED,
                self.tenant_id,
                "",
                None,
                "This organisation is not signed in. Sign in to Xero.",
            )
        return connection.status(self.clock.now())

    async def access_token(self) -> str:
        """A valid access token, refreshed first if it expires within ``leeway``."""
        async with self._lock:
            connection = self._current()
            now = self.clock.now()
            if _fresh(connection.access_token, connection.access_expires_at, now, self.leeway):
                assert connection.access_token is not None
                return connection.access_token.reveal()
            connection = await self._refresh(connection)
            assert connection.access_token is not None
            return connection.access_token.reveal()

    async def token_rejected(self, token: str) -> None:
        """Xero said 401 to ``token``: the next ``access_token`` refreshes."""
        async with self._lock:
            connection = self._connection
            current = connection.access_token if connection else None
            if connection is not None and current is not None and current.reveal() == token:
                connection.access_expires_at = None

    def _current(self) -> StoredConnection:
        if self._connection is None:
            self._connection = self.store.load(self.tenant_id)
        connection = self._connection
        if connection is None or connection.refresh_token is None:
            raise AuthenticationError("This organisation is not signed in. Sign in to Xero.")
        if connection.needs_sign_in:
            raise AuthenticationError(connection.status(self.clock.now()).message)
        self._warn_if_idle(connection)
        return connection

    def _warn_if_idle(self, connection: StoredConnection) -> None:
        status = connection.status(self.clock.now())
        if status.state is ConnectionState.EXPIRING and not self._warned:
            self._warned = True
            log.warning("%s", status.message)

    async def _refresh(self, connection: StoredConnection) -> StoredConnection:
        # Another copy of the app may have refreshed since we loaded: adopt
        # its tokens rather than replaying a rotated refresh token.
        stored = self.store.load(self.tenant_id)
        if stored is not None and stored.refresh_token != connection.refresh_token:
            if stored.needs_sign_in:
                self._connection = stored
                raise AuthenticationError(stored.status(self.clock.now()).message)
            connection = self._connection = stored
            if _fresh(stored.access_token, stored.access_expires_at, self.clock.now(), self.leeway):
                return stored
        response = await self._refresh_response(connection)
        now = self.clock.now()
        assert connection.refresh_token is not None
        renewed = dataclasses.replace(
            connection,
            refresh_token=response.refresh_token or connection.refresh_token,
            refreshed_at=now,
            previous_refresh_token=connection.refresh_token,
            previous_until=now + timedelta(seconds=self.grace),
            needs_sign_in=False,
            scope=response.scope or connection.scope,
            access_token=response.access_token,
            access_expires_at=now + timedelta(seconds=response.expires_in),
        )
        self.store.save(renewed)  # saved before the old token leaves memory
        self._connection = renewed
        self.refreshes += 1
        log.info("Refreshed the Xero sign-in for %s", connection.tenant_name or self.tenant_id)
        return renewed

    async def _refresh_response(self, connection: StoredConnection) -> TokenResponse:
        assert connection.refresh_token is not None
        try:
            return await self.endpoint.refresh(connection.refresh_token)
        except GrantRefused as refused:
            previous = connection.previous_refresh_token
            until = connection.previous_until
            if (
                refused.error == "invalid_grant"
                and previous is not None
                and until is not None
                and self.clock.now() < until
            ):
                log.info(
                    "Refresh token refused; replaying the previous one inside the grace period"
                )
                try:
                    return await self.endpoint.refresh(previous)
                except GrantRefused:
                    pass
            self._sign_in_required(connection)
            raise AuthenticationError(
                f"Xero ended the sign-in for {connection.tenant_name or 'this organisation'} "
                f"({refused.error}). Sign in to Xero again."
            ) from None

    def _sign_in_required(self, connection: StoredConnection) -> None:
        marked = dataclasses.replace(
            connection, needs_sign_in=True, access_token=None, access_expires_at=None
        )
        self._connection = marked
        self.store.save(marked)


class ClientCredentialsTokens:
    """Tokens of a custom connection: client id and secret, for headless servers."""

    def __init__(
        self,
        endpoint: TokenEndpoint,
        clock: Clock,
        *,
        scope: str = SCOPES.replace("offline_access", "").strip(),
        leeway: float = REFRESH_LEEWAY,
    ) -> None:
        self.endpoint = endpoint
        self.clock = clock
        self.scope = scope
        self.leeway = leeway
        self.fetches = 0
        self._lock = asyncio.Lock()
        self._token: Secret | None = None
        self._expires_at: datetime | None = None

    async def access_token(self) -> str:
        async with self._lock:
            if not _fresh(self._token, self._expires_at, self.clock.now(), self.leeway):
                response = await self.endpoint.client_credentials(self.scope)
                self._token = response.access_token
                self._expires_at = self.clock.now() + timedelta(seconds=response.expires_in)
                self.fetches += 1
            assert self._token is not None
            return self._token.reveal()

    async def token_rejected(self, token: str) -> None:
        async with self._lock:
            if self._token is not None and self._token.reveal() == token:
                self._expires_at = None


class StaticTokens:
    """One access token that is never refreshed (right after a code exchange)."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    async def access_token(self) -> str:
        return self._token.reveal()

    async def token_rejected(self, token: str) -> None:
        raise AuthenticationError("Xero did not accept the new sign-in. Sign in to Xero again.")


def custom_connection_from_env(
    env: Mapping[str, str] | None = None,
) -> tuple[str, Secret] | None:
    """``XERODESK_CLIENT_ID`` and ``XERODESK_CLIENT_SECRET``, if both are set."""
    source = os.environ if env is None else env
    client_id = source.get(CLIENT_ID_ENV, "").strip()
    secret = source.get(CLIENT_SECRET_ENV, "").strip()
    if not client_id or not secret:
        return None
    return client_id, Secret(secret)
