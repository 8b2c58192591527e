"""The /_sandbox/ control API on a generated organisation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.sandbox import RunningSandbox


@pytest.fixture
def sb(make_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    return make_sandbox(generate="demo", seed=4)


def record(sb: RunningSandbox, collection: str, key: str) -> dict[str, Any]:
    found = sb.state.org.record(collection, key)
    assert found is not None
    result: dict[str, Any] = found
    return result


def keys(sb: RunningSandbox, collection: str) -> list[str]:
    result: list[str] = sb.state.org.collection(collection).keys()
    return result


def first(sb: RunningSandbox, collection: str, **wanted: Any) -> dict[str, Any]:
    for key in keys(sb, collection):
        candidate = record(sb, collection, key)
        if all(candidate.get(k) == v for k, v in wanted.items()):
            return candidate
    raise AssertionError(f"no {collection} record with {wanted}")


def changed_since(sb: RunningSandbox, moment: str) -> list[str]:
    response = sb.api(
        "GET",
        "/Contacts",
        params={"includeArchived": "true"},
        headers={"If-Modified-Since": moment},
    )
    assert response.status_code == 200
    return [c["ContactID"] for c in response.json()["Contacts"]]


def test_index_and_state(sb: RunningSandbox) -> None:
    listed = sb.control("GET", "/")["endpoints"]
    assert "POST /_sandbox/reset" in listed and "GET /_sandbox/counters" in listed
    state = sb.control("GET", "/state")
    assert state["tenantId"] == sb.state.org.tenant_id
    assert state["counts"]["Contacts"] > 0 and state["counts"]["Invoices"] > 0
    assert state["limits"]["config"]["mode"] == "real"
    assert state["faults"]["spec"] == ""


def test_edit_bumps_updated_date_and_reset_undoes_it(sb: RunningSandbox) -> None:
    contact = first(sb, "Contacts", ContactStatus="ACTIVE")
    moment = sb.control("POST", "/clock", {"advance": 60})["now"][:19]
    assert changed_since(sb, moment) == []
    edited = sb.control(
        "POST",
        "/edit",
        {"collection": "Contacts", "id": contact["ContactID"], "changes": {"Name": "Renamed Ltd"}},
    )["record"]
    assert edited["Name"] == "Renamed Ltd"
    assert edited["UpdatedDateUTC"] != contact["UpdatedDateUTC"]
    assert record(sb, "Contacts", contact["ContactID"])["Name"] == "Renamed Ltd"
    assert changed_since(sb, moment) == [contact["ContactID"]]  # a poll sees the edit
    sb.control("POST", "/reset")
    assert record(sb, "Contacts", contact["ContactID"])["Name"] == contact["Name"]


def test_archive_and_merge_contacts(sb: RunningSandbox) -> None:
    active = [
        record(sb, "Contacts", k)
        for k in keys(sb, "Contacts")
        if record(sb, "Contacts", k)["ContactStatus"] == "ACTIVE"
    ]
    one, two, three = active[:3]
    archived = sb.control("POST", f"/contacts/{one['ContactID']}/archive")["record"]
    assert archived["ContactStatus"] == "ARCHIVED"
    merged = sb.control(
        "POST", "/contacts/merge", {"from": two["ContactID"], "into": three["ContactID"]}
    )
    assert merged["record"]["ContactStatus"] == "ARCHIVED"
    assert merged["record"]["MergedToContactID"] == three["ContactID"]


def test_balances_and_flags_change_without_bumping(sb: RunningSandbox) -> None:
    contact = first(sb, "Contacts", ContactStatus="ACTIVE")
    moment = sb.control("POST", "/clock", {"advance": 60})["now"][:19]
    path = f"/contacts/{contact['ContactID']}"
    changed = sb.control(
        "POST", path + "/balances", {"AccountsReceivable": {"Outstanding": 123.45, "Overdue": 10}}
    )["record"]
    assert changed["Balances"]["AccountsReceivable"] == {"Outstanding": 123.45, "Overdue": 10.0}
    flagged = sb.control("POST", path + "/flags", {"IsSupplier": True, "IsCustomer": False})
    assert flagged["record"]["IsSupplier"] is True and flagged["record"]["IsCustomer"] is False
    stored = record(sb, "Contacts", contact["ContactID"])
    assert stored["UpdatedDateUTC"] == contact["UpdatedDateUTC"]
    assert changed_since(sb, moment) == []  # invisible to If-Modified-Since, as in Xero
    assert sb.http.post(f"/_sandbox{path}/flags", json={}).status_code == 400


def test_item_quantity_and_delete(sb: RunningSandbox) -> None:
    tracked = first(sb, "Items", IsTrackedAsInventory=True)
    changed = sb.control("POST", f"/items/{tracked['ItemID']}/quantity", {"QuantityOnHand": 42})
    assert changed["record"]["QuantityOnHand"] == 42
    unseen = {"QuantityOnHand": 40, "bump": False}
    quiet = sb.control("POST", f"/items/{tracked['ItemID']}/quantity", unseen)
    assert quiet["record"]["QuantityOnHand"] == 40
    assert quiet["record"]["UpdatedDateUTC"] == changed["record"]["UpdatedDateUTC"]
    untracked = first(sb, "Items", IsTrackedAsInventory=False)
    refused = sb.http.post(
        f"/_sandbox/items/{untracked['ItemID']}/quantity", json={"QuantityOnHand": 1}
    )
    assert refused.status_code == 400
    assert sb.control("DELETE", f"/items/{untracked['ItemID']}")["deleted"]
    assert sb.state.org.record("Items", untracked["ItemID"]) is None
    assert sb.http.delete(f"/_sandbox/items/{untracked['ItemID']}").status_code == 404


def test_void_and_delete_documents(sb: RunningSandbox) -> None:
    invoice = first(sb, "Invoices", Status="AUTHORISED")
    voided = sb.control(
        "POST", f"/documents/Invoices/{invoice['InvoiceID']}/status", {"Status": "VOIDED"}
    )
    assert voided["record"]["Status"] == "VOIDED"
    draft = first(sb, "PurchaseOrders", Status="DRAFT")
    deleted = sb.control(
        "POST",
        f"/documents/purchaseorders/{draft['PurchaseOrderID']}/status",
        {"Status": "DELETED"},
    )
    assert deleted["record"]["Status"] == "DELETED"
    bad = sb.http.post(
        f"/_sandbox/documents/Invoices/{invoice['InvoiceID']}/status", json={"Status": "LOST"}
    )
    assert bad.status_code == 400


def test_random_edit(sb: RunningSandbox) -> None:
    ids = sb.control("POST", "/random-edit", {"collection": "Invoices", "count": 3})["ids"]
    assert len(ids) == 3 and all(sb.state.org.record("Invoices", i) for i in ids)


def test_clock_moves_and_scales(sb: RunningSandbox) -> None:
    before = sb.control("GET", "/clock")
    after = sb.control("POST", "/clock", {"advance": 3600, "scale": 10})
    assert after["scale"] == 10
    assert after["now"] > before["now"]
    assert sb.http.post("/_sandbox/clock", json={"scale": 0}).status_code == 400


def test_counters_read_and_reset(sb: RunningSandbox) -> None:
    sb.api("GET", "/Organisation")
    sb.api("GET", "/Organisation")
    counters = sb.control("GET", "/counters")
    assert counters["calls"] == 2
    assert counters["by_endpoint"] == {"GET /Organisation": 2}
    assert counters["identity"]["token:client_credentials"] == 1
    cleared = sb.control("POST", "/counters/reset")
    assert cleared["calls"] == 0 and cleared["by_endpoint"] == {}


def test_load_and_generate(sb: RunningSandbox) -> None:
    org = {
        "Organisation": {"OrganisationID": "11111111-2222-3333-4444-555555555555", "Name": "Tiny"},
        "Contacts": [{"ContactID": "aaaaaaaa-0000-0000-0000-000000000001", "Name": "Only One"}],
    }
    loaded = sb.control("POST", "/load", org)
    assert loaded["tenantId"] == "11111111-2222-3333-4444-555555555555"
    assert loaded["counts"]["Contacts"] == 1
    connection = sb.connect()
    assert connection.tenant_id == loaded["tenantId"]
    generated = sb.control(
        "POST",
        "/generate",
        {"size": "contacts=3,items=2,invoices=4,credit_notes=1,purchase_orders=1", "seed": 9},
    )
    assert generated["counts"]["Contacts"] >= 3 and generated["counts"]["Invoices"] == 4


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/edit", {"collection": "Contacts", "id": "nope", "changes": {}}, 404),
        ("POST", "/edit", {"collection": "Widgets", "id": "x", "changes": {}}, 404),
        ("POST", "/edit", {"collection": "Contacts"}, 400),
        ("POST", "/edit", {"collection": "Contacts", "id": "x", "changes": []}, 400),
        ("POST", "/contacts/nope/archive", None, 404),
        ("POST", "/limits", {"minute": 0}, 400),
        ("POST", "/faults", {"queue": "lost"}, 400),
    ],
)
def test_errors(
    sb: RunningSandbox, method: str, path: str, body: dict[str, Any] | None, status: int
) -> None:
    response = sb.http.request(method, "/_sandbox" + path, json=body)
    assert response.status_code == status, response.text
    assert "error" in response.json()


def test_non_json_bodies_are_400(sb: RunningSandbox) -> None:
    response = sb.http.post("/_sandbox/edit", content=b"{not json")
    assert response.status_code == 400
    assert sb.http.post("/_sandbox/load", content=b"[1, 2]").status_code == 400
