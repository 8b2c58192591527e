"""Serving: loopback only, the base URL first, clean stops, the background server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from xerodesk.sandbox.server import SandboxServer, bind_socket
from xerodesk.sandbox.state import SandboxConfigError, SandboxOptions, check_loopback

REPO = Path(__file__).parents[2]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.5", "::1", "[::1]", "localhost"])
def test_loopback_hosts_are_accepted(host: str) -> None:
    check_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.com", ""])
def test_other_hosts_are_refused(host: str) -> None:
    with pytest.raises(SandboxConfigError, match="loopback only"):
        check_loopback(host)
    with pytest.raises(SandboxConfigError, match="loopback only"):
        SandboxOptions(host=host).validate()


def test_bad_options_are_refused_with_a_reason(tmp_path: Path) -> None:
    cases = [
        (SandboxOptions(org_file=tmp_path / "missing.json"), "not found"),
        (SandboxOptions(org_file=tmp_path, generate="demo"), "not both"),
        (SandboxOptions(clock_scale=0), "clock-scale"),
        (SandboxOptions(rate_limits="sometimes"), "mode"),
        (SandboxOptions(daily_limit=0), "daily"),
        (SandboxOptions(faults="500=7"), "--faults"),
        (SandboxOptions(client=("id", "")), "ID:SECRET"),
        (SandboxOptions(port=70000), "port"),
    ]
    for options, message in cases:
        with pytest.raises(SandboxConfigError, match=message):
            options.validate()


def test_a_taken_port_is_a_clear_error() -> None:
    taken = bind_socket("127.0.0.1", 0)
    try:
        port = taken.getsockname()[1]
        with pytest.raises(SandboxConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            bind_socket("127.0.0.1", port)
    finally:
        taken.close()


def test_background_server_binds_loopback_and_stops() -> None:
    server = SandboxServer()
    with server:
        assert server.base_url.startswith("http://127.0.0.1:")
        port = int(server.base_url.rsplit(":", 1)[1])
        assert httpx.get(server.base_url + "/").json()["tenantId"] == server.state.org.tenant_id
        outside = _non_loopback_address()
        if outside is not None:
            with pytest.raises(OSError):
                socket.create_connection((outside, port), timeout=1).close()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.base_url + "/", timeout=1)


def test_background_server_on_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        bind_socket("::1", 0).close()
    except SandboxConfigError:
        pytest.skip("no IPv6 loopback here")
    options = SandboxOptions(host="::1")
    with SandboxServer(options) as server:
        assert server.base_url.startswith("http://[::1]:")
        assert httpx.get(server.base_url + "/_sandbox/clock").status_code == 200


def _non_loopback_address() -> str | None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent for UDP connect
        address: str = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def _xerodesk() -> list[str]:
    return [sys.executable, "-m", "xerodesk"]


def _start(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="0")
    return subprocess.Popen(
        [*_xerodesk(), "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )


def _wait_until_serving(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url + "/_sandbox/clock", timeout=2)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the sandbox never answered"
            time.sleep(0.05)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_the_url_first_and_stops_cleanly(stop: signal.Signals) -> None:
    process = _start("--host", "127.0.0.1", "--port", "0", "--generate", "demo", "--seed", "2")
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        assert first.startswith("http://127.0.0.1:"), first
        _wait_until_serving(first)
        token = httpx.post(
            first + "/connect/token",
            data={"grant_type": "client_credentials"},
            auth=("smoke", "smoke-secret"),
        )
        assert token.status_code == 200
        process.send_signal(stop)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "smoke-secret" not in out + err and token.json()["access_token"] not in out + err


def test_cli_refuses_a_public_host() -> None:
    process = _start("--host", "0.0.0.0", "--port", "0")
    out, err = process.communicate(timeout=60)
    assert process.returncode != 0, err
    assert out == ""  # no URL: nothing was served
    assert "the sandbox serves on loopback only" in err


def test_cli_refuses_a_clock_start_that_is_no_time() -> None:
    process = _start("--clock-start", "next tuesday")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2, err
    assert out == "" and "Traceback" not in err
    assert "--clock-start must be a time such as 2026-03-02T09:00:00Z" in err


def test_cli_options_reach_the_sandbox() -> None:
    process = _start(
        "--port",
        "0",
        "--generate",
        "demo",
        "--rate-limits",
        "off",
        "--daily-limit",
        "1000",
        "--faults",
        "503=0.5,seed=3",
        "--clock-scale",
        "30",
        "--clock-start",
        "2026-07-06T09:00:00Z",
        "--client",
        "app:secret",
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        _wait_until_serving(url)
        limits = httpx.get(url + "/_sandbox/limits").json()
        assert limits["config"]["mode"] == "off" and limits["config"]["daily"] == 1000
        assert httpx.get(url + "/_sandbox/faults").json()["rates"] == {"503": 0.5}
        clock = httpx.get(url + "/_sandbox/clock").json()
        assert clock["scale"] == 30
        # started at the time asked for, not the machine's (30 times faster since)
        assert clock["now"].startswith("2026-07-06T09:"), clock
        refused = httpx.post(
            url + "/connect/token", data={"grant_type": "client_credentials"}, auth=("x", "y")
        )
        assert refused.json() == {"error": "invalid_client"}
    finally:
        process.terminate()
        process.communicate(timeout=20)
    assert process.returncode == 0
