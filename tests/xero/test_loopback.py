"""PKCE helpers and the one-shot loopback redirect listener."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re

import httpx
import pytest

from xerodesk.errors import AuthenticationError
from xerodesk.xero.signin import LoopbackRedirect, code_challenge, make_code_verifier


def test_verifier_and_s256_challenge() -> None:
    verifier = make_code_verifier()
    value = verifier.reveal()
    assert re.fullmatch(r"[A-Za-z0-9\-._~]{43,128}", value)
    expected = base64.urlsafe_b64encode(hashlib.sha256(value.encode()).digest()).rstrip(b"=")
    assert code_challenge(verifier) == expected.decode()
    assert make_code_verifier() != verifier


async def _get(url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=5) as http:
        return await http.get(url)


async def test_one_callback_with_the_right_state_then_closed() -> None:
    async with LoopbackRedirect("the-state", port=0) as redirect:
        uri = redirect.redirect_uri
        assert uri.startswith("http://localhost:") and uri.endswith("/callback")
        local = uri.replace("localhost", "127.0.0.1")
        waiting = asyncio.ensure_future(redirect.wait(timeout=10))
        wrong = await _get(local + "?code=evil&state=other")
        assert wrong.status_code == 400
        assert (await _get(local.replace("/callback", "/elsewhere"))).status_code == 404
        assert not waiting.done()
        right = await _get(local + "?code=the-code&state=the-state")
        assert right.status_code == 200
        code = await waiting
        assert code.reveal() == "the-code"
        with pytest.raises(httpx.ConnectError):
            await _get(local + "?code=again&state=the-state")


async def test_listener_binds_loopback_ipv4_only() -> None:
    async with LoopbackRedirect("s", port=0) as redirect:
        server = redirect._server
        assert server is not None
        assert {sock.getsockname()[0] for sock in server.sockets} == {"127.0.0.1"}


async def test_a_refused_consent_is_an_authentication_error() -> None:
    async with LoopbackRedirect("s", port=0) as redirect:
        local = redirect.redirect_uri.replace("localhost", "127.0.0.1")
        waiting = asyncio.ensure_future(redirect.wait(timeout=10))
        await _get(local + "?error=access_denied&state=s")
        with pytest.raises(AuthenticationError, match="cancelled in Xero"):
            await waiting


async def test_no_answer_in_time() -> None:
    async with LoopbackRedirect("s", port=0) as redirect:
        with pytest.raises(AuthenticationError, match="not completed in time"):
            await redirect.wait(timeout=0.05)
