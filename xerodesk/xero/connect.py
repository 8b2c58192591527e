"""Build a ready ``XeroClient`` from the keyring or a custom connection."""

from __future__ import annotations

from collections.abc import Mapping

from xerodesk.credentials import CredentialStore, Secret, webhook_key_from_env
from xerodesk.errors import AuthenticationError, ConfigurationError
from xerodesk.xero.client import XeroClient
from xerodesk.xero.clock import Clock, ScaledClock
from xerodesk.xero.endpoints import XeroEndpoints
from xerodesk.xero.identity import TokenEndpoint
from xerodesk.xero.tokens import (
    ClientCredentialsTokens,
    OAuthTokens,
    custom_connection_from_env,
)
from xerodesk.xero.usage import DAILY_LIMIT_CORE

__all__ = ["forget_webhook_key", "open_client", "store_webhook_key", "webhook_key"]


async def open_client(
    *,
    xero_url: str | None = None,
    tenant_id: str | None = None,
    store: CredentialStore | None = None,
    env: Mapping[str, str] | None = None,
    time_scale: float = 1.0,
    daily_limit: int = DAILY_LIMIT_CORE,
    clock: Clock | None = None,
) -> XeroClient:
    """A client for the organisation to sync, ready to use (close it after).

    With ``XERODESK_CLIENT_ID`` and ``XERODESK_CLIENT_SECRET`` set, a custom
    connection (client credentials) is used and its organisation found with
    ``/connections``. Otherwise the keyring's sign-in for ``tenant_id`` (or
    the default organisation) is used; ``AuthenticationError`` if there is none.
    """
    endpoints = XeroEndpoints.for_base(xero_url)
    clock = clock or ScaledClock(time_scale)
    custom = custom_connection_from_env(env)
    if custom is not None:
        client_id, secret = custom
        endpoint = TokenEndpoint(endpoints, client_id, secret, clock=clock)
        tokens = ClientCredentialsTokens(endpoint, clock)
        client = XeroClient(
            tokens,
            tenant_id,
            endpoints=endpoints,
            clock=clock,
            time_scale=time_scale,
            daily_limit=daily_limit,
        )
        client.close_with(endpoint.aclose)
        if tenant_id is None:
            await _adopt_first_connection(client)
        return client
    store = store or CredentialStore(endpoints.namespace)
    tenant = tenant_id or store.default_tenant()
    stored = store.load(tenant) if tenant else None
    if tenant is None or stored is None:
        raise AuthenticationError("Not signed in to Xero. Run 'xerodesk login' first.")
    endpoint = TokenEndpoint(endpoints, stored.client_id, clock=clock)
    client = XeroClient(
        OAuthTokens(store, tenant, endpoint, clock),
        tenant,
        endpoints=endpoints,
        clock=clock,
        time_scale=time_scale,
        daily_limit=daily_limit,
    )
    client.close_with(endpoint.aclose)
    return client


async def _adopt_first_connection(client: XeroClient) -> None:
    try:
        connections = await client.connections()
    except BaseException:
        await client.aclose()
        raise
    if not connections:
        await client.aclose()
        raise AuthenticationError("The custom connection has no Xero organisation connected.")
    client.set_tenant(connections[0].tenant_id)


def webhook_key(
    *,
    xero_url: str | None = None,
    store: CredentialStore | None = None,
    env: Mapping[str, str] | None = None,
) -> Secret:
    """The key that signs Xero's webhook deliveries: ``XERODESK_WEBHOOK_KEY`` if set,
    else the keyring's for this Xero; ``ConfigurationError`` if there is none."""
    key = webhook_key_from_env(env)
    if key is not None:
        return key
    store = store or CredentialStore(XeroEndpoints.for_base(xero_url).namespace)
    key = store.webhook_key()
    if key is None:
        raise ConfigurationError(
            "no Xero webhooks key is stored: copy it from your app's Webhooks page in Xero's "
            "developer portal and run 'xerodesk webhooks set-key'"
        )
    return key


def store_webhook_key(key: Secret, *, xero_url: str | None = None) -> None:
    """Keep the Xero app's webhooks key in the keyring (for that Xero, or sandbox)."""
    CredentialStore(XeroEndpoints.for_base(xero_url).namespace).save_webhook_key(key)


def forget_webhook_key(*, xero_url: str | None = None) -> None:
    CredentialStore(XeroEndpoints.for_base(xero_url).namespace).forget_webhook_key()
