"""Where the webhook receiver listens: ``--webhooks [HOST:]PORT``, loopback unless told."""

from __future__ import annotations

import logging

import pytest

from xerodesk.engine.webhooks.serving import ListenAddress, bind, parse_listen
from xerodesk.errors import ConfigurationError


@pytest.mark.parametrize(
    ("text", "host", "port", "loopback"),
    [
        ("8080", "127.0.0.1", 8080, True),
        ("localhost:8080", "localhost", 8080, True),
        ("127.0.0.1:0", "127.0.0.1", 0, True),
        ("[::1]:8443", "::1", 8443, True),
        ("0.0.0.0:8080", "0.0.0.0", 8080, False),
        ("10.0.0.5:9000", "10.0.0.5", 9000, False),
    ],
)
def test_addresses(text: str, host: str, port: int, loopback: bool) -> None:
    address = parse_listen(text)
    assert (address.host, address.port, address.loopback) == (host, port, loopback)


@pytest.mark.parametrize("text", ["", "http", ":8080", "::1:8080", "host:99999", "8080:x"])
def test_bad_addresses_are_one_line_errors(text: str) -> None:
    with pytest.raises(ConfigurationError, match=r"--webhooks takes \[HOST:\]PORT"):
        parse_listen(text)


def test_listening_beyond_loopback_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="xerodesk")
    inside = bind(ListenAddress("127.0.0.1", 0))
    inside.close()
    assert caplog.records == []
    wide = bind(ListenAddress("0.0.0.0", 0))
    wide.close()
    [warning] = caplog.records
    assert "beyond this machine" in warning.getMessage()
    assert "HTTPS reverse proxy" in warning.getMessage()


def test_a_port_in_use_is_a_one_line_error() -> None:
    first = bind(ListenAddress("127.0.0.1", 0))
    try:
        port = first.getsockname()[1]
        with pytest.raises(ConfigurationError) as refused:
            bind(ListenAddress("127.0.0.1", port))
    finally:
        first.close()
    message = str(refused.value)
    assert message.startswith(f"cannot receive Xero's webhooks on 127.0.0.1:{port}: ")
    assert "\n" not in message
