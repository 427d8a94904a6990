"""The console's documents against the real documents service in process: what staff see in
the list (documents and customers' uploads, filters, pages), sharing a file with a customer or
chosen contacts (refusals in documents' words at the file field, never a 500), a document's
page (versions with who and when and a download each, a new version, the activity, the
evidence of a decision and its certificate), withdrawing, and who may open all this."""
from __future__ import annotations

import hashlib
import io
import re

import pytest

from gateway.console import documents as console_documents
from tests.helpers.tokens import bearer
from tests.integration.gateway import documents_backend
from tests.integration.gateway.conftest import HOST, Browser, World, make_app, text
from tests.integration.gateway.test_orders import SigningKeys, ids, signed_in

PDF = b"%PDF-1.4\n% quote for 40 chairs\n" + b"0" * 2000
PDF_V2 = b"%PDF-1.4\n% quote for 40 cheaper chairs\n" + b"1" * 3000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500
PROGRAM = b"MZ\x90\x00" + b"\x00" * 200


@pytest.fixture
def world() -> World:
    fake = SigningKeys()
    org = fake.add_org(HOST, "Acme Trading", modules=["invoices", "documents", "quotes", "tickets"])
    customer = fake.add_customer(org, "Globex Ltd")
    world = World(
        fake=fake, org=org, customer=customer,
        ann=fake.add_contact(org, customer, "ann@globex.test", "Ann Example",
                             permissions=("view", "download", "approve", "upload", "submit_tickets")),
        bob=fake.add_contact(org, customer, "bob@globex.test", "Bob Example", permissions=("view",), mfa=True),
        sam=fake.add_staff(org, "sam@acme.test", "Sam Owner", role="owner"),
        ada=fake.add_staff(org, "ada@acme.test", "Ada Agent", role="agent"),
    )
    documents_backend.know_org(org)
    return world


@pytest.fixture
def app(world):
    return make_app(world.fake)


# -- the customer's side, straight at the documents service (the portal's pages are elsewhere) --
def _contact(world, login) -> dict:
    org, customer = ids(world)
    return bearer("contact", org, id=login.id, customer_id=customer, permissions=login.permissions,
                  modules=("documents", "quotes"), name=login.name)


def contact_reads(world, login, document_id: str) -> None:
    """The contact opens the document's page, then downloads it."""
    org, customer = ids(world)
    client, path = documents_backend.documents_app().test_client(), f"/orgs/{org}/customers/{customer}/documents"
    assert client.get(f"{path}/{document_id}", headers=_contact(world, login)).status_code == 200
    assert client.get(f"{path}/{document_id}/file", headers=_contact(world, login)).status_code == 200


def contact_accepts(world, login, document_id: str, version: int) -> None:
    org, customer = ids(world)
    answer = documents_backend.documents_app().test_client().post(
        f"/orgs/{org}/customers/{customer}/documents/{document_id}/decision", headers=_contact(world, login),
        json={"decision": "accept", "version": version, "comment": "Go ahead", "ip": "203.0.113.7",
              "user_agent": "Firefox/128.0 (test)"})
    assert answer.status_code == 200, answer.get_json()


def contact_uploads(world, login, filename: str, data: bytes, **subject) -> dict:
    org, customer = ids(world)
    answer = documents_backend.documents_app().test_client().post(
        f"/orgs/{org}/customers/{customer}/uploads", headers=_contact(world, login),
        content_type="multipart/form-data", data={**subject, "file": (io.BytesIO(data), filename)})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def titles(response) -> list[str]:
    return re.findall(r'href="/console/documents/[0-9a-f-]{36}">([^<]+)</a>', response.get_data(as_text=True))


# -- the list --------------------------------------------------------------------------------
def test_the_list_shows_documents_and_customers_uploads_newest_first_with_filters_and_pages(world, app, monkeypatch):
    org, customer = ids(world)
    initech = world.fake.add_customer(world.org, "Initech")
    documents_backend.share(org, customer, PDF, kind="contract", title="Framework contract")
    documents_backend.share(org, initech["customer_id"], PDF, kind="quote", title="Initech quote", currency="EUR",
                            amount_minor=1000)
    contact_uploads(world, world.ann, "purchase-order.pdf", PDF)
    sam = signed_in(app, world.sam, world.fake)
    listed = sam.get("/console/documents")
    assert listed.status_code == 200
    assert titles(listed) == ["purchase-order.pdf", "Initech quote", "Framework contract"]
    shown = text(listed)
    for words in ("Globex Ltd", "Initech", "Contract", "Quote", "Customer's upload", "Uploaded", "Shared"):
        assert words in shown
    assert titles(sam.get("/console/documents?kind=upload")) == ["purchase-order.pdf"]
    assert titles(sam.get(f"/console/documents?customer_id={initech['customer_id']}")) == ["Initech quote"]
    assert titles(sam.get("/console/documents?status=uploaded")) == ["purchase-order.pdf"]
    assert "No document matches these filters." in text(sam.get("/console/documents?status=signed"))

    monkeypatch.setattr(console_documents, "PAGE_SIZE", 2)
    first = sam.get("/console/documents")
    assert titles(first) == ["purchase-order.pdf", "Initech quote"]
    next_url = re.search(r'href="([^"]+)" rel="next"', first.get_data(as_text=True)).group(1).replace("&amp;", "&")
    assert titles(sam.get(next_url)) == ["Framework contract"]
    assert 'href="/console/documents">Documents</a>' in listed.get_data(as_text=True)     # in the navigation


# -- sharing ---------------------------------------------------------------------------------
def test_staff_share_a_quote_with_a_chosen_contact_and_land_on_its_page(world, app):
    org, customer = ids(world)
    sam = signed_in(app, world.sam, world.fake)
    form = sam.get(f"/console/documents/new?customer_id={customer}")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.get_data(as_text=True)
    big = PDF + b"2" * (2 * 1024 * 1024)            # beyond the 1 MiB every other page takes
    made = sam.send("/console/documents/new", {
        "customer_id": customer, "kind": "quote", "title": "Quote Q-7 for 40 chairs", "contacts": "Ann@Globex.test",
        "number": "Q-7", "amount": "1200.50", "currency": "eur", "valid_until": "2026-12-31",
        "file": (io.BytesIO(big), "q-7.pdf")})
    assert made.status_code == 302, text(made)
    document_id = made.headers["Location"].rsplit("/", 1)[-1]
    stored = documents_backend.staff_document(org, document_id)
    assert stored["contact_ids"] == [world.ann.id] and stored["kind"] == "quote"
    assert (stored["amount_minor"], stored["currency"], stored["valid_until"]) == (120050, "EUR", "2026-12-31")
    assert stored["size_bytes"] == len(big) and stored["author_name"] == "Sam Owner"
    page = sam.get(f"/console/documents/{document_id}")
    shown = text(page)
    assert "shared with Globex Ltd" in shown
    for words in ("Quote Q-7 for 40 chairs", "Globex Ltd", "Ann Example (ann@globex.test)", "€1,200.50",
                  "31 Dec 2026", "Q-7", "by Sam Owner", "q-7.pdf"):
        assert words in shown, words
    assert sam.get(f"/console/documents/{document_id}/file").data == big


def test_a_refused_file_is_said_under_the_file_field_and_nothing_is_shared(world, app):
    org, customer = ids(world)
    sam = signed_in(app, world.sam, world.fake)
    sam.get("/console/documents/new")
    refused = sam.send("/console/documents/new", {"customer_id": customer, "kind": "contract", "title": "Setup",
                                                  "file": (io.BytesIO(PROGRAM), "setup.exe")})
    assert refused.status_code == 422
    under_file = re.search(r'<ul class="field-errors" id="file-error">(.*?)</ul>', refused.get_data(as_text=True), re.S)
    assert under_file and "is a program or script, which cannot be uploaded" in under_file.group(1)
    assert "Please check the following" in text(refused)

    sam.get("/console/documents/new")
    stranger = sam.send("/console/documents/new", {"customer_id": customer, "kind": "contract", "title": "Terms",
                                                   "contacts": "ann@globex.test, eve@elsewhere.test",
                                                   "file": (io.BytesIO(PDF), "terms.pdf")})
    assert stranger.status_code == 422 and "Not a contact of this customer: eve@elsewhere.test" in text(stranger)

    sam.get("/console/documents/new")
    priced = sam.send("/console/documents/new", {"customer_id": customer, "kind": "contract", "title": "Terms",
                                                 "amount": "10", "currency": "EUR",
                                                 "file": (io.BytesIO(PDF), "terms.pdf")})
    assert priced.status_code == 400 and "Only a quote has this" in text(priced)
    listed = documents_backend.documents_app().test_client().get(
        f"/orgs/{org}/documents", headers=bearer("staff", org, name="Kim Staff")).get_json()
    assert listed["items"] == []


# -- a document's page -----------------------------------------------------------------------
def test_a_documents_page_shows_versions_activity_and_the_evidence_of_the_decision(world, app):
    org, _ = ids(world)
    quote = documents_backend.share(org, world.customer["customer_id"], PDF, title="Quote 9", currency="EUR",
                                    amount_minor=5000)
    page_url = f"/console/documents/{quote['document_id']}"
    sam = signed_in(app, world.sam, world.fake)
    assert "Add a new version" in text(sam.get(page_url))
    added = sam.send(f"{page_url}/versions", {"file": (io.BytesIO(PDF_V2), "quote-v2.pdf"),
                                              "note": "Cheaper chairs", "amount": "45.00"})
    assert added.status_code == 302
    assert documents_backend.staff_document(org, quote["document_id"])["amount_minor"] == 4500
    contact_reads(world, world.ann, quote["document_id"])
    contact_accepts(world, world.ann, quote["document_id"], version=2)

    page = sam.get(page_url)
    shown = text(page)
    assert "New version added" in shown and "Accepted" in shown and "€45.00" in shown
    html = page.get_data(as_text=True)
    for version in (1, 2):
        assert f'href="{page_url}/file?version={version}"' in html
    assert re.search(r"quote-v2\.pdf.*Cheaper chairs.*Sam Owner", shown)
    assert re.search(r"quote\.pdf .*Kim Staff", shown)
    for row in ("Shared by Kim Staff", "New version by Sam Owner", "Viewed by Ann Example (1 time",
                "Downloaded by Ann Example", "Accepted by Ann Example", "Go ahead"):
        assert row in shown, row
    evidence = html[html.index('id="evidence"'):html.index('id="activity"')]
    for fact in ("Ann Example", "203.0.113.7", "Firefox/128.0 (test)", hashlib.sha256(PDF_V2).hexdigest()):
        assert fact in evidence, fact
    assert "Add a new version" not in shown                     # an accepted quote takes none

    first = sam.get(f"{page_url}/file?version=1")
    assert first.data == PDF and first.headers["X-Document-Version"] == "1"
    assert "attachment" in first.headers["Content-Disposition"]
    assert sam.get(f"{page_url}/file").data == PDF_V2
    certificate = sam.get(f"{page_url}/certificate")
    assert certificate.status_code == 200 and certificate.data.startswith(b"%PDF-")
    assert f'href="{page_url}/certificate"' in html


def test_a_document_without_a_decision_has_no_evidence_and_no_certificate(world, app):
    org, customer = ids(world)
    contract = documents_backend.share(org, customer, PDF, kind="contract", title="Contract")
    sam = signed_in(app, world.sam, world.fake)
    page = sam.get(f"/console/documents/{contract['document_id']}")
    assert 'id="evidence"' not in page.get_data(as_text=True) and "Every contact of the customer" in text(page)
    missing = sam.get(f"/console/documents/{contract['document_id']}/certificate")
    assert missing.status_code == 404 and "Nothing was decided on this document yet" in text(missing)


def test_withdrawing_asks_for_the_tick_then_the_customer_no_longer_sees_it(world, app):
    org, customer = ids(world)
    contract = documents_backend.share(org, customer, PDF, kind="contract", title="Old terms")
    page_url = f"/console/documents/{contract['document_id']}"
    sam = signed_in(app, world.sam, world.fake)
    sam.get(page_url)
    unticked = sam.send(f"{page_url}/withdraw", {"reason": "Sent by mistake"})
    assert unticked.status_code == 302 and "Tick the box to confirm." in text(sam.get(page_url))
    assert documents_backend.staff_document(org, contract["document_id"])["status"] == "shared"
    done = sam.send(f"{page_url}/withdraw", {"reason": "Sent by mistake", "confirm": "y"})
    assert done.status_code == 302
    assert documents_backend.staff_document(org, contract["document_id"])["status"] == "withdrawn"
    shown = text(sam.get(page_url))
    assert "Document withdrawn" in shown and "Withdrawn by Sam Owner: Sent by mistake" in shown
    assert "Withdraw the document" not in shown and "Add a new version" not in shown
    again = sam.send(f"{page_url}/versions", {"file": (io.BytesIO(PDF_V2), "v2.pdf")})
    assert again.status_code == 302 and "This document was withdrawn." in text(sam.get(page_url))


def test_customers_uploads_are_listed_and_downloadable_by_staff(world, app):
    upload = contact_uploads(world, world.ann, "photo.png", PNG)
    ada = signed_in(app, world.ada, world.fake)                 # an agent may look and download
    page = ada.get(f"/console/documents/{upload['document_id']}")
    shown = text(page)
    assert page.status_code == 200 and "photo.png" in shown and "by the customer" in shown
    assert "Add a new version" not in shown                     # an upload takes no versions
    file = ada.get(f"/console/documents/{upload['document_id']}/file")
    assert file.data == PNG and file.headers["Content-Type"] == "image/png"
    assert file.headers["X-Content-Type-Options"] == "nosniff"


def test_only_staff_of_the_org_reach_the_documents_pages(world, app):
    org, customer = ids(world)
    contract = documents_backend.share(org, customer, PDF, kind="contract", title="Contract")
    assert Browser(app).get("/console/documents").headers["Location"].startswith("/console/signin")
    ann = signed_in(app, world.ann)
    assert ann.get("/console/documents").status_code == 404
    assert ann.get(f"/console/documents/{contract['document_id']}/file").status_code == 404
    other_org = world.fake.add_org("other.test", "Other Co")
    documents_backend.know_org(other_org)
    theirs = documents_backend.share(other_org["org_id"], customer, PDF, kind="contract", title="Their secret")
    sam = signed_in(app, world.sam, world.fake)
    for path in ("", "/file", "/certificate"):
        refused = sam.get(f"/console/documents/{theirs['document_id']}{path}")
        assert refused.status_code == 404 and "Their secret" not in text(refused)
