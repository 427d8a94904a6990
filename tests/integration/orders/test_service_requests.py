"""Service requests through orders' HTTP API, on SQLite and PostgreSQL: a contact raises one,
staff and the ERP (idempotent on external_ref) open, move, prioritise and assign them, both
sides write updates, the status moves only as API.md says, a closed request takes nothing
more, another customer's or org's request is a 404, and bad input is refused naming the field
with nothing stored."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from services.chassis.tables import events
from services.orders.app import create_app
from services.orders.bootstrap import SPEC
from tests.helpers.tokens import bearer

ORG, OTHER_ORG = "org-acme", "org-other"


class Requests:
    def __init__(self, rt):
        self.rt, self.app = rt, create_app(rt.config)
        self.client = self.app.test_client()
        self.erp = bearer("api_key", ORG, id="key-1", modules=("service_requests",), ttl_s=3600)
        self.staff = bearer("staff", ORG, id="staff-1", name="Sam Agent", ttl_s=3600)

    def contact(self, customer_id="cust-1", permissions=("view", "submit_tickets"), modules=("service_requests",),
                org_id=ORG):
        return bearer("contact", org_id, id=f"contact-{customer_id}", customer_id=customer_id, name="Ann Buyer",
                      permissions=permissions, modules=modules, ttl_s=3600)

    def mine(self, customer_id="cust-1"):
        return f"/orgs/{ORG}/customers/{customer_id}/service-requests"

    def raise_(self, expect=201, customer_id="cust-1", headers=None, **body):
        answer = self.client.post(self.mine(customer_id), headers=headers or self.contact(customer_id),
                                  json={"subject": "Boiler leaks", "description": "Water under it.", **body})
        assert answer.status_code == expect, answer.get_json()
        return answer.get_json()

    def open(self, expect=201, **body):
        answer = self.client.post(f"/orgs/{ORG}/service-requests", headers=self.erp,
                                  json={"customer_id": "cust-1", "subject": "Yearly check", "description": "Due.",
                                        **body})
        assert answer.status_code == expect, answer.get_json()
        return answer.get_json()

    def patch(self, request_id, **changes):
        return self.client.patch(f"/orgs/{ORG}/service-requests/{request_id}", headers=self.staff, json=changes)

    def staff_update(self, request_id, text):
        return self.client.post(f"/orgs/{ORG}/service-requests/{request_id}/updates", headers=self.staff,
                                json={"text": text})

    def contact_update(self, request_id, text, customer_id="cust-1", headers=None):
        return self.client.post(f"{self.mine(customer_id)}/{request_id}/updates",
                                headers=headers or self.contact(customer_id), json={"text": text})

    def count(self, type_=None) -> int:
        with self.rt.engine.connect() as conn:
            query = select(func.count()).select_from(events)
            return conn.execute(query.where(events.c.type == type_) if type_ else query).scalar()


@pytest.fixture
def requests_(make_runtime, db_kind):
    return Requests(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


def test_a_contact_raises_a_request_and_both_sides_hold_a_conversation(requests_):
    r = requests_
    raised = r.raise_(priority="high", category="Repair")
    assert (raised["number"], raised["status"], raised["priority"], raised["opened_by_kind"]) == (
        "SR-000001", "new", "high", "contact")
    request_id = raised["service_request_id"]
    assigned = r.patch(request_id, status="in_progress", assignee_id="staff-1", assignee_name="Sam Agent")
    assert assigned.status_code == 200 and assigned.get_json()["assignee_name"] == "Sam Agent"
    asked = r.staff_update(request_id, "Which model is it?")
    assert asked.status_code == 201
    assert r.patch(request_id, status="waiting_on_customer").status_code == 200
    answered = r.contact_update(request_id, "A Vaillant ecoTEC.")
    assert answered.status_code == 201
    seen = r.client.get(f"{r.mine()}/{request_id}", headers=r.contact()).get_json()
    assert seen["status"] == "in_progress", "a customer's answer hands the request back to staff"
    assert [(u["author_kind"], u["author_name"], u["text"]) for u in seen["updates"]] == [
        ("staff", "Sam Agent", "Which model is it?"), ("contact", "Ann Buyer", "A Vaillant ecoTEC.")]
    assert seen["assignee_name"] == "Sam Agent" and seen["update_count"] == 2
    assert r.raise_()["number"] == "SR-000002"
    assert r.count("ServiceRequestOpened") == 2 and r.count("ServiceRequestUpdated") == 4


def test_pushing_the_same_external_ref_twice_opens_one_request(requests_):
    first = requests_.open(external_ref="ERP-SR-1")
    again = requests_.open(expect=200, external_ref="ERP-SR-1", subject="Something else")
    assert again["service_request_id"] == first["service_request_id"] and again["subject"] == "Yearly check"
    assert requests_.count("ServiceRequestOpened") == 1


def test_two_pushes_of_one_external_ref_at_once_open_one_request(requests_):
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: requests_.client.post(
            f"/orgs/{ORG}/service-requests", headers=requests_.erp,
            json={"customer_id": "cust-1", "subject": "Race", "description": "Twice.", "external_ref": "ERP-9"}),
            range(4)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.get_json()["service_request_id"] for a in answers}) == 1
    assert requests_.count("ServiceRequestOpened") == 1


@pytest.mark.parametrize("start, move, allowed", [
    ("new", "resolved", True), ("resolved", "in_progress", True), ("in_progress", "new", False),
    ("resolved", "waiting_on_customer", False), ("new", "closed", True)])
def test_the_status_moves_only_as_documented(requests_, start, move, allowed):
    request_id = requests_.open()["service_request_id"]
    if start != "new":
        assert requests_.patch(request_id, status=start).status_code == 200
    answer = requests_.patch(request_id, status=move)
    if allowed:
        assert answer.status_code == 200 and answer.get_json()["status"] == move
    else:
        assert answer.status_code == 422 and "status" in answer.get_json()["errors"]["json"], answer.get_json()


def test_a_closed_request_takes_nothing_more_and_a_change_to_where_it_is_records_nothing(requests_):
    request_id = requests_.open()["service_request_id"]
    assert requests_.patch(request_id, priority="normal").status_code == 200
    assert requests_.count("ServiceRequestUpdated") == 0
    assert requests_.patch(request_id, status="closed").status_code == 200
    before = requests_.count()
    assert requests_.contact_update(request_id, "Still broken").status_code == 409
    assert requests_.staff_update(request_id, "Hello?").status_code == 409
    assert requests_.patch(request_id, priority="urgent").status_code == 409
    assert requests_.count() == before


def test_another_customers_or_orgs_request_is_a_404(requests_):
    r = requests_
    request_id = r.raise_()["service_request_id"]
    other = r.contact("cust-2")
    assert r.client.get(f"{r.mine('cust-2')}/{request_id}", headers=other).status_code == 404
    assert r.contact_update(request_id, "Mine now", customer_id="cust-2").status_code == 404
    assert r.client.get(f"{r.mine()}/{request_id}", headers=other).status_code == 404
    assert r.client.get(r.mine("cust-2"), headers=other).get_json()["items"] == []
    foreign = bearer("staff", OTHER_ORG, id="staff-9", ttl_s=3600)
    assert r.client.get(f"/orgs/{OTHER_ORG}/service-requests/{request_id}", headers=foreign).status_code == 404
    assert r.client.patch(f"/orgs/{OTHER_ORG}/service-requests/{request_id}", headers=foreign,
                          json={"status": "closed"}).status_code == 404
    assert r.client.get(f"{r.mine()}/{request_id}", headers=r.contact(modules=())).status_code == 404
    assert r.count("ServiceRequestUpdated") == 0


def test_raising_and_writing_need_submit_tickets(requests_):
    r = requests_
    request_id = r.open()["service_request_id"]
    reader = r.contact(permissions=("view",))
    assert r.client.get(f"{r.mine()}/{request_id}", headers=reader).status_code == 200
    assert r.raise_(expect=403, headers=reader)
    assert r.contact_update(request_id, "hi", headers=reader).status_code == 403
    assert r.count() == 1


def test_an_api_key_without_the_scope_is_refused(requests_):
    key = bearer("api_key", ORG, id="key-2", modules=("sales_orders",), ttl_s=3600)
    answer = requests_.client.post(f"/orgs/{ORG}/service-requests", headers=key,
                                   json={"customer_id": "cust-1", "subject": "x", "description": "y"})
    assert answer.status_code == 403 and requests_.count() == 0


def test_the_customer_list_filters_by_status_and_pages_by_cursor(requests_):
    r = requests_
    ids = [r.raise_(subject=f"Request {n}")["service_request_id"] for n in range(5)]
    r.patch(ids[0], status="resolved")
    r.open(customer_id="cust-2")
    seen, cursor = [], None
    while True:
        page = r.client.get(r.mine(), headers=r.contact(),
                            query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [item["service_request_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids) and seen[0] == ids[0], "latest news first"
    open_ = r.client.get(r.mine(), headers=r.contact(), query_string={"status": "open"}).get_json()["items"]
    assert {i["service_request_id"] for i in open_} == set(ids[1:])
    resolved = r.client.get(r.mine(), headers=r.contact(), query_string={"status": "resolved"}).get_json()["items"]
    assert [i["number"] for i in resolved] == ["SR-000001"]
    bad = r.client.get(r.mine(), headers=r.contact(), query_string={"status": "lost"})
    assert bad.status_code == 422 and "status" in bad.get_json()["errors"]["query"]
    stale = r.client.get(r.mine(), headers=r.contact(), query_string={"cursor": "nonsense"})
    assert stale.status_code == 400


@pytest.mark.parametrize("body, field", [
    ({"subject": ""}, "subject"),
    ({"subject": "x" * 201}, "subject"),
    ({"description": "   "}, "description"),
    ({"description": "x" * 20_001}, "description"),
    ({"priority": "whenever"}, "priority"),
])
def test_bad_requests_are_refused_naming_the_field_and_store_nothing(requests_, body, field):
    answer = requests_.client.post(requests_.mine(), headers=requests_.contact(),
                                   json={"subject": "Boiler", "description": "Leaks", **body})
    problem = answer.get_json()
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json", problem
    assert field in problem["errors"]["json"], problem
    assert requests_.count() == 0


def test_a_ten_megabyte_description_is_refused_whole(requests_):
    answer = requests_.client.post(requests_.mine(), headers=requests_.contact(),
                                   json={"subject": "Boiler", "description": "x" * 10_000_000})
    assert answer.status_code == 413 and answer.mimetype == "application/problem+json"
    assert "The description is too long" in answer.get_json()["detail"]
    assert list(answer.get_json()["errors"]["json"]) == ["description"]
    assert requests_.count() == 0


@pytest.mark.parametrize("change, field", [
    ({"status": "teleported"}, "status"), ({"priority": "asap"}, "priority"),
    ({"assignee_id": "staff-2"}, "assignee_name"), ({}, "_schema")])
def test_bad_changes_and_updates_are_refused_naming_the_field(requests_, change, field):
    request_id = requests_.open()["service_request_id"]
    answer = requests_.patch(request_id, **change)
    assert answer.status_code == 422 and field in answer.get_json()["errors"]["json"], answer.get_json()
    for text in ("  ", "x" * 5001):
        refused = requests_.staff_update(request_id, text)
        assert refused.status_code == 422 and "text" in refused.get_json()["errors"]["json"]
    assert requests_.count() == 1
