"""One consent can authorise several organisations, or none, as Xero's does; the
organisations beside the sandbox's own have no books."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest

from tests.sandbox.test_identity import authorize, exchange
from tests.support.sandbox import RunningSandbox


@pytest.fixture
def sb(make_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    return make_sandbox()


def signed_in(sb: RunningSandbox) -> str:
    verifier = secrets.token_urlsafe(48)
    code = authorize(sb, verifier)["code"][0]
    response = exchange(sb, code, verifier)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_a_consent_lists_every_organisation_it_authorised(sb: RunningSandbox) -> None:
    own_id, own_name = sb.state.identity.tenant()
    sb.http.post("/_sandbox/identity", json={"other_organisations": ["Second Books Ltd"]})
    token = signed_in(sb)
    listed = sb.http.get("/connections", headers={"Authorization": f"Bearer {token}"}).json()
    assert [c["tenantName"] for c in listed] == [own_name, "Second Books Ltd"]
    assert len({c["id"] for c in listed}) == 2 and listed[0]["tenantId"] == own_id
    other = listed[1]["tenantId"]
    refused = sb.http.get(
        "/api.xro/2.0/Contacts",
        headers={"Authorization": f"Bearer {token}", "xero-tenant-id": other},
    )
    assert refused.status_code == 403
    assert sb.http.get("/_sandbox/identity").json()["other_organisations"] == ["Second Books Ltd"]


def test_a_consent_can_authorise_no_organisation(sb: RunningSandbox) -> None:
    signed_in(sb)  # an earlier sign-in's connection goes when a consent authorises none
    sb.http.post("/_sandbox/identity", json={"authorise_none": True})
    token = signed_in(sb)
    listed = sb.http.get("/connections", headers={"Authorization": f"Bearer {token}"}).json()
    assert listed == []


def test_other_organisations_must_be_names(sb: RunningSandbox) -> None:
    answer = sb.http.post("/_sandbox/identity", json={"other_organisations": "Second"})
    assert answer.status_code == 400
