"""A webhook subscription's settings, as ``POST /_sandbox/webhooks`` takes them.

``{"url", "key"}`` are required; everything else has a default. Where Xero
documents a behaviour the default follows it and the comment says where;
the rest are the sandbox's own choices, kept as options:

=====================  =======  ==============================================
option                 default  meaning
=====================  =======  ==============================================
categories             all      CONTACT, INVOICE, CREDITNOTE (Xero's categories
                                for an organisation: xero-webhooks.yaml)
intent                 true     start as PENDING_INTENT until intent to receive
                                passes; false starts OK at once
delay_seconds          0        sandbox time from a change until its event may
                                go (Xero documents none)
batch_seconds          5        events ready within this long of the first one
                                go in one delivery (Xero batches events into
                                one payload with first/last sequence numbers,
                                developer.xero.com/documentation/webhooks/
                                overview; how long it gathers is undocumented)
max_events             100      events per delivery at most (undocumented)
retry_first_seconds    60       first gap before a retry; each gap doubles
retry_max_seconds      3600     ... up to this ("decreasing frequency",
                                configuring-your-server; the gaps are ours)
give_up_seconds        86400    failing this long disables the subscription
                                ("for up to 24 hours", configuring-your-server)
timeout_seconds        5        real seconds the receiver has to answer ("within
                                5 seconds", configuring-your-server)
seed                   0        entropy and fault draws
faults                 none     ``{"drop", "repeat", "delay", "missign"}``
                                probabilities (at most one fault a delivery,
                                adding up to 1 at most), ``"delay_seconds"``
=====================  =======  ==============================================
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CATEGORIES = ("CONTACT", "INVOICE", "CREDITNOTE")
FAULT_KINDS = ("drop", "repeat", "delay", "missign")


class WebhookConfigError(ValueError):
    """A subscription the sandbox cannot take; the message says why."""


@dataclass(frozen=True)
class WebhookFaults:
    """Per-delivery faults: ``drop`` (never sent, its events lost, as when
    Xero's side loses them), ``repeat`` (sent twice), ``delay`` (first sent
    ``delay_seconds`` late) and ``missign`` (first sent with a wrong
    signature, so a correct receiver answers 401 and it is retried)."""

    rates: dict[str, float] = field(default_factory=dict)
    delay_seconds: float = 600.0

    @classmethod
    def from_json(cls, data: Any) -> WebhookFaults:
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise WebhookConfigError("faults must be an object")
        rates: dict[str, float] = {}
        delay = _number(data.get("delay_seconds", 600.0), "faults.delay_seconds")
        for name, value in data.items():
            if name == "delay_seconds":
                continue
            if name not in FAULT_KINDS:
                known = ", ".join(FAULT_KINDS)
                raise WebhookConfigError(f"unknown webhook fault {name!r} (known: {known})")
            rate = _number(value, f"faults.{name}")
            if rate > 1:
                raise WebhookConfigError(f"faults.{name} must be within 0..1")
            rates[name] = rate
        if sum(rates.values()) > 1.0 + 1e-9:
            raise WebhookConfigError("webhook fault probabilities add up to more than 1")
        return cls(rates, delay)

    def describe(self) -> dict[str, float]:
        return {**self.rates, "delay_seconds": self.delay_seconds}


@dataclass(frozen=True)
class WebhookConfig:
    """One subscription's settings; see the module documentation."""

    url: str
    key: str
    categories: tuple[str, ...] = CATEGORIES
    intent: bool = True
    delay_seconds: float = 0.0
    batch_seconds: float = 5.0
    max_events: int = 100
    retry_first_seconds: float = 60.0
    retry_max_seconds: float = 3600.0
    give_up_seconds: float = 86400.0
    timeout_seconds: float = 5.0
    seed: int = 0
    faults: WebhookFaults = field(default_factory=WebhookFaults)

    @classmethod
    def from_json(cls, data: Any) -> WebhookConfig:
        if not isinstance(data, dict):
            raise WebhookConfigError("the subscription must be an object")
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise WebhookConfigError(f"unknown webhook option(s): {', '.join(sorted(unknown))}")
        url, key = data.get("url"), data.get("key")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise WebhookConfigError("url must be an http(s) URL")
        if not isinstance(key, str) or not key:
            raise WebhookConfigError("key must be a non-empty string")
        numbers = {
            name: _number(data[name], name)
            for name in known - {"url", "key", "categories", "intent", "faults", "seed"}
            if name in data
        }
        if "max_events" in numbers:
            numbers["max_events"] = max(1, int(numbers["max_events"]))
        for name in ("retry_first_seconds", "timeout_seconds"):
            if name in numbers and numbers[name] <= 0:
                raise WebhookConfigError(f"{name} must be positive")
        return cls(
            url=url,
            key=key,
            categories=_categories(data.get("categories")),
            intent=bool(data.get("intent", True)),
            seed=int(_number(data.get("seed", 0), "seed")),
            faults=WebhookFaults.from_json(data.get("faults")),
            **numbers,  # type: ignore[arg-type]
        )

    def describe(self) -> dict[str, Any]:
        """The settings as JSON, without the key."""
        shown = asdict(self)
        shown.pop("key")
        shown["categories"] = list(self.categories)
        shown["faults"] = self.faults.describe()
        return shown


def _categories(value: Any) -> tuple[str, ...]:
    if value is None:
        return CATEGORIES
    if not isinstance(value, list) or not value:
        raise WebhookConfigError("categories must be a non-empty list")
    chosen = tuple(str(v).upper() for v in value)
    bad = [c for c in chosen if c not in CATEGORIES]
    if bad:
        raise WebhookConfigError(
            f"unknown categories {', '.join(bad)} (known: {', '.join(CATEGORIES)})"
        )
    return chosen


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise WebhookConfigError(f"{name} must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise WebhookConfigError(f"{name} must be a number") from None
    if number < 0:
        raise WebhookConfigError(f"{name} must not be negative")
    return number
