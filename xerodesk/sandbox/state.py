"""The sandbox's options and its state: organisation, clock, identity, limits, faults."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from xerodesk.sandbox.clock import SandboxClock
from xerodesk.sandbox.counters import Counters
from xerodesk.sandbox.faults import (
    ConnectionRegistry,
    FaultInjector,
    FaultSpec,
    FaultSpecError,
    parse_fault_spec,
)
from xerodesk.sandbox.identity import REFRESH_GRACE_SECONDS, IdentityService
from xerodesk.sandbox.identity_records import ClientPolicy
from xerodesk.sandbox.limits import LimitConfig, RateLimiter
from xerodesk.sandbox.webhook_config import WebhookConfig, WebhookConfigError
from xerodesk.sandbox.webhooks import WebhookHub

OrgFactory = Callable[[SandboxClock], Any]
CONSENT_MODES = ("auto", "page")


class SandboxConfigError(ValueError):
    """Options the sandbox cannot start with; the message says what to change."""


class Organisation(Protocol):
    """What the edge of the sandbox needs from the organisation store."""

    @property
    def tenant_id(self) -> str: ...

    @property
    def organisation(self) -> dict[str, Any]: ...


@dataclass
class SandboxOptions:
    """How to run the sandbox; the CLI fills it from ``xerodesk sandbox`` flags.

    ``generate`` is a size (``demo``, ``small``, ``medium``, ``large`` or
    counts) and ``org_file`` a JSON organisation; with neither, ``demo`` is
    generated. ``client`` restricts the accepted client to one id and secret.
    ``clock_scale`` makes sandbox time run faster than real time.
    ``webhook`` registers a webhook at start, in the shape
    ``POST /_sandbox/webhooks`` takes (``webhook_config``); with
    ``webhook_thread`` false a served sandbox sends deliveries only when told
    (``POST /_sandbox/webhooks/deliver``), for runs on a simulated clock.
    """

    host: str = "127.0.0.1"
    port: int = 0
    org_file: str | Path | None = None
    generate: str | None = None
    seed: int = 1
    rate_limits: str = "real"
    daily_limit: int = 5_000
    faults: str | None = None
    fault_seed: int | None = None
    client: tuple[str, str] | None = None
    clock_scale: float = 1.0
    clock_start: datetime | None = None
    refresh_grace_seconds: float = REFRESH_GRACE_SECONDS
    consent: str = "auto"
    minute_limit: int = 60
    concurrent_limit: int = 5
    app_minute_limit: int = 10_000
    webhook: dict[str, Any] | None = None
    webhook_thread: bool = True

    def validate(self) -> None:
        """Raise ``SandboxConfigError`` for options the sandbox must refuse."""
        check_loopback(self.host)
        if not 0 <= self.port <= 65535:
            raise SandboxConfigError(f"port {self.port} is out of range")
        if self.org_file is not None and self.generate is not None:
            raise SandboxConfigError("give --org or --generate, not both")
        if self.org_file is not None and not Path(self.org_file).is_file():
            raise SandboxConfigError(f"organisation file not found: {self.org_file}")
        if self.clock_scale <= 0:
            raise SandboxConfigError("--clock-scale must be positive")
        if self.consent not in CONSENT_MODES:
            raise SandboxConfigError(f"consent must be one of {', '.join(CONSENT_MODES)}")
        if self.client is not None and not all(self.client):
            raise SandboxConfigError("--client must be ID:SECRET, both non-empty")
        try:
            self.limit_config().validate()
            self.fault_spec()
            self.webhook_config()
        except ValueError as error:
            raise SandboxConfigError(str(error)) from None

    def limit_config(self) -> LimitConfig:
        return LimitConfig(
            mode=self.rate_limits,
            minute=self.minute_limit,
            daily=self.daily_limit,
            concurrent=self.concurrent_limit,
            app_minute=self.app_minute_limit,
        )

    def fault_spec(self) -> FaultSpec:
        try:
            return parse_fault_spec(self.faults)
        except FaultSpecError as error:
            raise SandboxConfigError(f"--faults: {error}") from None

    def webhook_config(self) -> WebhookConfig | None:
        if self.webhook is None:
            return None
        try:
            return WebhookConfig.from_json(self.webhook)
        except WebhookConfigError as error:
            raise SandboxConfigError(f"webhook: {error}") from None

    def client_policy(self) -> ClientPolicy:
        if self.client is None:
            return ClientPolicy()
        return ClientPolicy(self.client[0], self.client[1])


def check_loopback(host: str) -> None:
    """Refuse any bind address but loopback: the sandbox has no real security."""
    if host.strip().lower() == "localhost":
        return
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise SandboxConfigError(
            f"the sandbox serves on loopback only; {host!r} is not a loopback address "
            "(use 127.0.0.1, ::1 or localhost)"
        ) from None
    if not address.is_loopback:
        raise SandboxConfigError(
            f"the sandbox serves on loopback only; refusing to bind {host} "
            "(use 127.0.0.1, ::1 or localhost)"
        )


@dataclass
class SandboxState:
    """Everything a running sandbox holds; handlers reach it as ``app.state.sandbox``."""

    options: SandboxOptions
    clock: SandboxClock
    org: Any
    identity: IdentityService
    limits: RateLimiter
    faults: FaultInjector
    counters: Counters = field(default_factory=Counters)
    connections: ConnectionRegistry = field(default_factory=ConnectionRegistry)
    webhooks: WebhookHub = field(default_factory=lambda: WebhookHub(SandboxClock().now))

    @classmethod
    def create(cls, options: SandboxOptions, org_factory: OrgFactory | None = None) -> SandboxState:
        """Build the state; the organisation is generated or loaded unless a factory is given."""
        options.validate()
        clock = SandboxClock(start=options.clock_start, scale=options.clock_scale)
        org = (org_factory or (lambda c: build_org(options, c)))(clock)
        spec = options.fault_spec()
        fault_seed = options.fault_seed if options.fault_seed is not None else options.seed
        webhooks = WebhookHub(clock.now)
        listen = getattr(org, "add_change_listener", None)
        if callable(listen):  # an organisation from a factory may not announce changes
            listen(webhooks.record)
        webhook = options.webhook_config()
        if webhook is not None:
            webhooks.register(webhook)
        return cls(
            options=options,
            clock=clock,
            org=org,
            identity=IdentityService(
                now=clock.now,
                tenant=lambda: tenant_of(org),
                policy=options.client_policy(),
                grace_seconds=options.refresh_grace_seconds,
            ),
            limits=RateLimiter(clock.now, options.limit_config(), lambda: clock.scale),
            faults=FaultInjector(spec, seed=fault_seed),
            webhooks=webhooks,
        )


def tenant_of(org: Organisation) -> tuple[str, str]:
    """The tenant id and name that ``/connections`` shows for the organisation."""
    name = str(org.organisation.get("Name") or "Demo Company")
    return org.tenant_id, name


def read_org_file(path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SandboxConfigError(f"cannot read organisation file {path}: {error}") from None
    if not isinstance(data, dict):
        raise SandboxConfigError(f"organisation file {path} must hold a JSON object")
    return data


def build_org(options: SandboxOptions, clock: SandboxClock) -> Any:
    """Generate (``--generate``, default ``demo``) or load (``--org``) the organisation."""
    from xerodesk.sandbox import generator, org  # the organisation side of the sandbox

    store = org.OrgStore(now=clock.now)
    if options.org_file is not None:
        store.load(read_org_file(options.org_file))
    else:
        store.load(generator.generate(options.generate or "demo", options.seed))
    return store
