"""Xero identity in the sandbox, over HTTP: PKCE, tokens, rotation, connections, refusals."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.contract.spec import IDENTITY_URI, assert_valid, identity_spec, problems
from tests.support.sandbox import RunningSandbox, basic_auth
from xerodesk.sandbox.tokens import pkce_challenge

REDIRECT = "http://localhost:8765/callback"
SCOPES = "openid profile email offline_access accounting.contacts accounting.settings"


@pytest.fixture
def sb(make_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    return make_sandbox()


def authorize(
    sb: RunningSandbox, verifier: str, scope: str = SCOPES, **extra: str
) -> dict[str, list[str]]:
    """Play the browser: ask for consent and return the redirect's query."""
    params = {
        "response_type": "code",
        "client_id": "desktop-app",
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": "st-123",
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
        **extra,
    }
    response = sb.http.get("/identity/connect/authorize", params=params)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return parse_qs(urlsplit(location).query)


def exchange(sb: RunningSandbox, code: str, verifier: str, **extra: str) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "client_id": "desktop-app",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        **extra,
    }
    return sb.http.post("/connect/token", data=data)


def refresh(sb: RunningSandbox, token: str, client_id: str = "desktop-app") -> httpx.Response:
    data = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": token}
    return sb.http.post("/connect/token", data=data)


def login(sb: RunningSandbox, scope: str = SCOPES) -> dict[str, Any]:
    verifier = secrets.token_urlsafe(48)
    query = authorize(sb, verifier, scope)
    response = exchange(sb, query["code"][0], verifier)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def api_get(sb: RunningSandbox, token: str, path: str, tenant: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if tenant is not None:
        headers["xero-tenant-id"] = tenant
    return sb.http.get("/api.xro/2.0" + path, headers=headers)


def tenant_of(sb: RunningSandbox, token: str) -> str:
    listing = sb.http.get("/connections", headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 200
    tenant: str = listing.json()[0]["tenantId"]
    return tenant


def claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return decoded


def offset_free_times(connection: dict[str, Any]) -> list[str]:
    """What the Identity schema finds in a connection whose times are written as Xero writes them.

    Xero gives ``createdDateUtc`` and ``updatedDateUtc`` without an offset
    (``2019-12-07T18:46:19.5165400`` in the spec's own example), which the
    schema's ``date-time`` format refuses: those two findings, and no other.
    """
    return [
        f"{name}: {connection[name]!r} is not a 'date-time'"
        for name in ("createdDateUtc", "updatedDateUtc")
    ]


def test_connections_read_as_xeros_own_example() -> None:
    operation = identity_spec()["paths"]["/Connections"]["get"]
    [xero] = json.loads(operation["responses"]["200"]["content"]["application/json"]["example"])
    assert problems(xero, "Connection", IDENTITY_URI) == offset_free_times(xero)
    assert len(xero["createdDateUtc"].split(".")[1]) == 7


def test_pkce_flow_end_to_end(sb: RunningSandbox) -> None:
    verifier = secrets.token_urlsafe(48)
    query = authorize(sb, verifier)
    assert query["state"] == ["st-123"]
    response = exchange(sb, query["code"][0], verifier)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {
        "id_token",
        "access_token",
        "expires_in",
        "token_type",
        "refresh_token",
        "scope",
    }
    assert body["expires_in"] == 1800 and body["token_type"] == "Bearer"
    assert_valid(body, "AccessToken", IDENTITY_URI)
    assert set(body["scope"].split()) == set(SCOPES.split())
    access = claims(body["access_token"])
    assert access["client_id"] == "desktop-app"
    assert access["exp"] - access["nbf"] == 1800
    assert claims(body["id_token"])["aud"] == "desktop-app"

    listing = sb.http.get(
        "/connections",
        params={"authEventId": access["authentication_event_id"]},
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert listing.status_code == 200
    [connection] = listing.json()
    assert problems(connection, "Connection", IDENTITY_URI) == offset_free_times(connection)
    assert connection["tenantId"] == sb.state.org.tenant_id
    assert connection["tenantType"] == "ORGANISATION"
    assert connection["tenantName"] == sb.state.org.organisation["Name"]
    assert connection["authEventId"] == access["authentication_event_id"]
    assert len(connection["createdDateUtc"].split(".")[1]) == 7
    other = sb.http.get(
        "/connections",
        params={"authEventId": "00000000-0000-0000-0000-000000000000"},
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert other.json() == []

    organisation = api_get(sb, body["access_token"], "/Organisation", connection["tenantId"])
    assert organisation.status_code == 200
    assert organisation.json()["Organisations"][0]["Name"] == connection["tenantName"]


def test_wrong_verifier_is_refused_and_burns_the_code(sb: RunningSandbox) -> None:
    verifier = secrets.token_urlsafe(48)
    code = authorize(sb, verifier)["code"][0]
    wrong = exchange(sb, code, secrets.token_urlsafe(48))
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    again = exchange(sb, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_code_flow_without_pkce_needs_the_client_secret(sb: RunningSandbox) -> None:
    params = {
        "response_type": "code",
        "client_id": "web-app",
        "redirect_uri": "https://app.example.com/callback",
        "scope": "offline_access accounting.contacts",
        "state": "w",
    }
    response = sb.http.get("/identity/connect/authorize", params=params)
    codes = [parse_qs(urlsplit(response.headers["location"]).query)["code"][0]]
    response = sb.http.get("/identity/connect/authorize", params=params)
    codes.append(parse_qs(urlsplit(response.headers["location"]).query)["code"][0])
    form = {"grant_type": "authorization_code", "redirect_uri": params["redirect_uri"]}
    public = sb.http.post("/connect/token", data={**form, "code": codes[0], "client_id": "web-app"})
    assert public.json()["error"] == "invalid_client"
    secret = sb.http.post(
        "/connect/token",
        data={**form, "code": codes[1]},
        headers={"Authorization": basic_auth("web-app", "web-secret")},
    )
    assert secret.status_code == 200 and "refresh_token" in secret.json()


def test_code_is_single_use(sb: RunningSandbox) -> None:
    verifier = secrets.token_urlsafe(48)
    code = authorize(sb, verifier)["code"][0]
    assert exchange(sb, code, verifier).status_code == 200
    reused = exchange(sb, code, verifier)
    assert reused.status_code == 400 and reused.json() == {"error": "invalid_grant"}


def test_code_expires_after_five_minutes(sb: RunningSandbox) -> None:
    verifier = secrets.token_urlsafe(48)
    code = authorize(sb, verifier)["code"][0]
    sb.control("POST", "/clock", {"advance": 301})
    assert exchange(sb, code, verifier).json()["error"] == "invalid_grant"


def test_redirect_uri_must_match(sb: RunningSandbox) -> None:
    verifier = secrets.token_urlsafe(48)
    code = authorize(sb, verifier)["code"][0]
    response = exchange(sb, code, verifier, redirect_uri="http://localhost:9999/other")
    assert response.json()["error"] == "invalid_grant"


def test_short_or_missing_verifier_is_refused(sb: RunningSandbox) -> None:
    verifier = "x" * 20
    code = authorize(sb, "y" * 43)["code"][0]
    assert exchange(sb, code, verifier).json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": ""}, "invalid_request"),
        ({"scope": "openid accounting.everything"}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
    ],
)
def test_bad_authorize_requests_redirect_with_an_error(
    sb: RunningSandbox, change: dict[str, str], error: str
) -> None:
    params = {
        "response_type": "code",
        "client_id": "desktop-app",
        "redirect_uri": REDIRECT,
        "scope": SCOPES,
        "state": "keep-me",
        "code_challenge": pkce_challenge("v" * 43),
        "code_challenge_method": "S256",
        **change,
    }
    response = sb.http.get("/identity/connect/authorize", params=params)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == [error]
    assert query["state"] == ["keep-me"]
    assert "code" not in query


@pytest.mark.parametrize(
    "change",
    [
        {"client_id": ""},
        {"redirect_uri": ""},
        {"redirect_uri": "http://example.com/callback"},
        {"redirect_uri": "myapp://callback"},
    ],
)
def test_untrusted_client_or_redirect_gets_an_error_page(
    sb: RunningSandbox, change: dict[str, str]
) -> None:
    params = {
        "response_type": "code",
        "client_id": "desktop-app",
        "redirect_uri": REDIRECT,
        "scope": SCOPES,
        **change,
    }
    response = sb.http.get("/identity/connect/authorize", params=params)
    assert response.status_code == 400
    assert "invalid_request" in response.text
    assert "location" not in response.headers


def test_consent_page_allow_and_deny(sb: RunningSandbox) -> None:
    verifier = secrets.token_urlsafe(48)
    params = {
        "response_type": "code",
        "client_id": "desktop-app",
        "redirect_uri": REDIRECT,
        "scope": SCOPES,
        "state": "s1",
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
        "sandbox_consent": "page",
    }
    page = sb.http.get("/identity/connect/authorize", params=params)
    assert page.status_code == 200 and "Allow access" in page.text
    assert 'name="code_challenge"' in page.text
    form = {k: v for k, v in params.items() if k != "sandbox_consent"}
    allowed = sb.http.post("/identity/connect/authorize", data={**form, "decision": "allow"})
    query = parse_qs(urlsplit(allowed.headers["location"]).query)
    assert exchange(sb, query["code"][0], verifier).status_code == 200
    denied = sb.http.post("/identity/connect/authorize", data={**form, "decision": "deny"})
    query = parse_qs(urlsplit(denied.headers["location"]).query)
    assert query == {"error": ["access_denied"], "state": ["s1"]}


def test_refresh_rotates_and_old_token_has_a_grace_period(sb: RunningSandbox) -> None:
    first = login(sb)
    second = refresh(sb, first["refresh_token"])
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["access_token"] != first["access_token"]
    assert "id_token" in rotated
    sb.control("POST", "/clock", {"advance": 29 * 60})
    replay = refresh(sb, first["refresh_token"])  # the lost-response replay
    assert replay.status_code == 200
    sb.control("POST", "/clock", {"advance": 2 * 60})
    late = refresh(sb, first["refresh_token"])
    assert late.status_code == 400 and late.json() == {"error": "invalid_grant"}
    newest = replay.json()["refresh_token"]
    assert refresh(sb, newest).status_code == 200


def test_refresh_token_is_bound_to_its_client(sb: RunningSandbox) -> None:
    first = login(sb)
    assert refresh(sb, first["refresh_token"], client_id="another-app").status_code == 400
    assert refresh(sb, "not-a-token").json()["error"] == "invalid_grant"


def test_grace_period_is_configurable(sb: RunningSandbox) -> None:
    sb.control("POST", "/identity", {"refresh_grace_seconds": 60})
    first = login(sb)
    assert refresh(sb, first["refresh_token"]).status_code == 200
    sb.control("POST", "/clock", {"advance": 61})
    assert refresh(sb, first["refresh_token"]).json()["error"] == "invalid_grant"


def test_unused_refresh_token_dies_after_sixty_days(sb: RunningSandbox) -> None:
    kept = login(sb)
    sb.control("POST", "/clock", {"advance": 59 * 86400})
    fresh = refresh(sb, kept["refresh_token"])
    assert fresh.status_code == 200
    sb.control("POST", "/clock", {"advance": 59 * 86400})
    assert refresh(sb, fresh.json()["refresh_token"]).status_code == 200  # used: renewed
    idle = login(sb)
    sb.control("POST", "/clock", {"advance": 60 * 86400 + 1})
    assert refresh(sb, idle["refresh_token"]).json()["error"] == "invalid_grant"


def test_access_token_expires_after_thirty_minutes(sb: RunningSandbox) -> None:
    tokens = login(sb)
    tenant = tenant_of(sb, tokens["access_token"])
    assert api_get(sb, tokens["access_token"], "/Contacts", tenant).status_code == 200
    sb.control("POST", "/clock", {"advance": 1801})
    expired = api_get(sb, tokens["access_token"], "/Contacts", tenant)
    assert expired.status_code == 401
    body = expired.json()
    assert set(body) == {"Type", "Title", "Status", "Detail", "Instance", "Extensions"}
    assert body["Type"] is None and body["Title"] == "Unauthorized" and body["Status"] == 401
    assert body["Detail"].startswith("TokenExpired: token expired at ")
    assert body["Extensions"] == {}
    renewed = refresh(sb, tokens["refresh_token"]).json()
    assert api_get(sb, renewed["access_token"], "/Contacts", tenant).status_code == 200


def test_missing_or_unknown_token_is_401(sb: RunningSandbox) -> None:
    bare = sb.http.get("/api.xro/2.0/Contacts")
    assert bare.status_code == 401
    assert bare.json()["Detail"] == "AuthenticationUnsuccessful"
    forged = api_get(sb, "forged.token.value", "/Contacts", sb.state.org.tenant_id)
    assert forged.status_code == 401
    assert sb.http.get("/connections").status_code == 401


@pytest.mark.parametrize("tenant", [None, "", "00000000-0000-0000-0000-000000000000", "junk"])
def test_missing_or_wrong_tenant_is_403(sb: RunningSandbox, tenant: str | None) -> None:
    token = sb.token()["access_token"]
    response = api_get(sb, token, "/Contacts", tenant)
    assert response.status_code == 403
    body = response.json()
    assert body["Title"] == "Forbidden" and body["Status"] == 403
    assert body["Detail"] == "AuthenticationUnsuccessful"


def test_scopes_gate_endpoints(sb: RunningSandbox) -> None:
    tokens = login(sb, "offline_access accounting.contacts.read")
    token = tokens["access_token"]
    tenant = tenant_of(sb, token)
    assert api_get(sb, token, "/Contacts", tenant).status_code == 200
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": tenant}
    write = sb.http.put(
        "/api.xro/2.0/Contacts", json={"Contacts": [{"Name": "X"}]}, headers=headers
    )
    assert write.status_code == 401 and write.json()["Detail"] == "AuthorizationUnsuccessful"
    invoices = api_get(sb, token, "/Invoices", tenant)
    assert invoices.status_code == 401
    granular = login(sb, "accounting.invoices.read")["access_token"]
    assert api_get(sb, granular, "/Invoices", tenant).status_code == 200
    assert "refresh_token" not in login(sb, "accounting.invoices.read")
    broad = login(sb, "accounting.transactions")["access_token"]
    assert api_get(sb, broad, "/Invoices", tenant).status_code == 200


def test_client_credentials(sb: RunningSandbox) -> None:
    body = sb.token()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope"}
    assert "accounting.contacts" in body["scope"].split()
    assert "accounting.invoices" in body["scope"].split()
    by_form = sb.http.post(
        "/connect/token",
        data={"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"},
    )
    assert by_form.status_code == 200
    no_secret = sb.http.post(
        "/connect/token", data={"grant_type": "client_credentials", "client_id": "a"}
    )
    assert no_secret.json()["error"] == "invalid_client"
    narrow = sb.token(scope="accounting.contacts.read")
    assert narrow["scope"] == "accounting.contacts.read"
    bad_scope = sb.http.post(
        "/connect/token",
        data={"grant_type": "client_credentials", "scope": "accounting.nothing"},
        headers={"Authorization": basic_auth("a", "b")},
    )
    assert bad_scope.json()["error"] == "invalid_scope"


def test_configured_client_is_the_only_one_accepted(
    make_sandbox: Callable[..., RunningSandbox],
) -> None:
    sb = make_sandbox(client=("the-app", "s3cret"))
    assert sb.token("the-app", "s3cret")["token_type"] == "Bearer"
    for client_id, secret in (("the-app", "wrong"), ("other", "s3cret")):
        response = sb.http.post(
            "/connect/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": basic_auth(client_id, secret)},
        )
        assert response.status_code == 400 and response.json()["error"] == "invalid_client"
    page = sb.http.get(
        "/identity/connect/authorize",
        params={"response_type": "code", "client_id": "other", "redirect_uri": REDIRECT},
    )
    assert page.status_code == 400 and "unauthorized_client" in page.text


def test_token_endpoint_errors(sb: RunningSandbox) -> None:
    as_json = sb.http.post("/connect/token", json={"grant_type": "client_credentials"})
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    unknown = sb.http.post("/connect/token", data={"grant_type": "password"})
    assert unknown.json()["error"] == "unsupported_grant_type"
    missing = sb.http.post("/connect/token", data={})
    assert missing.json()["error"] == "invalid_request"


def test_revocation_ends_the_grant(sb: RunningSandbox) -> None:
    tokens = login(sb)
    tenant = tenant_of(sb, tokens["access_token"])
    revoked = sb.http.post(
        "/connect/revocation",
        data={"token": tokens["refresh_token"], "client_id": "desktop-app"},
    )
    assert revoked.status_code == 200
    assert refresh(sb, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert api_get(sb, tokens["access_token"], "/Contacts", tenant).status_code == 401
    unknown = sb.http.post("/connect/revocation", data={"token": "nope", "client_id": "x"})
    assert unknown.status_code == 200


def test_deleting_a_connection_disconnects_the_tenant(sb: RunningSandbox) -> None:
    tokens = login(sb)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    [connection] = sb.http.get("/connections", headers=auth).json()
    assert sb.http.delete("/connections/not-this-one", headers=auth).status_code == 404
    assert sb.http.delete(f"/connections/{connection['id']}", headers=auth).status_code == 204
    assert sb.http.get("/connections", headers=auth).json() == []
    refused = api_get(sb, tokens["access_token"], "/Contacts", connection["tenantId"])
    assert refused.status_code == 403
    sb.control("POST", "/clock", {"advance": 5})
    again = login(sb)
    [back] = sb.http.get(
        "/connections", headers={"Authorization": f"Bearer {again['access_token']}"}
    ).json()
    assert back["id"] == connection["id"]
    assert back["createdDateUtc"] != back["updatedDateUtc"]


def test_no_token_appears_in_the_control_api(sb: RunningSandbox) -> None:
    tokens = login(sb)
    snapshot = json.dumps(sb.control("GET", "/state"))
    assert tokens["refresh_token"] not in snapshot
    assert tokens["access_token"] not in snapshot
    assert sb.control("GET", "/identity")["grants"] >= 1
