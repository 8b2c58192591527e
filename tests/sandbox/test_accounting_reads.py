"""Accounting API reads: envelopes, paging, filters, views and Xero's quirks."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.contract.harness import SandboxApi, make_api
from xerodesk.sandbox.wire import iso_z, parse_date, to_ms

MS_DATE = re.compile(r"^/Date\(\d+\+0000\)/$")


@pytest.fixture(scope="module")
def api() -> Iterator[SandboxApi]:
    api = make_api("small", seed=3)
    yield api
    api.close()


@pytest.fixture
def fresh() -> Iterator[SandboxApi]:
    api = make_api("demo", seed=9)
    yield api
    api.close()


def ids(records: list[dict[str, Any]], key: str) -> list[str]:
    return [r[key] for r in records]


def test_envelope_and_correlation_header(api: SandboxApi) -> None:
    reply = api.get("/Contacts", params={"page": 1})
    body = reply.json()
    assert list(body)[:5] == ["Id", "Status", "ProviderName", "DateTimeUTC", "pagination"]
    assert body["Status"] == "OK"
    assert reply.headers["Xero-Correlation-Id"] == body["Id"]
    assert re.match(r"^/Date\(\d+\)/$", body["DateTimeUTC"])
    assert reply.headers["content-type"].startswith("application/json")


def test_default_and_clamped_page_sizes(api: SandboxApi) -> None:
    body = api.get("/Invoices", params={"page": 1}).json()
    assert len(body["Invoices"]) == 100
    assert body["pagination"] == {"page": 1, "pageSize": 100, "pageCount": 10, "itemCount": 1000}
    big = api.get("/Invoices", params={"page": 1, "pageSize": 5000}).json()
    assert big["pagination"]["pageSize"] == 1000 and len(big["Invoices"]) == 1000
    assert big["Warnings"] == [{"Message": "The page size was reduced to the maximum of 1000."}]
    assert list(big)[4:] == ["pagination", "Warnings", "Invoices"]
    assert "Warnings" not in body
    tiny = api.get("/Invoices", params={"page": 1, "pageSize": 0}).json()
    assert tiny["pagination"]["pageSize"] == 1


def test_pages_cover_everything_once_and_end_empty(api: SandboxApi) -> None:
    seen: list[str] = []
    for page in range(1, 5):
        body = api.get("/Contacts", params={"page": page, "pageSize": 60}).json()
        assert body["pagination"]["pageCount"] == math.ceil(body["pagination"]["itemCount"] / 60)
        seen += ids(body["Contacts"], "ContactID")
    assert len(seen) == len(set(seen)) == api.get("/Contacts").json()["Contacts"].__len__()
    past = api.get("/Contacts", params={"page": 99}).json()
    assert past["Contacts"] == [] and past["pagination"]["page"] == 99


def test_default_order_is_by_updated_date(api: SandboxApi) -> None:
    invoices = api.all("Invoices")
    stamps = [to_ms(parse_date(i["UpdatedDateUTC"])) for i in invoices]  # type: ignore[arg-type]
    assert stamps == sorted(stamps)


def test_lines_only_with_page(api: SandboxApi) -> None:
    unpaged = api.get("/Invoices").json()
    assert "pagination" not in unpaged
    assert len(unpaged["Invoices"]) == 1000
    assert all(i["LineItems"] == [] for i in unpaged["Invoices"])
    assert set(unpaged["Invoices"][0]["Contact"]) == {
        "ContactID",
        "Name",
        "Addresses",
        "Phones",
        "ContactGroups",
        "ContactPersons",
        "HasValidationErrors",
    }
    paged = api.get("/Invoices", params={"page": 1}).json()["Invoices"]
    assert all(i["LineItems"] for i in paged)
    notes = api.get("/CreditNotes").json()["CreditNotes"]
    assert all(n["LineItems"] == [] for n in notes)
    assert all(
        n["LineItems"] for n in api.get("/CreditNotes", params={"page": 1}).json()["CreditNotes"]
    )


def test_single_fetch_has_lines_and_the_full_contact(api: SandboxApi) -> None:
    invoice = api.get("/Invoices", params={"page": 1}).json()["Invoices"][0]
    by_id = api.get(f"/Invoices/{invoice['InvoiceID']}").json()["Invoices"]
    assert len(by_id) == 1
    (single,) = by_id
    assert single["LineItems"] == invoice["LineItems"]
    assert single["Contact"]["ContactID"] == invoice["Contact"]["ContactID"]
    assert len(single["Contact"]["Phones"]) == 4 and "Balances" not in single["Contact"]
    if invoice["Type"] == "ACCREC":
        by_number = api.get(f"/Invoices/{invoice['InvoiceNumber']}").json()["Invoices"]
        assert by_number[0]["InvoiceID"] == invoice["InvoiceID"]


def test_dates_and_strings(api: SandboxApi) -> None:
    invoice = api.get("/Invoices", params={"page": 1}).json()["Invoices"][0]
    assert MS_DATE.match(invoice["Date"]) and MS_DATE.match(invoice["UpdatedDateUTC"])
    assert invoice["DateString"].endswith("T00:00:00")
    assert invoice["DateString"] == parse_date(invoice["Date"]).strftime("%Y-%m-%dT%H:%M:%S")  # type: ignore[union-attr]
    assert invoice["UpdatedDateUTCString"] == iso_z(parse_date(invoice["UpdatedDateUTC"]))  # type: ignore[arg-type]


def test_money_and_quantities_keep_their_places(api: SandboxApi) -> None:
    raw = api.get("/Invoices", params={"page": 1, "pageSize": 5}).text
    assert re.search(r'"Quantity":\d+\.\d{4}[,}]', raw)
    assert re.search(r'"Total":-?\d+\.\d{2}[,}]', raw)
    assert re.search(r'"UnitAmount":\d+\.\d{2}[,}]', raw)
    assert re.search(r'"CurrencyRate":\d+\.\d{6}[,}]', raw)
    four = api.get("/Invoices", params={"page": 1, "pageSize": 5, "unitdp": 4}).text
    assert re.search(r'"UnitAmount":\d+\.\d{4}[,}]', four)
    items = api.get("/Items", params={"unitdp": 4}).text
    assert re.search(r'"UnitPrice":\d+\.\d{4}[,}]', items)


def test_if_modified_since(fresh: SandboxApi) -> None:
    contacts = fresh.all("Contacts", includeArchived="true")
    cutoff = parse_date(contacts[len(contacts) // 2]["UpdatedDateUTC"])
    assert cutoff is not None
    header = {"If-Modified-Since": cutoff.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]}
    changed = fresh.all("Contacts", includeArchived="true", **{})
    later = fresh.get("/Contacts", params={"includeArchived": "true"}, headers=header).json()
    expected = [
        c["ContactID"]
        for c in changed
        if to_ms(parse_date(c["UpdatedDateUTC"])) > to_ms(cutoff.replace(microsecond=0))  # type: ignore[arg-type]
    ]
    assert ids(later["Contacts"], "ContactID") == expected
    assert 0 < len(expected) < len(contacts)
    for form in (
        cutoff.isoformat(),
        cutoff.astimezone().strftime("%Y-%m-%dT%H:%M:%S%z"),
        cutoff.strftime("%a, %d %b %Y %H:%M:%S GMT"),
    ):
        again = fresh.get(
            "/Contacts", params={"includeArchived": "true"}, headers={"If-Modified-Since": form}
        )
        assert ids(again.json()["Contacts"], "ContactID") == expected, form


def test_if_modified_since_sees_edits_and_ignores_unreadable_headers(fresh: SandboxApi) -> None:
    now = fresh.clock.now()
    header = {"If-Modified-Since": now.isoformat()}
    assert fresh.get("/Invoices", headers=header).json()["Invoices"] == []
    fresh.clock.advance(2)
    invoice = fresh.org.collection("Invoices").ordered()[0].key
    fresh.org.edit("Invoices", invoice, {"Reference": "edited"})
    found = fresh.get("/Invoices", headers=header).json()["Invoices"]
    assert ids(found, "InvoiceID") == [invoice]
    junk = fresh.get("/Invoices", headers={"If-Modified-Since": "yesterday"}).json()
    assert len(junk["Invoices"]) == 150


def test_one_second_precision(fresh: SandboxApi) -> None:
    fresh.clock.advance(10)
    key = fresh.org.collection("Contacts").ordered()[0].key
    edited = fresh.org.edit("Contacts", key, {"EmailAddress": "x@example.com"})
    moment = parse_date(edited["UpdatedDateUTC"])
    assert moment is not None
    same_second_later = (
        moment.replace(microsecond=999_000) if moment.microsecond < 999_000 else moment
    )
    header = {"If-Modified-Since": same_second_later.isoformat()}
    found = fresh.get("/Contacts", headers=header).json()["Contacts"]
    assert key in [c["ContactID"].lower() for c in found]
    header = {"If-Modified-Since": (moment + timedelta(seconds=1)).isoformat()}
    assert fresh.get("/Contacts", headers=header).json()["Contacts"] == []


def test_modified_since_on_items_but_not_tax_rates_or_currencies(fresh: SandboxApi) -> None:
    header = {"If-Modified-Since": fresh.clock.now().isoformat()}
    assert fresh.get("/Items", headers=header).json()["Items"] == []
    assert len(fresh.get("/TaxRates", headers=header).json()["TaxRates"]) == 14
    assert len(fresh.get("/Currencies", headers=header).json()["Currencies"]) == 5
    assert fresh.get("/Organisation", headers=header).json()["Organisations"]


def test_unpaged_endpoints_ignore_page(api: SandboxApi) -> None:
    for collection, count in (("Items", 100), ("TaxRates", 14), ("Currencies", 5)):
        body = api.get(f"/{collection}", params={"page": 1, "pageSize": 2}).json()
        assert "pagination" not in body
        assert len(body[collection]) == count


def test_include_archived(api: SandboxApi) -> None:
    everyone = api.all("Contacts", includeArchived="true")
    active = api.all("Contacts")
    archived = [c for c in everyone if c["ContactStatus"] == "ARCHIVED"]
    assert archived and len(active) == len(everyone) - len(archived)
    assert all(c["ContactStatus"] != "ARCHIVED" for c in active)
    one = archived[0]
    assert (
        api.get(f"/Contacts/{one['ContactID']}").json()["Contacts"][0]["ContactStatus"]
        == "ARCHIVED"
    )


def test_merged_and_default_line_types_only_with_paging(api: SandboxApi) -> None:
    paged = api.all("Contacts", includeArchived="true")
    merged = [c for c in paged if "MergedToContactID" in c]
    assert merged
    unpaged = api.get("/Contacts", params={"includeArchived": "true"}).json()["Contacts"]
    assert all("MergedToContactID" not in c for c in unpaged)
    assert all("SalesDefaultLineAmountType" not in c for c in unpaged)
    single = api.get(f"/Contacts/{merged[0]['ContactID']}").json()["Contacts"][0]
    assert single["MergedToContactID"] == merged[0]["MergedToContactID"]
    summary = api.get("/Contacts", params={"summaryOnly": "true"}).json()["Contacts"]
    assert any("SalesDefaultLineAmountType" in c for c in summary)
    assert all("Balances" not in c for c in summary)


def test_summary_only_documents(api: SandboxApi) -> None:
    body = api.get("/Invoices", params={"page": 1, "summaryOnly": "true"}).json()["Invoices"]
    assert all(i["LineItems"] == [] and "Payments" not in i for i in body)
    assert all("Total" in i and "AmountDue" in i for i in body)


def test_where_filters(api: SandboxApi) -> None:
    sales = api.all("Invoices", where='Type=="ACCREC"')
    assert sales and all(i["Type"] == "ACCREC" for i in sales)
    bills = api.all("Invoices", where='Type=="ACCPAY"')
    assert len(sales) + len(bills) == 1000
    due = api.all("Invoices", where='Type=="ACCREC" AND Status=="AUTHORISED" AND AmountDue > 0')
    assert due and all(i["AmountDue"] > 0 and i["Status"] == "AUTHORISED" for i in due)
    contact_id = sales[0]["Contact"]["ContactID"]
    theirs = api.all("Invoices", where=f'Contact.ContactID==Guid("{contact_id}")')
    assert theirs and all(i["Contact"]["ContactID"] == contact_id for i in theirs)
    name = sales[0]["Contact"]["Name"]
    by_name = api.all("Invoices", where=f'Contact.Name=="{name}"')
    assert ids(by_name, "InvoiceID") == ids(theirs, "InvoiceID")
    dated = api.all("Invoices", where="Date >= DateTime(2026, 01, 01)")
    assert dated and all(i["DateString"] >= "2026-01-01" for i in dated)
    suppliers = api.all("Contacts", where="IsSupplier==true")
    assert suppliers and all(c["IsSupplier"] for c in suppliers)
    starts = api.all("Contacts", where=f'Name.StartsWith("{suppliers[0]["Name"][:3].lower()}")')
    assert suppliers[0]["ContactID"] in ids(starts, "ContactID")


def test_bad_where_is_a_query_parse_exception(api: SandboxApi) -> None:
    for where in ('Type=="ACCREC" AND', "Nope==1", 'AmountDue=="x"', 'Contact.ContactID=="x"'):
        reply = api.get("/Invoices", params={"where": where})
        assert reply.status_code == 400
        body = reply.json()
        assert body["ErrorNumber"] == 16 and body["Type"] == "QueryParseException"
        assert body["Message"]
    assert api.get("/Invoices", params={"order": "Nope DESC"}).status_code == 400


def test_order(api: SandboxApi) -> None:
    newest = api.get("/Invoices", params={"page": 1, "order": "Date DESC"}).json()["Invoices"]
    dates = [i["DateString"] for i in newest]
    assert dates == sorted(dates, reverse=True)
    by_number = api.all("Invoices", where='Type=="ACCREC"', order="InvoiceNumber ASC")
    numbers = [i["InvoiceNumber"] for i in by_number]
    assert numbers == sorted(numbers)
    by_name = api.get("/Contacts", params={"order": "Name"}).json()["Contacts"]
    names = [c["Name"].casefold() for c in by_name]
    assert names == sorted(names)
    twice = api.get("/Contacts", params={"order": "Name"}).json()["Contacts"]
    assert ids(twice, "ContactID") == ids(by_name, "ContactID")


def test_list_filters(api: SandboxApi) -> None:
    invoices = api.get("/Invoices", params={"page": 1}).json()["Invoices"][:3]
    wanted = ids(invoices, "InvoiceID")
    got = api.get("/Invoices", params={"IDs": ",".join(wanted)}).json()["Invoices"]
    assert sorted(ids(got, "InvoiceID")) == sorted(wanted)
    statuses = api.all("Invoices", Statuses="DRAFT,SUBMITTED")
    assert statuses and {i["Status"] for i in statuses} == {"DRAFT", "SUBMITTED"}
    contact = invoices[0]["Contact"]["ContactID"]
    theirs = api.all("Invoices", ContactIDs=contact)
    assert theirs and {i["Contact"]["ContactID"] for i in theirs} == {contact}
    sales = [i for i in api.get("/Invoices").json()["Invoices"] if i["Type"] == "ACCREC"][:2]
    numbers = ",".join(i["InvoiceNumber"] for i in sales)
    assert len(api.get("/Invoices", params={"InvoiceNumbers": numbers}).json()["Invoices"]) == 2
    some = api.get("/Contacts", params={"IDs": f'"{contact}"'}).json()["Contacts"]
    assert ids(some, "ContactID") == [contact]


def test_search_term(api: SandboxApi) -> None:
    contact = api.get("/Contacts").json()["Contacts"][5]
    found = api.get("/Contacts", params={"searchTerm": contact["Name"][2:9].upper()}).json()
    assert contact["ContactID"] in ids(found["Contacts"], "ContactID")


def test_purchase_order_filters(api: SandboxApi) -> None:
    everything = api.all("PurchaseOrders")
    billed = api.all("PurchaseOrders", Status="BILLED")
    assert billed and all(p["Status"] == "BILLED" for p in billed)
    assert len(billed) == sum(p["Status"] == "BILLED" for p in everything)
    dates = sorted(p["DateString"][:10] for p in everything)
    start, end = dates[len(dates) // 4], dates[len(dates) // 2]
    window = api.all("PurchaseOrders", DateFrom=start, DateTo=end)
    assert window and all(start <= p["DateString"][:10] <= end for p in window)
    ignored = api.all("PurchaseOrders", where='Status=="NOPE"')
    assert len(ignored) == len(everything)
    assert all(p["LineItems"] for p in api.get("/PurchaseOrders").json()["PurchaseOrders"])
    assert api.get("/PurchaseOrders", params={"DateFrom": "soon"}).status_code == 400


def test_single_lookups_by_number_and_404s(api: SandboxApi) -> None:
    order = api.get("/PurchaseOrders").json()["PurchaseOrders"][0]
    assert api.get(f"/PurchaseOrders/{order['PurchaseOrderNumber']}").status_code == 200
    numbered = [c for c in api.get("/Contacts").json()["Contacts"] if c.get("ContactNumber")]
    reply = api.get(f"/Contacts/{numbered[0]['ContactNumber']}")
    assert reply.json()["Contacts"][0]["ContactID"] == numbered[0]["ContactID"]
    assert api.get("/TaxRates/OUTPUT2").json()["TaxRates"][0]["TaxType"] == "OUTPUT2"
    item = api.get("/Items").json()["Items"][0]
    assert api.get(f"/Items/{item['Code']}").json()["Items"][0]["ItemID"] == item["ItemID"]
    for path in (
        "/Invoices/00000000-0000-0000-0000-000000000000",
        "/Contacts/NOPE-1",
        "/TaxRates/NOPE",
        "/CreditNotes/CN-99999",
    ):
        reply = api.get(path)
        assert reply.status_code == 404
        assert reply.text == "The resource you're looking for cannot be found"


def test_tax_rates_listing_deleted_is_an_option(fresh: SandboxApi) -> None:
    statuses = {r["Status"] for r in fresh.get("/TaxRates").json()["TaxRates"]}
    assert statuses == {"ACTIVE", "DELETED", "ARCHIVED"}
    fresh.org.options.list_deleted_tax_rates = False
    statuses = {r["Status"] for r in fresh.get("/TaxRates").json()["TaxRates"]}
    assert statuses == {"ACTIVE", "ARCHIVED"}
    active = fresh.get("/TaxRates", params={"where": 'Status=="ACTIVE"'}).json()["TaxRates"]
    assert {r["Status"] for r in active} == {"ACTIVE"}


def test_balances_and_flags_do_not_bump(fresh: SandboxApi) -> None:
    header = {"If-Modified-Since": fresh.clock.now().isoformat()}
    fresh.clock.advance(5)
    contact = fresh.org.collection("Contacts").ordered()[0].key
    fresh.org.set_contact_balances(contact, ar_outstanding=99)
    fresh.org.set_contact_flags(contact, is_supplier=True)
    assert fresh.get("/Contacts", headers=header).json()["Contacts"] == []
    shown = fresh.get(f"/Contacts/{contact}").json()["Contacts"][0]
    assert shown["Balances"]["AccountsReceivable"]["Outstanding"] == 99
    assert shown["IsSupplier"] is True


def test_items_are_truly_deleted(fresh: SandboxApi) -> None:
    item = fresh.get("/Items").json()["Items"][0]
    reply = fresh.delete(f"/Items/{item['ItemID']}")
    assert reply.status_code == 204 and reply.content == b""
    assert fresh.get(f"/Items/{item['ItemID']}").status_code == 404
    assert item["ItemID"] not in ids(fresh.get("/Items").json()["Items"], "ItemID")
    assert fresh.delete(f"/Items/{item['ItemID']}").status_code == 404


def test_voided_documents_reappear_with_their_new_status(fresh: SandboxApi) -> None:
    header = {"If-Modified-Since": fresh.clock.now().isoformat()}
    fresh.clock.advance(3)
    authorised = fresh.all("Invoices", where='Status=="AUTHORISED"')[0]
    fresh.org.set_status("Invoices", authorised["InvoiceID"], "VOIDED")
    (changed,) = fresh.get("/Invoices", headers=header).json()["Invoices"]
    assert changed["Status"] == "VOIDED" and changed["AmountDue"] == 0


def test_long_unpaged_lists_stream_valid_json() -> None:
    api = make_api("contacts=2500,items=5,invoices=10,credit_notes=0,purchase_orders=0")
    reply = api.get("/Contacts", params={"includeArchived": "true"})
    body = reply.json()
    assert len(body["Contacts"]) == 2500
    assert reply.headers["Xero-Correlation-Id"] == body["Id"]
    assert len(set(ids(body["Contacts"], "ContactID"))) == 2500
    api.close()


def test_churn_moves_records_between_pages(fresh: SandboxApi) -> None:
    """Page-number paging over the moving default order can skip records."""
    first = ids(
        fresh.get("/Contacts", params={"page": 1, "pageSize": 10}).json()["Contacts"], "ContactID"
    )
    fresh.clock.advance(1)
    fresh.org.edit("Contacts", first[0], {"EmailAddress": "moved@example.com"})
    second = ids(
        fresh.get("/Contacts", params={"page": 2, "pageSize": 10}).json()["Contacts"], "ContactID"
    )
    everything = ids(fresh.all("Contacts"), "ContactID")
    skipped = set(everything[:20]) - set(first) - set(second)
    assert len(skipped) == 1
    assert everything[-1] == first[0]
