"""System options: declared once here, stored as rows of ``system_option``.

The registry is data: the options tab of the app is generated from it, the
database is seeded from it, and ``Options`` reads typed values through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import Connection, insert, select, update

from xerodesk.errors import ConfigurationError
from xerodesk.store.models import SystemOption

ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"


class OptionType(StrEnum):
    BOOL = "bool"
    INT = "int"
    TEXT = "text"
    CHOICE = "choice"
    URL = "url"
    URL_TEMPLATE = "url_template"


@dataclass(frozen=True)
class OptionSpec:
    """One system option: its key, type, default and how to explain it."""

    name: str
    type: OptionType
    default: str
    label: str
    group: str
    help: str
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    required: bool = field(default=False)

    def parse(self, raw: str | None) -> Any:
        """The typed value of ``raw`` (the default when empty or missing)."""
        text = self.default if raw is None else raw.strip()
        if self.type is OptionType.BOOL:
            return _parse_bool(self.label, text)
        if self.type is OptionType.INT:
            return self._parse_int(text)
        if self.type is OptionType.CHOICE:
            return self._parse_choice(text)
        if self.type is OptionType.URL and text:
            _check_url(self.label, text)
        if self.type is OptionType.URL_TEMPLATE and text:
            _check_url(self.label, text.replace("{quote_id}", "1").replace("{quote_number}", "Q1"))
        return text

    def validate(self, raw: str) -> str:
        """``raw`` normalised for storage, or a ConfigurationError saying why not
        (naming the option by its label, as the options tab shows it)."""
        value = self.parse(raw)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def _parse_int(self, text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ConfigurationError(f"{self.label} must be a whole number, not “{text}”") from None
        if self.minimum is not None and value < self.minimum:
            raise ConfigurationError(f"{self.label} must be at least {self.minimum:,}")
        if self.maximum is not None and value > self.maximum:
            raise ConfigurationError(f"{self.label} must be at most {self.maximum:,}")
        return value

    def _parse_choice(self, text: str) -> str:
        upper = text.upper()
        if upper not in self.choices:
            allowed = ", ".join(self.choices)
            raise ConfigurationError(f"{self.label} must be one of {allowed}, not “{text}”")
        return upper


def _parse_bool(label: str, text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ConfigurationError(f"{label} must be on or off (true or false), not “{text}”")


def _check_url(label: str, text: str) -> None:
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigurationError(
            f"{label} must be a web address starting with https:// (or http://), not “{text}”"
        )


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "display_account_number",
        OptionType.BOOL,
        "true",
        "Show Xero account numbers",
        "Customers",
        "When on, a customer's display description is its Xero account number where one "
        "is set, so reps can find customers by the code they know; when off, always the name.",
    ),
    OptionSpec(
        "combine_descriptions",
        OptionType.BOOL,
        "false",
        "Combine product descriptions",
        "Orders",
        "When on, invoice lines sent to Xero carry the product description followed by its "
        "extended description.",
    ),
    OptionSpec(
        "import_currencies",
        OptionType.BOOL,
        "true",
        "Import currencies and rates",
        "Currencies",
        "When off, currencies and exchange rates in the CRM are left alone for you to "
        "manage by hand.",
    ),
    OptionSpec(
        "sync_interval_minutes",
        OptionType.INT,
        "2",
        "Minutes between syncs",
        "Sync",
        "The shortest time between scheduled passes: they come further apart when the "
        "day's Xero calls would not last at this pace. New customers and confirmed orders "
        "are sent at once whatever this says.",
        minimum=1,
        maximum=1440,
    ),
    OptionSpec(
        "webhook_poll_minutes",
        OptionType.INT,
        "30",
        "Minutes between syncs while Xero's webhooks work",
        "Sync",
        "With webhooks on, Xero announces changes to customers, invoices and credit notes "
        "as they happen, so scheduled syncs only need to catch what the announcements "
        "miss (such as items). This is the shortest time between them then.",
        minimum=1,
        maximum=1440,
    ),
    OptionSpec(
        "webhook_silence_minutes",
        OptionType.INT,
        "60",
        "Warn when webhooks are silent for (minutes)",
        "Sync",
        "When no announcement has come from Xero for this long while syncs still find "
        "changes there, xerodesk says webhooks look off and syncs as often as without them.",
        minimum=5,
        maximum=10080,
    ),
    OptionSpec(
        "pushed_invoice_status",
        OptionType.CHOICE,
        "DRAFT",
        "Status of new invoices",
        "Orders",
        "The status invoices get when a confirmed order creates them in Xero. DRAFT lets "
        "the accounts team review them before they are authorised.",
        choices=("DRAFT", "SUBMITTED", "AUTHORISED"),
    ),
    OptionSpec(
        "delivery_account_code",
        OptionType.TEXT,
        "",
        "Delivery account code",
        "Orders",
        "The Xero account code of the extra line added for an order's delivery charge.",
    ),
    OptionSpec(
        "delivery_description",
        OptionType.TEXT,
        "Delivery",
        "Delivery line description",
        "Orders",
        "The description of the delivery charge line on invoices.",
    ),
    OptionSpec(
        "quote_url_template",
        OptionType.URL_TEMPLATE,
        "",
        "Link back to the quote",
        "Orders",
        "An address put on each Xero invoice that leads back to the CRM quote; "
        "{quote_id} and {quote_number} are filled in. Empty: no link.",
    ),
    OptionSpec(
        "default_warehouse_code",
        OptionType.TEXT,
        "MAIN",
        "Default warehouse",
        "Products",
        "The warehouse that holds the stock on hand read from Xero.",
    ),
    OptionSpec(
        "rates_source_url",
        OptionType.URL,
        ECB_DAILY_URL,
        "Exchange rates source",
        "Currencies",
        "Where exchange rates come from: the European Central Bank's daily reference rates "
        "by default, or another feed in the same format.",
    ),
    OptionSpec(
        "derive_stock_commitments",
        OptionType.BOOL,
        "false",
        "Derive on-order and allocated",
        "Products",
        "Xero has no on-order or allocated stock. When on, they are worked out from open "
        "purchase orders, confirmed quotes and draft invoices; when off they stay empty.",
    ),
    OptionSpec(
        "daily_call_budget",
        OptionType.INT,
        "5000",
        "Xero calls a day",
        "Sync",
        "How many Xero API calls your organisation may make a day: 5,000, or 1,000 on "
        "Xero's Starter tier. Passes are planned to stay within it.",
        minimum=100,
        maximum=100000,
    ),
    OptionSpec(
        "reconcile_interval_hours",
        OptionType.INT,
        "24",
        "Hours between reconciliations",
        "Sync",
        "How often a cheap sweep looks for records deleted, voided or merged in Xero, which "
        "the routine sync cannot see.",
        minimum=1,
        maximum=720,
    ),
)

REGISTRY: Mapping[str, OptionSpec] = {spec.name: spec for spec in OPTIONS}


def spec_for(name: str) -> OptionSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ConfigurationError(f"there is no system option called {name!r}") from None


class Options:
    """Typed, validated values of the system options held in one database."""

    def __init__(self, raw: Mapping[str, str | None]) -> None:
        self._raw = dict(raw)

    @classmethod
    def load(cls, connection: Connection) -> Options:
        rows = connection.execute(select(SystemOption.name, SystemOption.value))
        return cls({name: value for name, value in rows})

    def get(self, name: str) -> Any:
        return spec_for(name).parse(self._raw.get(name))

    def raw(self, name: str) -> str:
        spec = spec_for(name)
        value = self._raw.get(name)
        return spec.default if value is None else value

    @property
    def display_account_number(self) -> bool:
        return bool(self.get("display_account_number"))

    @property
    def combine_descriptions(self) -> bool:
        return bool(self.get("combine_descriptions"))

    @property
    def import_currencies(self) -> bool:
        return bool(self.get("import_currencies"))

    @property
    def sync_interval_minutes(self) -> int:
        return int(self.get("sync_interval_minutes"))

    @property
    def webhook_poll_minutes(self) -> int:
        return int(self.get("webhook_poll_minutes"))

    @property
    def webhook_silence_minutes(self) -> int:
        return int(self.get("webhook_silence_minutes"))

    @property
    def pushed_invoice_status(self) -> str:
        return str(self.get("pushed_invoice_status"))

    @property
    def delivery_account_code(self) -> str:
        return str(self.get("delivery_account_code"))

    @property
    def delivery_description(self) -> str:
        return str(self.get("delivery_description"))

    @property
    def quote_url_template(self) -> str:
        return str(self.get("quote_url_template"))

    @property
    def default_warehouse_code(self) -> str:
        return str(self.get("default_warehouse_code"))

    @property
    def rates_source_url(self) -> str:
        return str(self.get("rates_source_url"))

    @property
    def derive_stock_commitments(self) -> bool:
        return bool(self.get("derive_stock_commitments"))

    @property
    def daily_call_budget(self) -> int:
        return int(self.get("daily_call_budget"))

    @property
    def reconcile_interval_hours(self) -> int:
        return int(self.get("reconcile_interval_hours"))


def set_option(connection: Connection, name: str, raw: str) -> str:
    """Validate and store one option; returns the stored text."""
    value = spec_for(name).validate(raw)
    existing = connection.execute(select(SystemOption).where(SystemOption.name == name)).first()
    if existing is None:
        connection.execute(insert(SystemOption).values(name=name, value=value))
    else:
        connection.execute(
            update(SystemOption).where(SystemOption.name == name).values(value=value)
        )
    return value


def seed_defaults(connection: Connection, preset: Mapping[str, str] | None = None) -> list[str]:
    """Insert a row for every option the database lacks; returns the names added.

    ``preset``: values to seed instead of the built-in defaults (the machine's
    defaults file, already validated); options already in the database stay."""
    chosen = preset or {}
    present = set(connection.execute(select(SystemOption.name)).scalars())
    missing = [spec for spec in OPTIONS if spec.name not in present]
    if missing:
        connection.execute(
            insert(SystemOption),
            [{"name": spec.name, "value": chosen.get(spec.name, spec.default)} for spec in missing],
        )
    return [spec.name for spec in missing]
