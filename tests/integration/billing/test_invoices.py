"""billing's invoices through its HTTP API, on SQLite and PostgreSQL: staff and ERPs create,
issue, update and void; contacts list and open their own customer's invoices and nothing else."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from services.billing.app import create_app
from services.billing.bootstrap import SPEC
from services.billing.projections.invoices import invoices
from services.chassis.projections import rebuild
from services.chassis.tables import events
from tests.helpers.problems import problem
from tests.helpers.tokens import bearer

ORG, OTHER_ORG = "org-acme", "org-other"
LINE = {"description": "Consulting", "quantity": "2.5", "unit_price_minor": 10000, "tax_rate": "20"}


class Billing:
    """Staff of ORG (the console's calls) and contacts, through billing's API."""

    def __init__(self, rt):
        self.rt, self.app = rt, create_app(rt.config)
        self.client = self.app.test_client()
        self.staff = bearer("staff", ORG, id="staff-1", ttl_s=3600)

    def contact(self, customer_id, org_id=ORG, id="contact-1", permissions=("view",), modules=("invoices",)):
        return bearer("contact", org_id, id=id, customer_id=customer_id, permissions=permissions,
                      modules=modules, ttl_s=3600)

    def create(self, customer_id="cust-1", issue=True, headers=None, org_id=ORG, **body):
        answer = self.client.post(f"/orgs/{org_id}/invoices", headers=headers or self.staff, json={
            "customer_id": customer_id, "currency": "EUR", "lines": [LINE], "issue": issue, **body})
        assert answer.status_code in (200, 201), answer.get_json()
        return answer.get_json()

    def staff_get(self, path, **params):
        return self.client.get(f"/orgs/{ORG}{path}", query_string=params, headers=self.staff)

    def staff_post(self, path, body=None):
        return self.client.post(f"/orgs/{ORG}{path}", json=body or {}, headers=self.staff)

    def portal(self, customer_id, path="", headers=None, **params):
        return self.client.get(f"/orgs/{ORG}/customers/{customer_id}/invoices{path}", query_string=params,
                               headers=headers or self.contact(customer_id))

    def all_pages(self, customer_id, **params):
        """Every page of a contact's list; returns the ids in order and the number of pages."""
        ids, pages, cursor = [], 0, None
        while True:
            page = self.portal(customer_id, **params, **({"cursor": cursor} if cursor else {}))
            assert page.status_code == 200, page.get_json()
            ids += [i["invoice_id"] for i in page.get_json()["items"]]
            pages += 1
            cursor = page.get_json()["next_cursor"]
            if cursor is None:
                return ids, pages

    def events(self, type_):
        with self.rt.engine.connect() as conn:
            return conn.execute(select(events).where(events.c.type == type_)).all()


@pytest.fixture
def billing(make_runtime, db_kind):
    return Billing(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


def test_staff_draft_then_issue_and_the_contact_sees_it_with_lines_taxes_and_timeline(billing):
    draft = billing.create(issue=False, notes="Thank you", due_date="2099-01-31")
    assert draft["status"] == "draft" and draft["number"] is None and draft["total_minor"] == 30000
    assert billing.portal("cust-1").get_json()["items"] == []                 # never a draft
    problem(billing.portal("cust-1", f"/{draft['invoice_id']}"), 404)
    assert billing.events("InvoiceIssued") == []                               # nothing published yet

    issued = billing.staff_post(f"/invoices/{draft['invoice_id']}/issue").get_json()
    assert (issued["number"], issued["status"], issued["amount_due_minor"]) == ("INV-000001", "sent", 30000)
    [listed] = billing.portal("cust-1").get_json()["items"]
    assert listed["invoice_id"] == draft["invoice_id"] and "external_ref" not in listed

    detail = billing.portal("cust-1", f"/{draft['invoice_id']}").get_json()
    assert detail["lines"][0] == {**LINE, "discount_percent": None, "discount_fixed_minor": None,
                                  "subtotal_minor": 25000, "discount_minor": 0, "net_minor": 25000,
                                  "tax_minor": 5000, "total_minor": 30000}
    assert detail["taxes"] == [{"rate": "20", "taxable_minor": 25000, "tax_minor": 5000}]
    assert (detail["amount_paid_minor"], detail["amount_due_minor"], detail["notes"]) == (0, 30000, "Thank you")
    assert [e["event"] for e in detail["timeline"]] == ["issued", "viewed"]
    assert "actor_id" not in detail["timeline"][0]
    # opened again within the hour: no second InvoiceViewed; another contact: one more
    billing.portal("cust-1", f"/{draft['invoice_id']}")
    billing.portal("cust-1", f"/{draft['invoice_id']}", headers=billing.contact("cust-1", id="contact-2"))
    viewed = billing.events("InvoiceViewed")
    assert sorted(e.data["contact_id"] for e in viewed) == ["contact-1", "contact-2"]
    assert viewed[0].meta["actor"] == {"kind": "contact", "id": "contact-1"}
    staff_view = billing.staff_get(f"/invoices/{draft['invoice_id']}").get_json()
    assert staff_view["timeline"][0]["actor_id"] == "staff-1"


def test_another_customers_or_orgs_invoice_is_a_404(billing):
    mine = billing.create("cust-1")["invoice_id"]
    theirs = billing.create("cust-2")["invoice_id"]
    own = billing.contact("cust-1")
    problem(billing.portal("cust-1", f"/{theirs}", headers=own), 404)           # other customer's id
    problem(billing.portal("cust-2", f"/{theirs}", headers=own), 404)           # other customer's path
    problem(billing.portal("cust-2", headers=own), 404)
    assert [i["invoice_id"] for i in billing.portal("cust-1", headers=own).get_json()["items"]] == [mine]
    other_org_staff = bearer("staff", OTHER_ORG)
    problem(billing.client.get(f"/orgs/{ORG}/invoices/{mine}", headers=other_org_staff), 404)
    problem(billing.client.get(f"/orgs/{OTHER_ORG}/invoices/{mine}", headers=other_org_staff), 404)
    other_org_contact = billing.contact("cust-1", org_id=OTHER_ORG)
    problem(billing.client.get(f"/orgs/{OTHER_ORG}/customers/cust-1/invoices/{mine}",
                               headers=other_org_contact), 404)
    assert billing.client.get(f"/orgs/{OTHER_ORG}/customers/cust-1/invoices",
                              headers=other_org_contact).get_json()["items"] == []
    # the staff routes are not for contacts; view permission and the module are needed
    problem(billing.client.get(f"/orgs/{ORG}/invoices/{mine}", headers=own), 403)
    problem(billing.portal("cust-1", headers=billing.contact("cust-1", permissions=("pay",))), 403)
    problem(billing.portal("cust-1", headers=billing.contact("cust-1", modules=("tickets",))), 404)


def test_an_api_key_needs_the_invoices_scope(billing):
    erp = bearer("api_key", ORG, id="key-1", modules=("invoices",))
    assert billing.create(headers=erp)["status"] == "sent"
    problem(billing.client.get(f"/orgs/{ORG}/invoices", headers=bearer("api_key", ORG, modules=("customers",))),
            403)


def test_keyset_pages_give_every_invoice_exactly_once_while_new_ones_arrive(billing):
    made = {billing.create(external_ref=None, lines=[{**LINE, "unit_price_minor": 100 * (i % 7 + 1)}],
                           due_date=(date(2099, 1, 1) + timedelta(days=i % 4)).isoformat())["invoice_id"]
            for i in range(23)}
    for sort in ("-issued_at", "issued_at", "due_date", "-due_date", "number", "-number", "total", "-total"):
        seen, cursor, pages = [], None, 0
        while True:
            page = billing.portal("cust-1", sort=sort, limit=5, **({"cursor": cursor} if cursor else {}))
            body = page.get_json()
            seen += [i["invoice_id"] for i in body["items"]]
            billing.create()                                           # someone issues meanwhile
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert made <= set(seen) and len(seen) == len(set(seen)), sort
        assert pages >= 5
    ids, _ = billing.all_pages("cust-1", sort="total", limit=7)
    totals = [billing.portal("cust-1", f"/{i}").get_json()["total_minor"] for i in ids]
    assert totals == sorted(totals)


def test_a_cursor_is_opaque_and_bound_to_its_sort(billing):
    for _ in range(3):
        billing.create()
    cursor = billing.portal("cust-1", limit=1).get_json()["next_cursor"]
    assert "cust" not in cursor
    assert "cursor" in problem(billing.portal("cust-1", sort="total", cursor=cursor), 400)["errors"]["query"]
    problem(billing.portal("cust-1", cursor="not-a-cursor"), 400)


def test_filters_status_number_and_issued_dates(billing):
    sent = billing.create(number="ACME-100", due_date="2099-12-31")
    overdue = billing.create(number="acme-200", due_date="2000-01-01")
    void = billing.create(number="OTHER-300")
    billing.create(issue=False)                                               # a draft
    assert billing.staff_post(f"/invoices/{void['invoice_id']}/void", {"reason": "duplicate"}).status_code == 200

    def ids(**params):
        return {i["invoice_id"] for i in billing.portal("cust-1", **params).get_json()["items"]}
    assert ids(status="overdue") == {overdue["invoice_id"]}
    assert ids(status="sent") == {sent["invoice_id"]}
    assert ids(status="void") == {void["invoice_id"]}
    assert ids(number="ACME") == {sent["invoice_id"], overdue["invoice_id"]}
    assert ids(number="cme-2") == {overdue["invoice_id"]}
    assert ids(number="cme", match="prefix") == set()
    assert ids(number="other", match="prefix") == {void["invoice_id"]}
    assert ids(number="%") == set() and ids(number="_") == set()              # wildcards are literal
    today = date.today()
    assert len(ids(issued_from=(today - timedelta(days=1)).isoformat(),
                   issued_to=(today + timedelta(days=1)).isoformat())) == 3
    assert ids(issued_to=(today - timedelta(days=2)).isoformat()) == set()
    assert ids(issued_from=(today + timedelta(days=2)).isoformat()) == set()
    [row] = [i for i in billing.portal("cust-1").get_json()["items"] if i["invoice_id"] == overdue["invoice_id"]]
    assert row["status"] == "overdue"
    problem(billing.portal("cust-1", status="draft"), 422)                    # not a customer's status
    staff = billing.staff_get("/invoices", status="draft", customer_id="cust-1").get_json()["items"]
    assert [i["status"] for i in staff] == ["draft"]
    assert len(billing.staff_get("/invoices", customer_id="cust-1").get_json()["items"]) == 4
    assert billing.staff_get("/invoices", customer_id="nobody").get_json()["items"] == []


def test_pushing_an_external_ref_twice_answers_the_same_invoice(billing):
    first = billing.client.post(f"/orgs/{ORG}/invoices", headers=billing.staff, json={
        "customer_id": "cust-1", "currency": "EUR", "lines": [LINE], "issue": True, "external_ref": "ERP-42"})
    again = billing.client.post(f"/orgs/{ORG}/invoices", headers=billing.staff, json={
        "customer_id": "cust-1", "currency": "EUR", "lines": [LINE, LINE], "issue": True, "external_ref": "ERP-42"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert len(billing.events("InvoiceIssued")) == 1


def test_a_draft_naming_a_sales_order_carries_it_to_its_invoice_issued(billing):
    draft = billing.client.post(f"/orgs/{ORG}/invoices", headers=billing.staff, json={
        "customer_id": "cust-1", "currency": "EUR", "lines": [LINE], "sales_order_id": "so-77"}).get_json()
    assert draft["sales_order_id"] == "so-77" and billing.events("InvoiceIssued") == []
    billing.staff_post(f"/invoices/{draft['invoice_id']}/issue")
    [issued] = billing.events("InvoiceIssued")
    assert issued.data["sales_order_id"] == "so-77"
    plain = billing.create()                                  # an invoice that bills no order
    assert billing.events("InvoiceIssued")[-1].data["sales_order_id"] is None and plain["sales_order_id"] is None
    too_long = billing.client.post(f"/orgs/{ORG}/invoices", headers=billing.staff, json={
        "customer_id": "cust-1", "currency": "EUR", "lines": [LINE], "sales_order_id": "x" * 65})
    assert too_long.status_code == 422 and "sales_order_id" in too_long.get_json()["errors"]["json"]


def test_concurrent_pushes_and_numbering_are_race_safe(billing):
    results, errors = [], []

    def push(ref):
        try:
            client = billing.app.test_client()
            answer = client.post(f"/orgs/{ORG}/invoices", headers=billing.staff, json={
                "customer_id": "cust-1", "currency": "EUR", "lines": [LINE], "issue": True, "external_ref": ref})
            results.append((ref, answer.status_code, answer.get_json()))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=push, args=(f"ERP-{i % 4}",)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and all(status in (200, 201) for _, status, _ in results), results
    by_ref = {}
    for ref, _, body in results:
        by_ref.setdefault(ref, set()).add(body["invoice_id"])
    assert all(len(ids) == 1 for ids in by_ref.values())
    numbers = sorted({body["number"] for _, _, body in results})
    assert numbers == [f"INV-{n:06d}" for n in range(1, 5)]


def test_numbers_are_unique_per_org_given_or_assigned(billing):
    assert billing.create(number="INV-000041")["number"] == "INV-000041"
    assert billing.create()["number"] == "INV-000042"                     # one past the highest
    taken = problem(billing.client.post(f"/orgs/{ORG}/invoices", headers=billing.staff, json={
        "customer_id": "cust-2", "currency": "EUR", "lines": [LINE], "number": "inv-000042"}), 409)
    assert "number" in taken["errors"]["json"]
    other = bearer("staff", OTHER_ORG)
    problem(billing.client.post(f"/orgs/{ORG}/invoices", headers=other, json={}), 404)    # not its org
    assert billing.create(headers=other, org_id=OTHER_ORG, number="INV-000042")["number"] == "INV-000042"
    draft = billing.create(issue=False, number="D-1")
    problem(billing.staff_post(f"/invoices/{draft['invoice_id']}/issue", {"number": "INV-000041"}), 409)
    assert billing.staff_post(f"/invoices/{draft['invoice_id']}/issue").get_json()["number"] == "D-1"


def test_update_and_void_rules(billing):
    invoice = billing.create(due_date="2099-01-01")
    path = f"/invoices/{invoice['invoice_id']}"
    changed = billing.client.patch(f"/orgs/{ORG}{path}", headers=billing.staff, json={
        "lines": [{**LINE, "discount_percent": "50"}], "notes": "Half price"})
    assert changed.status_code == 200 and changed.get_json()["total_minor"] == 15000
    [updated] = billing.events("InvoiceUpdated")
    assert updated.data["changed"] == ["lines", "notes"] and updated.data["amount_due_minor"] == 15000
    problem(billing.client.patch(f"/orgs/{ORG}{path}", headers=billing.staff, json={"currency": "USD"}), 422)
    problem(billing.staff_post(f"{path}/issue"), 422)
    problem(billing.client.delete(f"/orgs/{ORG}{path}", headers=billing.staff), 422)
    voided = billing.staff_post(f"{path}/void", {"reason": "Wrong customer"})
    assert voided.status_code == 200 and voided.get_json()["status"] == "void"
    assert voided.get_json()["amount_due_minor"] == 0
    problem(billing.staff_post(f"{path}/void"), 422)
    problem(billing.client.patch(f"/orgs/{ORG}{path}", headers=billing.staff, json={"notes": "x"}), 422)
    assert [e["event"] for e in billing.staff_get(path).get_json()["timeline"]] == ["issued", "updated", "voided"]

    draft = billing.create(issue=False)
    problem(billing.staff_post(f"/invoices/{draft['invoice_id']}/void"), 422)
    assert billing.client.delete(f"/orgs/{ORG}/invoices/{draft['invoice_id']}", headers=billing.staff).status_code == 204
    problem(billing.staff_get(f"/invoices/{draft['invoice_id']}"), 404)
    problem(billing.staff_post("/invoices/no-such-invoice/void"), 404)


@pytest.mark.parametrize("body", [
    {},
    {"customer_id": "cust-1", "currency": "EUR", "lines": []},
    {"customer_id": "cust-1", "currency": "eur", "lines": [LINE]},
    {"customer_id": "cust-1", "currency": "XYZ", "lines": [LINE]},
    {"customer_id": "cust-1", "currency": "EUR", "lines": [{**LINE, "unit_price_minor": 10.5}]},
    {"customer_id": "cust-1", "currency": "EUR", "lines": [{**LINE, "unit_price_minor": "100"}]},
    {"customer_id": "cust-1", "currency": "EUR", "lines": [{**LINE, "quantity": "lots"}]},
    {"customer_id": "cust-1", "currency": "EUR", "lines": [{**LINE, "quantity": "1.00001"}]},
    {"customer_id": "cust-1", "currency": "EUR", "lines": [{**LINE, "quantity": "NaN"}]},
    {"customer_id": "cust-1", "currency": "EUR", "lines": [{**LINE, "quantity": "-1"}]},
    {"customer_id": "cust-1", "currency": "EUR", "lines": [{**LINE, "quantity": "1e30"}]},
    {"customer_id": "cust-1", "currency": "EUR", "lines": [{**LINE, "tax_rate": "200"}]},
    {"customer_id": "cust-1", "currency": "EUR", "lines": [{**LINE, "discount_fixed_minor": 10**9}]},
    {"customer_id": "cust-1", "currency": "EUR", "lines": [{**LINE, "discount_percent": "5",
                                                            "discount_fixed_minor": 5}]},
    {"customer_id": "cust-1", "currency": "EUR", "lines": [LINE], "due_date": "someday"},
    {"customer_id": "cust-1", "currency": "EUR", "lines": [LINE], "status": "paid"},
    {"customer_id": "cust-1", "currency": "EUR", "lines": [LINE], "amount_paid_minor": 30000},
    {"customer_id": "cust-1", "currency": "EUR", "lines": [LINE] * 501},
    {"customer_id": "cust-1", "currency": "EUR", "lines": "one line"},
    {"customer_id": "cust-1", "currency": "EUR", "lines": [LINE], "number": "has spaces"},
])
def test_bad_input_is_a_4xx_problem_naming_the_field(billing, body):
    answer = billing.client.post(f"/orgs/{ORG}/invoices", json=body, headers=billing.staff)
    assert 400 <= answer.status_code < 500 and answer.mimetype == "application/problem+json", answer.get_json()
    assert answer.get_json()["errors"]


def test_bad_requests_never_answer_500(billing):
    broken = billing.client.post(f"/orgs/{ORG}/invoices", data="{not json", headers={
        **billing.staff, "Content-Type": "application/json"})
    problem(broken, 400)
    for params in ({"limit": 0}, {"limit": 1000}, {"sort": "price"}, {"issued_from": "yesterday"},
                   {"match": "regex"}):
        problem(billing.portal("cust-1", **params), 422)
    problem(billing.client.patch(f"/orgs/{ORG}/invoices/x", json={"lines": []}, headers=billing.staff), 422)
    problem(billing.client.patch(f"/orgs/{ORG}/invoices/x", json={"notes": "x"}, headers=billing.staff), 404)


def test_rebuilding_the_read_model_keeps_drafts_and_gives_the_same_rows(billing):
    billing.create(issue=False, number="D-9")
    issued = billing.create(due_date="2099-01-01")
    billing.client.patch(f"/orgs/{ORG}/invoices/{issued['invoice_id']}", json={"notes": "n"}, headers=billing.staff)
    billing.staff_post(f"/invoices/{billing.create()['invoice_id']}/void")
    with billing.rt.engine.connect() as conn:
        before = sorted(tuple(r) for r in conn.execute(select(invoices)))
    rebuild(billing.rt.store)
    with billing.rt.engine.connect() as conn:
        assert sorted(tuple(r) for r in conn.execute(select(invoices))) == before
