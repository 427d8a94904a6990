"""The portal's and the console's service requests and /api/v1/service-requests, against the
real orders and documents services in process: a contact raises a request, adds updates and
files and sees staff's; staff move it, assign it to a member of the team, write to the
customer and see both sides' files; an ERP pushes requests idempotently; and nobody sees
another customer's request."""
from __future__ import annotations

import io
import re

import pytest

from tests.helpers.tokens import bearer
from tests.integration.gateway import documents_backend, orders_backend
from tests.integration.gateway.conftest import HOST, World, make_app, text
from tests.integration.gateway.test_orders import SigningKeys, signed_in

MODULES = ["service_requests", "documents"]
ALL = ("view", "download", "upload", "submit_tickets")


@pytest.fixture
def world() -> World:
    fake = SigningKeys()
    org = fake.add_org(HOST, "Acme Trading", modules=list(MODULES), customer_uploads=True)
    customer = fake.add_customer(org, "Globex Ltd")
    other = fake.add_customer(org, "Initech")
    world = World(
        fake=fake, org=org, customer=customer,
        ann=fake.add_contact(org, customer, "ann@globex.test", "Ann Example", permissions=ALL),
        bob=fake.add_contact(org, other, "bob@initech.test", "Bob Other", permissions=ALL),
        sam=fake.add_staff(org, "sam@acme.test", "Sam Owner", role="owner"),
        ada=fake.add_staff(org, "ada@acme.test", "Ada Agent", role="agent"),
    )
    world.carl = fake.add_contact(org, customer, "carl@globex.test", "Carl Reader", permissions=("view",))
    documents_backend.know_org(org)
    return world


@pytest.fixture
def app(world):
    return make_app(world.fake)


def ids(world) -> tuple[str, str]:
    return world.org["org_id"], world.customer["customer_id"]


def upload(browser, request_id: str, filename: str, data: bytes):
    return browser.post("/documents/upload", data={"subject_type": "service_request", "subject_id": request_id,
                                                   "files": (io.BytesIO(data), filename)},
                        content_type="multipart/form-data", headers={"Accept": "application/json"})


def test_a_contact_raises_a_request_writes_updates_and_attaches_files(world, app):
    org, customer = ids(world)
    ann = signed_in(app, world.ann)
    empty = ann.get("/service-requests")
    assert empty.status_code == 200 and "You have no service requests yet" in text(empty)
    assert "coming soon" not in text(empty).lower() and "Raise a request" in text(empty)
    made = ann.submit("/service-requests/new", {"subject": "Boiler leaks", "description": "Water under it.",
                                                "priority": "high", "category": "Repair"})
    assert made.status_code == 302
    request_id = orders_backend.staff_requests(org)[0]["service_request_id"]
    assert made.headers["Location"].endswith(f"/service-requests/{request_id}")
    page = text(ann.get(f"/service-requests/{request_id}"))
    assert "SR-000001: Boiler leaks" in page and "High" in page and "Not assigned yet" in page
    assert "Water under it." in page and "No files here yet" in page
    added = ann.send(f"/service-requests/{request_id}/updates", {"text": "It got worse."})
    assert added.status_code == 302
    assert upload(ann, request_id, "leak.csv", b"when;litres\nmonday;2\n").status_code == 200
    staff_file = documents_backend.documents_app().test_client().post(
        f"/orgs/{org}/uploads", headers=bearer("staff", org, id="kim"), content_type="multipart/form-data",
        data={"customer_id": customer, "subject_type": "service_request", "subject_id": request_id,
              "file": (io.BytesIO(b"part;price\nvalve;12\n"), "quote.csv")})
    assert staff_file.status_code == 201, staff_file.get_json()
    shown = text(ann.get(f"/service-requests/{request_id}"))
    assert "Ann Example from your side" in shown and "It got worse." in shown
    assert re.search(r"leak\.csv .* from your side", shown) and re.search(r"quote\.csv .* from the team", shown)
    listed = text(ann.get("/service-requests?status=open"))
    assert "SR-000001" in listed and "Boiler leaks" in listed
    assert "SR-000001" not in text(ann.get("/service-requests?status=closed"))


def test_a_bad_request_is_said_at_its_field_and_nothing_is_raised(world, app):
    org, _ = ids(world)
    ann = signed_in(app, world.ann)
    empty = ann.submit("/service-requests/new", {"subject": "", "description": "Something"})
    assert empty.status_code == 422 and "Give the request a subject." in text(empty)
    long = ann.submit("/service-requests/new", {"subject": "Big", "description": "x" * 20_001})
    assert long.status_code == 422 and "at most 20,000 characters" in text(long)
    huge = ann.send("/service-requests/new", {"subject": "Huge", "description": "x" * (10 * 1024 * 1024)})
    assert huge.status_code == 413
    assert "The description is too long: a request may carry at most 1 MiB." in text(huge)
    assert orders_backend.staff_requests(org) == []


def test_another_customers_request_is_not_found_and_takes_nothing(world, app):
    org, customer = ids(world)
    mine = orders_backend.open_request(org, customer, subject="Secret visit")
    bob = signed_in(app, world.bob)
    page = f"/service-requests/{mine['service_request_id']}"
    assert bob.get(page).status_code == 404
    assert "Secret visit" not in text(bob.get("/service-requests"))
    assert bob.send(f"{page}/updates", {"text": "Mine now"}).status_code == 404
    assert upload(bob, mine["service_request_id"], "x.csv", b"a;b\n").status_code == 404
    assert orders_backend.staff_request(org, mine["service_request_id"])["updates"] == []


def test_a_reader_without_submit_tickets_reads_but_cannot_raise_or_write(world, app):
    org, customer = ids(world)
    found = orders_backend.open_request(org, customer)
    carl = signed_in(app, world.carl)
    listed = text(carl.get("/service-requests"))
    assert "SR-000001" in listed and "Raise a request" not in listed
    page = carl.get(f"/service-requests/{found['service_request_id']}")
    assert page.status_code == 200 and "Add update" not in text(page)
    assert carl.get("/service-requests/new").status_code == 403


def test_a_module_switched_off_answers_404(world, app):
    ann = signed_in(app, world.ann)
    world.org["settings"]["modules"] = ["documents"]
    app.extensions["gateway"].orgs.drop(HOST)
    app.extensions["gateway"].sessions.drop_where(lambda view: True)
    assert ann.get("/service-requests").status_code == 404


def test_staff_move_assign_and_answer_a_request_and_see_its_files(world, app):
    org, customer = ids(world)
    found = orders_backend.open_request(org, customer, subject="Install heat pump")
    request_id = found["service_request_id"]
    ann = signed_in(app, world.ann)
    ann.get(f"/service-requests/{request_id}")
    assert upload(ann, request_id, "plan.csv", b"room;size\nkitchen;12\n").status_code == 200
    sam = signed_in(app, world.sam, world.fake)
    listed = text(sam.get("/console/service-requests?status=new"))
    assert "SR-000001" in listed and "Install heat pump" in listed and "Globex Ltd" in listed
    url = f"/console/service-requests/{request_id}"
    page = sam.get(url)
    assert "plan.csv" in text(page) and "The customer" in text(page)
    document_id = documents_backend.staff_documents(org)[0]["document_id"]
    assert f'/console/documents/{document_id}/file' in page.get_data(as_text=True)
    assert sam.send(f"{url}/assign", {"assignee": world.ada.id}).status_code == 302
    sam.get(url)
    assert sam.send(f"{url}/status", {"status": "waiting_on_customer"}).status_code == 302
    sam.get(url)
    assert sam.send(f"{url}/priority", {"priority": "urgent"}).status_code == 302
    sam.get(url)
    assert sam.send(f"{url}/updates", {"text": "Which floor is the kitchen on?"}).status_code == 302
    now = orders_backend.staff_request(org, request_id)
    assert (now["status"], now["priority"], now["assignee_name"]) == ("waiting_on_customer", "urgent", "Ada Agent")
    assert [(u["author_kind"], u["author_name"]) for u in now["updates"]] == [("staff", "Sam Owner")]
    sam.get(url)
    back = sam.send(f"{url}/status", {"status": "new"})
    assert back.status_code == 302 and "cannot move to new" in text(sam.get(url))
    seen = text(ann.get(f"/service-requests/{request_id}"))
    assert "Ada Agent" in seen and "Waiting for you" in seen and "Which floor is the kitchen on?" in seen
    other_org = bearer("staff", "org-elsewhere")
    assert orders_backend.orders_app().test_client().get(
        f"/orgs/org-elsewhere/service-requests/{request_id}", headers=other_org).status_code == 404


def test_staff_attach_a_file_the_customer_then_finds_on_the_request(world, app):
    org, customer = ids(world)
    request_id = orders_backend.open_request(org, customer, subject="Install heat pump")["service_request_id"]
    sam = signed_in(app, world.sam, world.fake)
    url = f"/console/service-requests/{request_id}"
    sam.get(url)
    attached = sam.send(f"{url}/files", {"file": (io.BytesIO(b"%PDF-1.4\n% floor plan\n" + b"0" * 500), "plan.pdf")})
    assert attached.status_code == 302
    page = text(sam.get(url))
    assert "File attached: the customer sees it on the request." in page and re.search(r"plan\.pdf \d+ Bytes Staff", page)
    [filed] = documents_backend.staff_documents(org)
    assert (filed["customer_id"], filed["uploaded_by"]) == (customer, "staff")
    assert "plan.pdf" in text(signed_in(app, world.ann).get(f"/service-requests/{request_id}"))

    refused = sam.send(f"{url}/files", {"file": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200), "tool.exe")})
    assert refused.status_code == 302 and "is a program or script" in text(sam.get(url))
    assert sam.send(f"{url}/status", {"status": "closed"}).status_code == 302
    sam.get(url)
    late = sam.send(f"{url}/files", {"file": (io.BytesIO(b"plain words\n"), "late.txt")})
    assert late.status_code == 302 and "This request is closed" in text(sam.get(url))
    assert [d["filename"] for d in documents_backend.staff_documents(org)] == ["plan.pdf"]


def test_the_api_pushes_requests_idempotently_changes_and_answers_them(world, app):
    org, customer = ids(world)
    key = world.fake.add_key(world.org, scopes=["service_requests"])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}

    def call(method, path, **kwargs):
        return client.open(path, method=method, headers=headers, base_url=f"http://{HOST}", **kwargs)

    body = {"customer_id": customer, "subject": "Visit", "description": "Check the pump.", "external_ref": "FS-1"}
    first, again = call("POST", "/api/v1/service-requests", json=body), call("POST", "/api/v1/service-requests",
                                                                             json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    request_id = first.get_json()["service_request_id"]
    assert again.get_json()["service_request_id"] == request_id
    assert [r["number"] for r in call("GET", "/api/v1/service-requests").get_json()["items"]] == ["SR-000001"]
    moved = call("PATCH", f"/api/v1/service-requests/{request_id}", json={"status": "in_progress"})
    assert moved.status_code == 200 and moved.get_json()["status"] == "in_progress"
    said = call("POST", f"/api/v1/service-requests/{request_id}/updates",
                json={"text": "Engineer booked for Monday.", "author_name": "Field service"})
    assert said.status_code == 201 and said.get_json()["updates"][0]["author_name"] == "Field service"
    assert call("GET", f"/api/v1/service-requests/{request_id}").get_json()["update_count"] == 1
    bad = call("POST", "/api/v1/service-requests", json={**body, "external_ref": "FS-2", "priority": "asap"})
    assert bad.status_code == 422 and "priority" in bad.get_json()["errors"]["json"]
    assert call("GET", "/api/v1/service-requests/no-such-id").status_code == 404
    other = world.fake.add_key(world.org, scopes=["sales_orders"])
    refused = client.get("/api/v1/service-requests", headers={"Authorization": f"Bearer {other}"},
                         base_url=f"http://{HOST}")
    assert refused.status_code == 403
    assert len(orders_backend.staff_requests(org)) == 1
