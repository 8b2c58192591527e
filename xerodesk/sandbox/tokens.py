"""Token-shaped strings: Xero-like JWTs, PKCE challenges, identity timestamps.

The sandbox never verifies a JWT (it looks tokens up); these only have to look
and decode like Xero's so a client can read ``exp`` or
``authentication_event_id`` from an access token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from datetime import datetime
from typing import Any

ISSUER = "https://identity.xero.com"
ID_TOKEN_SECONDS = 300
VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
CHALLENGE_RE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


def pkce_challenge(verifier: str) -> str:
    """base64url(SHA-256(verifier)) without padding, as S256 wants."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def pkce_ok(verifier: str, challenge: str) -> bool:
    """Whether a code verifier is well formed and matches the S256 challenge."""
    if not VERIFIER_RE.match(verifier):
        return False
    return secrets.compare_digest(pkce_challenge(verifier), challenge)


def identity_datetime(moment: datetime) -> str:
    """Identity's timestamp form: ISO, seven fractional digits, no zone (UTC)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt(claims: dict[str, Any]) -> str:
    """A JWT-looking string: real header and claims, a random "signature"."""
    header = {"alg": "RS256", "kid": "1CAF8E66772D6DC028D6726FD0261581570EFC19", "typ": "JWT"}
    parts = [json.dumps(header, separators=(",", ":")), json.dumps(claims, separators=(",", ":"))]
    return ".".join([*(_b64(p.encode()) for p in parts), _b64(secrets.token_bytes(256))])


def access_token(
    client_id: str,
    auth_event_id: str,
    user_id: str | None,
    scopes: frozenset[str],
    now: datetime,
    expires: datetime,
) -> str:
    claims: dict[str, Any] = {
        "nbf": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "iss": ISSUER,
        "aud": f"{ISSUER}/resources",
        "client_id": client_id,
        "jti": secrets.token_hex(16),
        "authentication_event_id": auth_event_id,
        "scope": sorted(scopes),
    }
    if user_id:
        claims.update(sub=user_id, xero_userid=user_id, auth_time=claims["nbf"])
    return jwt(claims)


def id_token(client_id: str, user_id: str, nonce: str | None, now: datetime) -> str:
    claims: dict[str, Any] = {
        "nbf": int(now.timestamp()),
        "exp": int(now.timestamp()) + ID_TOKEN_SECONDS,
        "iss": ISSUER,
        "aud": client_id,
        "iat": int(now.timestamp()),
        "sub": user_id,
        "xero_userid": user_id,
        "preferred_username": "demo@example.com",
        "email": "demo@example.com",
        "given_name": "Demo",
        "family_name": "User",
        "name": "Demo User",
    }
    if nonce:
        claims["nonce"] = nonce
    return jwt(claims)
