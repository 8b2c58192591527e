"""ISO 4217 currency codes Xero knows (its ``CurrencyCode`` enumeration).

Used to tell an unknown currency code from a real one when a record names
one. The list includes a few codes ISO has since withdrawn (``EEK``, ``LTL``,
``VEF``...) because Xero still accepts documents in them.
"""

from __future__ import annotations

__all__ = ["XERO_CURRENCY_CODES", "is_known_currency"]

XERO_CURRENCY_CODES: frozenset[str] = frozenset(
    """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL
BSD BTN BWP BYN BYR BZD CAD CDF CHF CLF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK
DOP DZD EEK EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK
HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
LAK LBP LKR LRD LSL LTL LVL LYD MAD MDL MGA MKD MMK MNT MOP MRO MRU MUR MVR MWK
MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON
RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SKK SLE SLL SOS SRD STD STN SVC SYP SZL
THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VEF VES VND VUV WST XAF
XCD XOF XPF YER ZAR ZMK ZMW ZWD
""".split()
)


def is_known_currency(code: str) -> bool:
    """Whether ``code`` is a currency code Xero knows (exact, upper case)."""
    return code in XERO_CURRENCY_CODES
