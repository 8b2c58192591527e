"""Xero sign-ins kept in the OS keyring, one entry per organisation.

Each organisation has two keyring entries under the service ``xerodesk``:

- ``<namespace>|<tenant id>``: the refresh token, the one it replaced (kept
  for Xero's 30-minute grace period, so a refresh whose new token was not
  saved can be replayed), when it was issued (the 60-day idle clock) and
  whether the user must sign in again;
- ``<namespace>|<tenant id>|access``: the current access token and its expiry,
  so a restart within half an hour does not need a refresh.

Beside them, one entry per Xero (``namespace``) holds the webhooks key,
``<namespace>|webhooks``: Xero gives one key per app, and it signs every
delivery of every organisation connected through that app.

``namespace`` tells Xero itself from a sandbox. Both entries are written with
one ``set_password`` each, so the refresh token entry is never half-written;
a rotated refresh token is written before the old one is dropped from memory.

Every token read or written is registered with ``logsetup.register_secret``
and wrapped in ``Secret``, whose ``repr`` and ``str`` show nothing, so no
token reaches a log, the database or an exception text.

Production refuses a keyring that keeps secrets in a plain file (the
``keyrings.alt`` backends) or none at all, unless
``XERODESK_ALLOW_INSECURE_KEYRING=1`` says the user accepts that.
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import keyring
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringError

from xerodesk.errors import ConfigurationError
from xerodesk.logsetup import register_secret

__all__ = [
    "ALLOW_INSECURE_ENV",
    "REFRESH_IDLE_DAYS",
    "WEBHOOK_KEY_ENV",
    "ConnectionState",
    "ConnectionStatus",
    "CredentialStore",
    "KeyringUnavailableError",
    "Secret",
    "StoredConnection",
    "keyring_problem",
    "webhook_key_from_env",
]

SERVICE = "xerodesk"
ALLOW_INSECURE_ENV = "XERODESK_ALLOW_INSECURE_KEYRING"
REFRESH_IDLE_DAYS = 60
#: the webhooks key from the environment, beside a custom connection's secret
WEBHOOK_KEY_ENV = "XERODESK_WEBHOOK_KEY"
IDLE_WARNING_DAYS = 14


class Secret:
    """A token or secret: registered for redaction, never shown by ``repr``/``str``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value:
            raise ValueError("a secret cannot be empty")
        register_secret(value)
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('[redacted]')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)


def _secret(value: object) -> Secret | None:
    return Secret(value) if isinstance(value, str) and value else None


def _stamp(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class ConnectionState(StrEnum):
    CONNECTED = "connected"
    EXPIRING = "expiring"
    SIGN_IN_REQUIRED = "sign_in_required"


@dataclass(frozen=True)
class ConnectionStatus:
    """What the GUI shows about one organisation's sign-in."""

    state: ConnectionState
    tenant_id: str
    tenant_name: str
    refresh_expires_at: datetime | None
    message: str


@dataclass
class StoredConnection:
    """One organisation's sign-in as kept in the keyring (tokens as ``Secret``)."""

    tenant_id: str
    tenant_name: str
    client_id: str
    refresh_token: Secret | None
    refreshed_at: datetime
    previous_refresh_token: Secret | None = None
    previous_until: datetime | None = None
    needs_sign_in: bool = False
    scope: str = ""
    access_token: Secret | None = None
    access_expires_at: datetime | None = None

    @property
    def refresh_expires_at(self) -> datetime:
        """When the refresh token dies if it is not used (60 days idle)."""
        return self.refreshed_at + timedelta(days=REFRESH_IDLE_DAYS)

    def status(self, now: datetime) -> ConnectionStatus:
        name = self.tenant_name or self.tenant_id
        expires = self.refresh_expires_at
        if self.needs_sign_in or self.refresh_token is None or now >= expires:
            return ConnectionStatus(
                ConnectionState.SIGN_IN_REQUIRED,
                self.tenant_id,
                self.tenant_name,
                expires,
                f"The Xero connection to {name} has ended. Sign in to Xero again.",
            )
        if expires - now <= timedelta(days=IDLE_WARNING_DAYS):
            return ConnectionStatus(
                ConnectionState.EXPIRING,
                self.tenant_id,
                self.tenant_name,
                expires,
                f"The Xero connection to {name} expires on {expires:%Y-%m-%d} unless a "
                "sync runs before then.",
            )
        return ConnectionStatus(
            ConnectionState.CONNECTED, self.tenant_id, self.tenant_name, expires, "Connected."
        )

    def main_entry(self) -> dict[str, Any]:
        return {
            "v": 1,
            "tenant_id": self.tenant_id,
            "tenant_name": self.tenant_name,
            "client_id": self.client_id,
            "refresh_token": self.refresh_token.reveal() if self.refresh_token else None,
            "refreshed_at": _stamp(self.refreshed_at),
            "previous_refresh_token": (
                self.previous_refresh_token.reveal() if self.previous_refresh_token else None
            ),
            "previous_until": _stamp(self.previous_until),
            "needs_sign_in": self.needs_sign_in,
            "scope": self.scope,
        }

    def access_entry(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token.reveal() if self.access_token else None,
            "expires_at": _stamp(self.access_expires_at),
        }

    @classmethod
    def from_entries(cls, main: dict[str, Any], access: dict[str, Any]) -> StoredConnection:
        return cls(
            tenant_id=str(main["tenant_id"]),
            tenant_name=str(main.get("tenant_name") or ""),
            client_id=str(main.get("client_id") or ""),
            refresh_token=_secret(main.get("refresh_token")),
            refreshed_at=_when(main.get("refreshed_at")) or datetime.now(UTC),
            previous_refresh_token=_secret(main.get("previous_refresh_token")),
            previous_until=_when(main.get("previous_until")),
            needs_sign_in=bool(main.get("needs_sign_in")),
            scope=str(main.get("scope") or ""),
            access_token=_secret(access.get("access_token")),
            access_expires_at=_when(access.get("expires_at")),
        )


def keyring_problem(backend: KeyringBackend) -> str | None:
    """Why ``backend`` is not fit for secrets (``None``: it is)."""
    kind = type(backend)
    module = kind.__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return "no system keyring is available"
    if module.startswith("keyrings.alt"):
        return f"the keyring backend {kind.__name__} keeps secrets in a file without protection"
    if module == "xerodesk.credentials_file":
        return "the sign-in is kept in a file on this computer without protection"
    if isinstance(backend, ChainerBackend):
        subs = list(getattr(backend, "backends", []))
        problems = [keyring_problem(sub) for sub in subs]
        if not subs:
            return "no system keyring is available"
        if all(problems):
            return problems[0]
    return None


def check_keyring(backend: KeyringBackend, allow_insecure: bool | None = None) -> None:
    """Raise ``ConfigurationError`` unless ``backend`` may hold Xero's tokens."""
    problem = keyring_problem(backend)
    if problem is None:
        return
    if allow_insecure is None:
        allow_insecure = os.environ.get(ALLOW_INSECURE_ENV, "") in ("1", "true", "yes")
    if allow_insecure and not problem.startswith("no system keyring"):
        return
    raise KeyringUnavailableError(problem)


class KeyringUnavailableError(ConfigurationError):
    """No keyring fit for Xero's tokens; ``problem`` says why.

    Its text is for the command line; the desktop app says what to do in the
    app instead (``desktop_text``).
    """

    def __init__(self, problem: str) -> None:
        super().__init__(
            f"Cannot keep the Xero sign-in safely: {problem}. Install or unlock the system "
            f"keyring, use a custom connection (XERODESK_CLIENT_ID and XERODESK_CLIENT_SECRET), "
            f"or set {ALLOW_INSECURE_ENV}=1 to accept an unprotected keyring file."
        )
        self.problem = problem

    @property
    def no_keyring(self) -> bool:
        return self.problem.startswith("no system keyring")

    def desktop_text(self) -> str:
        """What a desktop user can do about it, in the app."""
        return (
            "This computer has no safe place to keep the Xero sign-in "
            f"({self.problem}). Unlock or install the system keyring (on Linux, GNOME "
            "Keyring or KWallet) and try again, or open “Set up Xero…” on the Connection "
            "tab and choose to keep the sign-in in a file on this computer."
        )


class CredentialStore:
    """Reads and writes ``StoredConnection``s in the keyring."""

    def __init__(
        self,
        namespace: str,
        *,
        backend: KeyringBackend | None = None,
        allow_insecure: bool | None = None,
        service: str = SERVICE,
    ) -> None:
        self.namespace = namespace.rstrip("/")
        self.service = service
        self.backend = backend or keyring.get_keyring()
        check_keyring(self.backend, allow_insecure)

    def _name(self, *parts: str) -> str:
        return "|".join((self.namespace, *parts))

    def _read(self, name: str) -> dict[str, Any] | None:
        try:
            raw = self.backend.get_password(self.service, name)
        except KeyringError as error:
            raise ConfigurationError(
                f"Cannot read the Xero sign-in from the system keyring ({type(error).__name__})."
            ) from None
        if not raw:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _write(self, name: str, data: dict[str, Any]) -> None:
        try:
            self.backend.set_password(self.service, name, json.dumps(data))
        except KeyringError as error:
            raise ConfigurationError(
                f"Cannot save the Xero sign-in in the system keyring ({type(error).__name__})."
            ) from None

    def _erase(self, name: str) -> None:
        try:
            self.backend.delete_password(self.service, name)
        except KeyringError:
            pass

    def load(self, tenant_id: str) -> StoredConnection | None:
        """The organisation's sign-in, or ``None`` if there is none."""
        main = self._read(self._name(tenant_id))
        if main is None or "tenant_id" not in main:
            return None
        access = self._read(self._name(tenant_id, "access")) or {}
        return StoredConnection.from_entries(main, access)

    def save(self, connection: StoredConnection) -> None:
        """Write the sign-in: the refresh token entry first, then the access token."""
        self._write(self._name(connection.tenant_id), connection.main_entry())
        self._write(self._name(connection.tenant_id, "access"), connection.access_entry())
        index = self._index()
        if connection.tenant_id not in index["tenants"]:
            index["tenants"].append(connection.tenant_id)
            if not index.get("default"):
                index["default"] = connection.tenant_id
            self._write(self._name("index"), index)

    def delete(self, tenant_id: str) -> None:
        """Forget the organisation's sign-in (sign out)."""
        self._erase(self._name(tenant_id, "access"))
        self._erase(self._name(tenant_id))
        index = self._index()
        if tenant_id in index["tenants"]:
            index["tenants"].remove(tenant_id)
            if index.get("default") == tenant_id:
                index["default"] = index["tenants"][0] if index["tenants"] else None
            self._write(self._name("index"), index)

    def _index(self) -> dict[str, Any]:
        index = self._read(self._name("index")) or {}
        tenants = index.get("tenants")
        return {
            "tenants": [str(t) for t in tenants] if isinstance(tenants, list) else [],
            "default": index.get("default"),
        }

    def tenants(self) -> list[str]:
        """The organisations signed in under this namespace."""
        return list(self._index()["tenants"])

    def default_tenant(self) -> str | None:
        """The organisation a sync uses when none is named."""
        default = self._index().get("default")
        return str(default) if default else None

    def set_default_tenant(self, tenant_id: str) -> None:
        index = self._index()
        if tenant_id not in index["tenants"]:
            raise ConfigurationError("That organisation is not signed in.")
        index["default"] = tenant_id
        self._write(self._name("index"), index)

    def webhook_key(self) -> Secret | None:
        """The webhooks key of the Xero app (``None``: none is stored)."""
        entry = self._read(self._name("webhooks")) or {}
        return _secret(entry.get("key"))

    def save_webhook_key(self, key: Secret) -> None:
        self._write(self._name("webhooks"), {"v": 1, "key": key.reveal()})

    def forget_webhook_key(self) -> None:
        self._erase(self._name("webhooks"))


def webhook_key_from_env(env: Mapping[str, str] | None = None) -> Secret | None:
    """``XERODESK_WEBHOOK_KEY``, if set (as ``XERODESK_CLIENT_SECRET`` is for a
    custom connection); it goes before the keyring's."""
    source = os.environ if env is None else env
    return _secret(source.get(WEBHOOK_KEY_ENV, "").strip())
