"""Xero's OAuth scopes and which Accounting API endpoints each one opens.

Both the broad scopes (``accounting.transactions``) and the granular ones that
replace them from 2026 (``accounting.invoices``, ``accounting.payments``, ...)
are accepted. A GET needs the scope or its ``.read`` variant; a write needs the
scope itself. A token without the needed scope gets Xero's 401
``AuthorizationUnsuccessful``.
"""

from __future__ import annotations

OPENID_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})

_READ_WRITE = (
    "accounting.transactions",
    "accounting.contacts",
    "accounting.settings",
    "accounting.attachments",
    "accounting.invoices",
    "accounting.payments",
    "accounting.banktransactions",
    "accounting.manualjournals",
    "accounting.classicexpenses",
    "files",
    "assets",
    "projects",
    "payroll.employees",
    "payroll.payruns",
    "payroll.payslip",
    "payroll.timesheets",
    "payroll.settings",
)
_READ_ONLY = (
    "accounting.reports.read",
    "accounting.journals.read",
    "accounting.budgets.read",
    "accounting.reports.tenninetynine.read",
    "accounting.reports.aged.read",
    "accounting.reports.balancesheet.read",
    "accounting.reports.banksummary.read",
    "accounting.reports.budgetsummary.read",
    "accounting.reports.executivesummary.read",
    "accounting.reports.profitandloss.read",
    "accounting.reports.trialbalance.read",
    "accounting.reports.taxreports.read",
)
API_SCOPES = frozenset(
    [*_READ_WRITE, *(s + ".read" for s in _READ_WRITE), *_READ_ONLY, "app.connections"]
)
KNOWN_SCOPES = OPENID_SCOPES | API_SCOPES

_INVOICING = ("accounting.invoices", "accounting.transactions")
_SETTINGS = ("accounting.settings",)
# Endpoint (first path segment, lower case) -> scopes that open it.
ENDPOINT_SCOPES: dict[str, tuple[str, ...]] = {
    "contacts": ("accounting.contacts",),
    "contactgroups": ("accounting.contacts",),
    "organisation": _SETTINGS,
    "organisations": _SETTINGS,
    "taxrates": _SETTINGS,
    "currencies": _SETTINGS,
    "accounts": _SETTINGS,
    "trackingcategories": _SETTINGS,
    "brandingthemes": _SETTINGS,
    "users": _SETTINGS,
    "items": ("accounting.settings", *_INVOICING),
    "invoices": _INVOICING,
    "creditnotes": _INVOICING,
    "purchaseorders": _INVOICING,
    "quotes": _INVOICING,
    "repeatinginvoices": _INVOICING,
    "linkedtransactions": _INVOICING,
    "payments": ("accounting.payments", "accounting.transactions"),
    "batchpayments": ("accounting.payments", "accounting.transactions"),
    "overpayments": ("accounting.payments", "accounting.transactions"),
    "prepayments": ("accounting.payments", "accounting.transactions"),
    "banktransactions": ("accounting.banktransactions", "accounting.transactions"),
    "banktransfers": ("accounting.banktransactions", "accounting.transactions"),
    "manualjournals": ("accounting.manualjournals", "accounting.transactions"),
    "receipts": ("accounting.classicexpenses", "accounting.transactions"),
    "expenseclaims": ("accounting.classicexpenses", "accounting.transactions"),
    "journals": ("accounting.journals.read",),
    "reports": ("accounting.reports.read",),
    "budgets": ("accounting.budgets.read",),
}


def client_credentials_scopes() -> frozenset[str]:
    """What a custom connection may hold: every API scope (no OpenID ones)."""
    return API_SCOPES - {"app.connections"}


def endpoint_of(path: str) -> tuple[str, bool]:
    """The endpoint key of an API path, and whether it touches attachments."""
    segments = [s for s in path.split("/") if s]
    if not segments:
        return "", False
    attachments = any(s.lower() == "attachments" for s in segments[1:])
    return segments[0].lower(), attachments


def scope_allows(granted: frozenset[str], method: str, path: str) -> bool:
    """Whether a token holding ``granted`` may make this Accounting API call."""
    endpoint, attachments = endpoint_of(path)
    needed = ("accounting.attachments",) if attachments else ENDPOINT_SCOPES.get(endpoint)
    if needed is None:
        return True
    reading = method.upper() in ("GET", "HEAD")
    for scope in needed:
        if scope in granted:
            return True
        if reading and not scope.endswith(".read") and scope + ".read" in granted:
            return True
    return False
