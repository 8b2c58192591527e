"""How the app words things: entity names, times, counts, outcomes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

ENTITY_NAMES: dict[str, str] = {
    "tax_rates": "Tax rates",
    "currencies": "Currencies",
    "contacts": "Customers and suppliers",
    "items": "Products",
    "invoices": "Sales invoices",
    "credit_notes": "Credit notes",
    "purchase_orders": "Purchase orders",
}

OUTCOMES: dict[str, str] = {
    "ok": "Finished",
    "running": "Running",
    "cancelled": "Stopped",
    "failed": "Failed",
    "day_limit": "Daily call limit reached",
}


def entity_name(entity: str) -> str:
    return ENTITY_NAMES.get(entity, entity.replace("_", " ").capitalize())


def outcome_text(outcome: str | None) -> str:
    if outcome is None:
        return ""
    return OUTCOMES.get(outcome, outcome.replace("_", " ").capitalize())


def when(moment: datetime | None, empty: str = "never") -> str:
    """A time in the user's local zone: ``14:05`` today, else ``2 Mar 14:05``."""
    if moment is None:
        return empty
    local = moment.astimezone()
    now = datetime.now(UTC).astimezone()
    if local.date() == now.date():
        return local.strftime("%H:%M:%S")
    if local.year == now.year:
        return local.strftime("%d %b %H:%M")
    return local.strftime("%d %b %Y %H:%M")


def clock(moment: datetime) -> str:
    """A time of day in the user's local zone: ``14:05`` today, else ``2 Mar 14:05``."""
    local = moment.astimezone()
    if local.date() == datetime.now(UTC).astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%d %b %H:%M")


def stamp(moment: datetime | None) -> str:
    """A full local date and time, for tables and details."""
    return "" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def relative(moment: datetime | None, empty: str = "not scheduled") -> str:
    """``in 4 min``, ``in 20 s``, ``now``."""
    if moment is None:
        return empty
    seconds = (moment - datetime.now(UTC)).total_seconds()
    if seconds <= 1:
        return "now"
    if seconds < 90:
        return f"in {int(seconds)} s"
    if seconds < 90 * 60:
        return f"in {round(seconds / 60)} min"
    return when(moment)


def number(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def home_relative(text: str) -> str:
    """``text`` with the user's home folder written ``~``, as people know it."""
    home = str(Path.home())
    return text.replace(home + "/", "~/") if len(home) > 1 else text


#: review item kinds in a person's words
KIND_NAMES: dict[str, str] = {
    "conflict": "Changed on both sides",
    "crm_edit": "Changed in the CRM",
    "customer_on_stop": "Customer on stop",
    "contact_merged": "Contacts merged in Xero",
    "malformed_record": "Record not imported",
    "sanity_guard": "Unexpected sync result",
    "push_blocked": "Order held back",
    "push_failed": "Not sent to Xero",
    "push_duplicate_contact": "Already in Xero",
    "rates_unavailable": "Exchange rates not read",
    "rates_missing": "Exchange rate missing",
}


def kind_name(kind: str) -> str:
    """A review item's kind in words: ``crm_edit`` → ``Changed in the CRM``."""
    return KIND_NAMES.get(kind, kind.replace("_", " ").capitalize())


#: what a person (or the sync) decided on a review item, in words
RESOLUTIONS: dict[str, str] = {
    "dismissed": "Dismissed",
    "kept_xero": "Kept Xero's value",
    "sent_crm": "Sent the CRM value to Xero",
    "retry": "Looked again in Xero",
    "retried": "Sent to Xero again",
    "released": "Order released to Xero",
    "linked": "Linked to the existing Xero record",
    "pushed": "Sent to Xero",
    "cancelled": "No longer to be sent to Xero",
    "nothing_to_do": "Nothing left to do: it had been sent meanwhile",
    "matches_xero": "The CRM matches Xero again",
    "off_stop": "The customer is off stop",
}

#: what an open item is waiting for, after a person asked for it
WAITING: dict[str, str] = {
    "send_requested": "The CRM value goes to Xero with the next push",
    "link_requested": "The link is made with the next push",
    "retry_requested": "Xero is being read again",
}


def decision_text(resolution: str | None, details: dict[str, object] | None = None) -> str:
    """What was decided, ``Linked to the Xero contact Acme Ltd``."""
    if resolution is None:
        return "Resolved"
    name = (details or {}).get("name")
    if resolution == "linked" and isinstance(name, str) and name:
        return f"Linked to the Xero contact {name}"
    return RESOLUTIONS.get(resolution, resolution.replace("_", " ").capitalize())


def item_state(
    resolved_at: datetime | None, resolution: str | None, details: dict[str, object] | None = None
) -> str:
    """An item's state in words: ``Open``, or what was decided and when."""
    if resolved_at is None:
        return WAITING.get(resolution or "", "Open")
    return f"{decision_text(resolution, details)}, {stamp(resolved_at)}"


def plural(count: int, singular: str, many: str | None = None) -> str:
    """``1 customer``, ``2 customers``, ``1,204 invoices``; ``many`` for irregular words."""
    word = singular if count == 1 else (many or singular + "s")
    return f"{count:,} {word}"


def calls_left_today(left: int, limit: int) -> str:
    """``4,512 of 5,000 left today``: the day's Xero calls, as the status bar and the
    Sync status tab both say them."""
    return f"{left:,} of {limit:,} left today"


def about(seconds: float) -> str:
    """A time left, as roughly as it is known: ``about 40 s``, ``about 4 min``,
    ``about 2 h 10 min``."""
    if seconds < 60:
        return f"about {max(5, round(seconds / 5) * 5)} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"about {minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"about {hours} h {rest:02d} min"
