"""Injected faults: the spec, the injector, and each kind over a real connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.sandbox import RunningSandbox
from xerodesk.sandbox.faults import FaultInjector, FaultSpecError, parse_fault_spec

FULL = "500=0.02,503=0.02,timeout=0.01:20,reset=0.01,storm429=0.01:4,lost=0.02,churn=0.05:3,seed=7"


def test_spec_parses_rates_params_and_seed() -> None:
    spec = parse_fault_spec(FULL)
    assert spec.rates == {
        "500": 0.02,
        "503": 0.02,
        "timeout": 0.01,
        "reset": 0.01,
        "storm429": 0.01,
        "lost": 0.02,
        "churn": 0.05,
    }
    assert spec.param("timeout") == 20 and spec.param("storm429") == 4
    assert spec.param("churn") == 3 and spec.seed == 7
    assert parse_fault_spec(spec.describe()) == spec
    assert parse_fault_spec("timeout=0.1").param("timeout") == 30
    for empty in (None, "", "none", "off"):
        assert parse_fault_spec(empty).rates == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("500", "KIND=PROBABILITY"),
        ("404=0.1", "unknown fault kind"),
        ("500=abc", "bad number"),
        ("500=1.5", "within 0..1"),
        ("500=0.6,503=0.6", "more than 1"),
        ("timeout=0.1:-3", "must not be negative"),
        ("seed=x", "bad number"),
    ],
)
def test_bad_specs_are_refused(text: str, message: str) -> None:
    with pytest.raises(FaultSpecError, match=message):
        parse_fault_spec(text)


def test_draws_are_seeded_and_respect_what_each_kind_applies_to() -> None:
    def run(seed: int) -> list[str | None]:
        injector = FaultInjector(parse_fault_spec("500=0.3,lost=0.3,churn=0.3"), seed=seed)
        out = []
        for n in range(200):
            method, paged = ("PUT", False) if n % 3 == 0 else ("GET", n % 3 == 1)
            fault = injector.choose("t", method, paged)
            out.append(fault.kind if fault else None)
            if fault and fault.kind == "lost":
                assert method == "PUT"
            if fault and fault.kind == "churn":
                assert method == "GET" and paged
        return out

    first = run(3)
    assert first == run(3)
    assert first != run(4)
    assert {"500", "lost", "churn", None} == set(first)


def test_queued_faults_wait_for_a_call_they_apply_to() -> None:
    injector = FaultInjector()
    injector.enqueue(["lost", "500"])
    got = injector.choose("t", "GET", False)
    assert got is not None and got.kind == "500"
    assert injector.choose("t", "GET", False) is None
    got = injector.choose("t", "POST", False)
    assert got is not None and got.kind == "lost"
    with pytest.raises(FaultSpecError):
        injector.enqueue(["gremlins"])


def test_a_storm_is_a_burst_for_one_tenant() -> None:
    injector = FaultInjector(parse_fault_spec("storm429=0:3"))
    injector.enqueue(["storm429"])
    kinds = [injector.choose("a", "GET", False) for _ in range(3)]
    assert [k.kind if k else None for k in kinds] == ["storm429"] * 3
    assert injector.choose("b", "GET", False) is None
    assert injector.choose("a", "GET", False) is None


# -- over HTTP ---------------------------------------------------------------


@pytest.fixture
def sb(make_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    return make_sandbox()


def contact_count(sb: RunningSandbox) -> int:
    count: int = sb.state.org.counts()["Contacts"]
    return count


def named(sb: RunningSandbox, name: str) -> list[dict[str, Any]]:
    response = sb.api("GET", "/Contacts", params={"where": f'Name=="{name}"'})
    assert response.status_code == 200
    found: list[dict[str, Any]] = response.json()["Contacts"]
    return found


def queue(sb: RunningSandbox, *kinds: str, spec: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"queue": list(kinds)}
    if spec is not None:
        body["spec"] = spec
    result: dict[str, Any] = sb.control("POST", "/faults", body)
    return result


NEW_CONTACT = {"Contacts": [{"Name": "Fault Victim"}]}


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_do_nothing(sb: RunningSandbox, status: int) -> None:
    before = contact_count(sb)
    queue(sb, str(status))
    response = sb.api("PUT", "/Contacts", json=NEW_CONTACT)
    assert response.status_code == status
    body = response.json()
    assert body["Status"] == status and "Detail" in body
    assert response.headers["X-MinLimit-Remaining"]  # the call counted
    assert contact_count(sb) == before
    assert sb.control("GET", "/counters")["faults"] == {str(status): 1}


def test_timeout_holds_the_call_past_the_client_timeout(sb: RunningSandbox) -> None:
    queue(sb, "timeout", spec="timeout=0:0.8")
    with pytest.raises(httpx.ReadTimeout):
        sb.api("GET", "/Organisation", timeout=0.2)
    assert sb.api("GET", "/Organisation", timeout=5).status_code == 200


def test_reset_drops_the_connection_and_does_nothing(sb: RunningSandbox) -> None:
    before = contact_count(sb)
    queue(sb, "reset")
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        sb.api("PUT", "/Contacts", json=NEW_CONTACT)
    assert contact_count(sb) == before
    assert sb.control("GET", "/counters")["faults"] == {"reset": 1}


def test_storm_of_429s(sb: RunningSandbox) -> None:
    queue(sb, "storm429", spec="storm429=0:4")
    responses = [sb.api("GET", "/Organisation") for _ in range(5)]
    assert [r.status_code for r in responses] == [429, 429, 429, 429, 200]
    first = responses[0]
    assert first.headers["X-Rate-Limit-Problem"] == "minute"
    assert first.headers["Retry-After"] == "1"
    counters = sb.control("GET", "/counters")
    assert counters["rate_limited"]["total"] == 4 and counters["faults"]["storm429"] == 4


def test_lost_response_after_commit(sb: RunningSandbox) -> None:
    before = contact_count(sb)
    queue(sb, "lost")
    assert sb.api("GET", "/Contacts").status_code == 200  # a read is not a write: untouched
    with pytest.raises(httpx.RemoteProtocolError):
        sb.api("PUT", "/Contacts", json=NEW_CONTACT)
    assert contact_count(sb) == before + 1
    [victim] = named(sb, "Fault Victim")
    assert victim["ContactStatus"] == "ACTIVE"
    retry = sb.api("PUT", "/Contacts", json=NEW_CONTACT)  # the naive retry
    assert retry.status_code == 400  # Xero refuses the duplicate name
    assert sb.control("GET", "/faults")["queue"] == []


def test_churn_makes_page_number_paging_skip_records(sb: RunningSandbox) -> None:
    listed = sb.api("GET", "/Contacts", params={"includeArchived": "true"}).json()["Contacts"]
    everyone = {c["ContactID"] for c in listed}
    sb.control("POST", "/faults", {"spec": "churn=1:2", "seed": 11})
    seen: list[str] = []
    page = 1
    while True:
        params = {"page": page, "pageSize": 5, "includeArchived": "true"}
        response = sb.api("GET", "/Contacts", params=params)  # default order: UpdatedDateUTC
        batch = [c["ContactID"] for c in response.json()["Contacts"]]
        seen.extend(batch)
        if len(batch) < 5:
            break
        page += 1
    missed = everyone - set(seen)
    assert missed, "churn should make page-number paging skip records"
    counters = sb.control("GET", "/counters")
    assert counters["faults"]["churn"] == page
    assert counters["pages_served"] == page


def test_faults_only_touch_the_accounting_api(sb: RunningSandbox) -> None:
    sb.control("POST", "/faults", {"spec": "503=1"})
    assert sb.api("GET", "/Organisation").status_code == 503
    assert sb.token()["token_type"] == "Bearer"
    assert sb.http.get("/rates/eurofxref-daily.xml").status_code == 200
    assert sb.http.get("/_sandbox/state").status_code == 200
    sb.control("POST", "/faults", {"clear": True})
    assert sb.api("GET", "/Organisation").status_code == 200


def test_same_seed_same_faults(make_sandbox: Callable[..., RunningSandbox]) -> None:
    def statuses(seed: int) -> list[int]:
        sb = make_sandbox(
            faults=f"500=0.3,503=0.2,seed={seed}",
            rate_limits="off",
        )
        return [sb.api("GET", "/Organisation").status_code for _ in range(40)]

    first = statuses(5)
    assert first == statuses(5)
    assert {200, 500, 503} == set(first)


def test_bad_runtime_spec_is_a_400(sb: RunningSandbox) -> None:
    response = sb.http.post("/_sandbox/faults", json={"spec": "500=2"})
    assert response.status_code == 400 and "0..1" in response.json()["error"]
    assert sb.http.post("/_sandbox/faults", json={"queue": ["nope"]}).status_code == 400
