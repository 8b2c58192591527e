"""The keyring store: round trips, sign-in states, and refusing unsafe keyrings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import keyring
import pytest
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend
from keyrings.alt.file import PlaintextKeyring

from xerodesk.credentials import (
    ALLOW_INSECURE_ENV,
    WEBHOOK_KEY_ENV,
    ConnectionState,
    CredentialStore,
    Secret,
    StoredConnection,
    keyring_problem,
    webhook_key_from_env,
)
from xerodesk.errors import ConfigurationError
from xerodesk.logsetup import REDACTED, redact

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _connection(**changes: object) -> StoredConnection:
    values: dict[str, object] = {
        "tenant_id": "tenant-1",
        "tenant_name": "Demo Company",
        "client_id": "client",
        "refresh_token": Secret("refresh-token-one-abcdef"),
        "refreshed_at": NOW,
        "access_token": Secret("access-token-one-abcdef"),
        "access_expires_at": NOW + timedelta(minutes=30),
    }
    values.update(changes)
    return StoredConnection(**values)  # type: ignore[arg-type]


def test_secrets_never_print_and_are_redacted_in_logs() -> None:
    secret = Secret("a-very-private-token-value")
    assert "private" not in repr(secret) and "private" not in str(secret)
    assert "private" not in repr(_connection(refresh_token=secret))
    assert redact("token is a-very-private-token-value") == f"token is {REDACTED}"
    assert secret == Secret("a-very-private-token-value")


def test_round_trip_and_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_INSECURE_ENV, "1")
    store = CredentialStore("https://api.xero.com")
    assert store.load("tenant-1") is None
    first = _connection(
        previous_refresh_token=Secret("refresh-token-zero-abcdef"),
        previous_until=NOW + timedelta(minutes=30),
    )
    store.save(first)
    store.save(_connection(tenant_id="tenant-2", tenant_name="Second"))
    loaded = store.load("tenant-1")
    assert loaded is not None
    assert loaded.refresh_token == first.refresh_token
    assert loaded.previous_refresh_token == first.previous_refresh_token
    assert loaded.previous_until == first.previous_until
    assert loaded.access_expires_at == first.access_expires_at
    assert store.tenants() == ["tenant-1", "tenant-2"]
    assert store.default_tenant() == "tenant-1"
    store.set_default_tenant("tenant-2")
    assert store.default_tenant() == "tenant-2"
    store.delete("tenant-2")
    assert store.tenants() == ["tenant-1"]
    assert store.default_tenant() == "tenant-1"
    # A sandbox's sign-ins are kept apart from Xero's.
    assert CredentialStore("http://127.0.0.1:1234").load("tenant-1") is None


def test_status_warns_well_before_the_idle_expiry() -> None:
    fresh = _connection()
    assert fresh.status(NOW + timedelta(days=10)).state is ConnectionState.CONNECTED
    idle = fresh.status(NOW + timedelta(days=50))
    assert idle.state is ConnectionState.EXPIRING
    assert "2026-07-31" in idle.message
    assert fresh.status(NOW + timedelta(days=61)).state is ConnectionState.SIGN_IN_REQUIRED
    ended = _connection(needs_sign_in=True).status(NOW)
    assert ended.state is ConnectionState.SIGN_IN_REQUIRED
    assert "Sign in" in ended.message


def test_production_refuses_a_plaintext_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_INSECURE_ENV, raising=False)
    assert isinstance(keyring.get_keyring(), PlaintextKeyring)
    with pytest.raises(ConfigurationError) as refused:
        CredentialStore("https://api.xero.com")
    assert ALLOW_INSECURE_ENV in str(refused.value)
    monkeypatch.setenv(ALLOW_INSECURE_ENV, "1")
    CredentialStore("https://api.xero.com")


def test_no_keyring_at_all_is_refused_even_with_the_opt_in() -> None:
    for backend in (fail.Keyring(), null.Keyring()):
        assert keyring_problem(backend) == "no system keyring is available"
        with pytest.raises(ConfigurationError):
            CredentialStore("https://api.xero.com", backend=backend, allow_insecure=True)


class _UnsafeChain(ChainerBackend):
    backends = (PlaintextKeyring(),)  # type: ignore[assignment]


class _EmptyChain(ChainerBackend):
    backends = ()  # type: ignore[assignment]


def test_a_chain_of_only_unsafe_backends_is_refused() -> None:
    assert keyring_problem(PlaintextKeyring()) is not None
    assert keyring_problem(_UnsafeChain()) is not None
    assert keyring_problem(_EmptyChain()) == "no system keyring is available"


def test_the_webhooks_key_is_kept_per_xero_beside_the_sign_ins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ALLOW_INSECURE_ENV, "1")
    store = CredentialStore("https://api.xero.com")
    sandbox = CredentialStore("http://127.0.0.1:9999")
    assert store.webhook_key() is None
    store.save(_connection())
    store.save_webhook_key(Secret("webhooks-key-of-the-app-abcdef"))
    assert store.webhook_key() == Secret("webhooks-key-of-the-app-abcdef")
    assert sandbox.webhook_key() is None  # a sandbox has its own
    assert store.tenants() == ["tenant-1"]  # the key is no organisation
    assert "webhooks-key" not in repr(store.webhook_key())
    raw = keyring.get_keyring().get_password("xerodesk", "https://api.xero.com|webhooks")
    assert raw is not None and "webhooks-key-of-the-app-abcdef" in raw
    store.forget_webhook_key()
    assert store.webhook_key() is None
    assert store.load("tenant-1") is not None


def test_the_webhooks_key_from_the_environment() -> None:
    assert webhook_key_from_env({}) is None
    assert webhook_key_from_env({WEBHOOK_KEY_ENV: "  "}) is None
    key = webhook_key_from_env({WEBHOOK_KEY_ENV: " key-from-the-environment\n"})
    assert key == Secret("key-from-the-environment")
    assert redact("key-from-the-environment") == REDACTED
