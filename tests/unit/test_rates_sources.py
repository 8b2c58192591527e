"""Which rates feed a pass reads, and how its rates are labelled."""

from __future__ import annotations

import pytest

from xerodesk.engine.rates import rates_url, source_label
from xerodesk.store.options import ECB_DAILY_URL
from xerodesk.xero.endpoints import XeroEndpoints

SANDBOX = XeroEndpoints.for_base("http://127.0.0.1:8123/")


@pytest.mark.parametrize(
    ("option", "endpoints", "expected"),
    [
        (ECB_DAILY_URL, XeroEndpoints(), ECB_DAILY_URL),  # real Xero: the ECB itself
        (ECB_DAILY_URL, SANDBOX, "http://127.0.0.1:8123/rates/eurofxref-daily.xml"),
        ("https://rates.example/daily.xml", SANDBOX, "https://rates.example/daily.xml"),
        ("https://rates.example/daily.xml", XeroEndpoints(), "https://rates.example/daily.xml"),
    ],
    ids=["xero-default", "sandbox-default", "sandbox-chosen", "xero-chosen"],
)
def test_rates_url(option: str, endpoints: XeroEndpoints, expected: str) -> None:
    assert rates_url(option, endpoints) == expected


@pytest.mark.parametrize(
    ("url", "label"),
    [
        (ECB_DAILY_URL, "ECB"),
        ("http://127.0.0.1:8123/rates/eurofxref-daily.xml", "ECB"),  # a sandbox's copy
        ("https://rates.example/eurofxref-daily.xml", "rates.example"),
        ("https://fx.bank.example/feeds/today.xml", "fx.bank.example"),
    ],
)
def test_source_label(url: str, label: str) -> None:
    assert source_label(url) == label
