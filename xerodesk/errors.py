"""One exception tree, grouped by what the caller must do.

Every error carries text a user can read: no tracebacks, no secrets. The CLI
maps the groups to exit statuses (see ``exit_status``).
"""

from __future__ import annotations


class XerodeskError(Exception):
    """Base of every error xerodesk raises on purpose; ``str()`` is user text."""

    exit_status = 1


class ConfigurationError(XerodeskError):
    """Bad usage or configuration: the user must change something (exit 2)."""

    exit_status = 2


class UnreachableError(XerodeskError):
    """Xero or the database could not be reached (exit 3); retrying later may work."""

    exit_status = 3


class DatabaseUnreachableError(UnreachableError):
    """The CRM database server did not answer."""


class XeroUnreachableError(UnreachableError):
    """Xero (or the sandbox) did not answer."""


class RetryableError(XerodeskError):
    """A transient failure: the same request may succeed if retried."""


class RateLimitedError(RetryableError):
    """Xero said 429; ``retry_after`` is in seconds."""

    def __init__(self, message: str, retry_after: float, problem: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.problem = problem


class DailyLimitReachedError(XerodeskError):
    """The organisation's daily call budget is spent: stop and resume after the reset."""

    exit_status = 3

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ReviewError(XerodeskError):
    """A record that cannot be synced as it stands: it goes to the review queue."""


class XeroValidationError(ReviewError):
    """Xero refused a record; ``messages`` are Xero's own validation messages."""

    def __init__(self, message: str, messages: list[str] | None = None) -> None:
        super().__init__(message)
        self.messages = list(messages or [])


class MalformedRecordError(ReviewError):
    """A Xero record that cannot be mapped (missing name, bad date, ...)."""


class AuthenticationError(XerodeskError):
    """The user must sign in again (expired or revoked refresh token)."""

    exit_status = 2


class CancelledByUser(XerodeskError):
    """The user pressed Stop; nothing half-written is left behind."""


def exit_status(error: BaseException) -> int:
    """The CLI exit status for an error (1 when it is not one of ours)."""
    if isinstance(error, XerodeskError):
        return error.exit_status
    return 1


class XeroRequestError(XerodeskError):
    """Xero refused a request for a reason retrying will not fix (a bad filter, an
    unsupported call); ``status`` is the HTTP status, ``messages`` Xero's own words."""

    def __init__(self, message: str, status: int, messages: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.messages = list(messages or [])


class XeroNotFoundError(XeroRequestError):
    """The record or endpoint asked for does not exist in this organisation."""
