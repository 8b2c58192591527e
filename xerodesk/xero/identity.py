"""Xero's identity service: the token endpoint (through Authlib) and connections.

Authlib's ``AsyncOAuth2Client`` builds and sends the token requests (code
exchange with PKCE, refresh, client credentials, revocation) and parses their
answers. What it does not do is hand-rolled here: retrying a token request
whose answer was lost (safe for a refresh inside Xero's grace period, where
the old refresh token may be replayed), telling ``invalid_grant`` (sign in
again) from a transient failure, and keeping every token out of logs.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning

with warnings.catch_warnings():
    # Authlib 1.9 prefers the httpx2 package and warns when it falls back to
    # httpx, which this project uses everywhere; the fallback works as before.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

from xerodesk.credentials import Secret
from xerodesk.errors import AuthenticationError, XeroUnreachableError
from xerodesk.mapping.xero_dates import parse_optional_xero_datetime
from xerodesk.xero.clock import Clock
from xerodesk.xero.endpoints import XeroEndpoints
from xerodesk.xero.retry import RetryPolicy

__all__ = ["Connection", "GrantRefused", "TokenEndpoint", "TokenResponse", "auth_event_id"]

log = logging.getLogger(__name__)

#: OAuth errors worth another try; any other (``invalid_grant``, ``invalid_client``
#: ...) means the grant or the client is no good: sign in again, never a retry loop.
_TRANSIENT_ERRORS = frozenset({"temporarily_unavailable", "server_error", "slow_down"})


class GrantRefused(AuthenticationError):
    """The identity service refused the grant (``invalid_grant`` and kin)."""

    def __init__(self, message: str, error: str) -> None:
        super().__init__(message)
        self.error = error


@dataclass(frozen=True)
class TokenResponse:
    """A token endpoint answer; tokens wrapped so they never print."""

    access_token: Secret
    expires_in: float
    refresh_token: Secret | None
    scope: str
    id_token: Secret | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenResponse:
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            raise XeroUnreachableError("Xero's sign-in service answered without an access token.")
        refresh = data.get("refresh_token")
        id_token = data.get("id_token")
        try:
            expires_in = float(data.get("expires_in") or 1800)
        except (TypeError, ValueError):
            expires_in = 1800.0
        return cls(
            access_token=Secret(access),
            expires_in=expires_in,
            refresh_token=Secret(refresh) if isinstance(refresh, str) and refresh else None,
            scope=str(data.get("scope") or ""),
            id_token=Secret(id_token) if isinstance(id_token, str) and id_token else None,
        )


@dataclass(frozen=True)
class Connection:
    """One organisation the user connected (``GET /connections``)."""

    id: str
    tenant_id: str
    tenant_type: str
    tenant_name: str
    auth_event_id: str | None
    created: datetime | None
    updated: datetime | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Connection:
        return cls(
            id=str(data.get("id") or ""),
            tenant_id=str(data.get("tenantId") or ""),
            tenant_type=str(data.get("tenantType") or ""),
            tenant_name=str(data.get("tenantName") or ""),
            auth_event_id=data.get("authEventId"),
            created=_optional_time(data.get("createdDateUtc")),
            updated=_optional_time(data.get("updatedDateUtc")),
        )


def _optional_time(value: object) -> datetime | None:
    try:
        return parse_optional_xero_datetime(value)
    except ValueError:
        return None


def auth_event_id(access_token: Secret) -> str | None:
    """The ``authentication_event_id`` claim of a Xero access token (unverified).

    Used only to ask ``/connections`` for the organisations picked in this
    consent; the token itself is never logged or stored by this function.
    """
    parts = access_token.reveal().split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, TypeError):
        return None
    value = claims.get("authentication_event_id") if isinstance(claims, dict) else None
    return str(value) if value else None


class TokenEndpoint:
    """Token requests for one app (client id, and secret for custom connections)."""

    def __init__(
        self,
        endpoints: XeroEndpoints,
        client_id: str,
        client_secret: Secret | None = None,
        *,
        clock: Clock,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.client_id = client_id
        self.clock = clock
        self.retry = retry or RetryPolicy(attempts=5)
        self.rng = rng or random.Random()
        self.calls = 0
        self._oauth = AsyncOAuth2Client(
            client_id=client_id,
            client_secret=client_secret.reveal() if client_secret else None,
            token_endpoint_auth_method="client_secret_basic" if client_secret else "none",
            code_challenge_method="S256",
            timeout=timeout,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._oauth.aclose()

    def authorization_url(self, redirect_uri: str, scope: str, state: str, verifier: str) -> str:
        """The consent page URL with the PKCE S256 challenge of ``verifier``."""
        self._oauth.redirect_uri = redirect_uri
        self._oauth.scope = scope
        url, _ = self._oauth.create_authorization_url(
            self.endpoints.authorize, state=state, code_verifier=verifier
        )
        return str(url)

    async def exchange_code(
        self, code: Secret, verifier: Secret, redirect_uri: str
    ) -> TokenResponse:
        """Trade an authorization code for tokens (never retried: codes are single-use)."""
        self._oauth.redirect_uri = redirect_uri
        return await self._request(
            "exchange the sign-in code",
            lambda: self._oauth.fetch_token(
                self.endpoints.token,
                grant_type="authorization_code",
                code=code.reveal(),
                code_verifier=verifier.reveal(),
                redirect_uri=redirect_uri,
            ),
            attempts=1,
        )

    async def refresh(self, refresh_token: Secret) -> TokenResponse:
        """A new token set; the same refresh token is replayed if an answer is lost.

        Xero keeps a rotated refresh token usable for 30 minutes, so replaying
        it after a lost answer is safe: that is the retry Authlib lacks.
        """
        return await self._request(
            "refresh the sign-in",
            lambda: self._oauth.refresh_token(
                self.endpoints.token, refresh_token=refresh_token.reveal()
            ),
            attempts=self.retry.attempts,
        )

    async def client_credentials(self, scope: str) -> TokenResponse:
        """An access token for a custom connection (client id and secret)."""
        return await self._request(
            "get a token for the custom connection",
            lambda: self._oauth.fetch_token(
                self.endpoints.token, grant_type="client_credentials", scope=scope
            ),
            attempts=self.retry.attempts,
        )

    async def _request(
        self, what: str, make_call: Callable[[], Awaitable[Any]], attempts: int
    ) -> TokenResponse:
        for failures in range(1, attempts + 1):
            try:
                return TokenResponse.from_dict(await self._once(what, make_call()))
            except _TransientTokenError as error:
                if failures >= attempts:
                    raise XeroUnreachableError(
                        f"Xero's sign-in service did not answer ({error.reason}). Try again later."
                    ) from None
                delay = self.retry.delay(failures, self.rng)
                log.warning("Could not %s (%s); retrying in %.1f s", what, error.reason, delay)
                await self.clock.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def revoke(self, refresh_token: Secret) -> None:
        """Revoke a refresh token (sign out); failures are logged, not raised."""
        self.calls += 1
        try:
            await self._oauth.revoke_token(
                self.endpoints.revocation,
                token=refresh_token.reveal(),
                token_type_hint="refresh_token",
            )
        except (httpx.HTTPError, OAuthError) as error:
            log.warning("Could not revoke the Xero sign-in (%s)", type(error).__name__)

    async def _once(self, what: str, call: Awaitable[Any]) -> dict[str, Any]:
        self.calls += 1
        try:
            token = await call
        except OAuthError as error:
            code = str(error.error or "error")
            if code in _TRANSIENT_ERRORS:
                raise _TransientTokenError(f"{what}: {code}") from None
            raise GrantRefused(
                f"Xero did not accept the sign-in ({code}). Sign in to Xero again.", code
            ) from None
        except httpx.TimeoutException:
            raise _TransientTokenError(f"{what}: no answer in time") from None
        except httpx.HTTPStatusError as error:
            raise _TransientTokenError(f"{what}: HTTP {error.response.status_code}") from None
        except httpx.TransportError as error:
            raise _TransientTokenError(f"{what}: {type(error).__name__}") from None
        return dict(token)


class _TransientTokenError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
