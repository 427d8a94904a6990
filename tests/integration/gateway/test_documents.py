"""The portal's documents and quotes against the real documents service in process: what a
contact sees (grouped by kind, versions, a quote's amount), downloads byte-identical through
the gateway with a safe name, accepts a quote and signs an agreement (the service records the
contact's address and browser), uploads files checked by content (one per request from the
page's script, all at once without it), attaches files to a ticket; and what nobody else
gets: another customer's contact, a contact without `download`, a signed-out browser."""
from __future__ import annotations

import hashlib
import io
import re

import pytest
from fpdf import FPDF

from tests.integration.gateway import documents_backend
from tests.integration.gateway.conftest import HOST, Browser, World, make_app, text

MODULES = ["invoices", "tickets", "documents", "quotes"]
ALL = ("view", "download", "approve", "upload", "forward", "submit_tickets")


def pdf(words: str) -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(text=words)
    return bytes(doc.output())


@pytest.fixture
def world() -> World:
    from tests.integration.gateway.fake_identity import FakeIdentity
    fake = FakeIdentity()
    org = fake.add_org(HOST, "Acme Trading", modules=list(MODULES), customer_uploads=True, upload_limit_mb=1)
    customer = fake.add_customer(org, "Globex Ltd")
    other = fake.add_customer(org, "Initech")
    world = World(
        fake=fake, org=org, customer=customer,
        ann=fake.add_contact(org, customer, "ann@globex.test", "Ann Example", permissions=ALL),
        bob=fake.add_contact(org, other, "bob@initech.test", "Bob Other", permissions=ALL),
        sam=fake.add_staff(org, "sam@acme.test", "Sam Owner", role="owner"),
        ada=fake.add_staff(org, "ada@acme.test", "Ada Agent", role="agent"),
    )
    documents_backend.know_org(org)
    return world


@pytest.fixture
def app(world):
    return make_app(world.fake)


def signed_in(app, login) -> Browser:
    browser = Browser(app)
    browser.sign_in(login)
    return browser


def test_a_contact_downloads_a_quote_byte_identical_and_accepts_it(world, app):
    data = pdf("Roof quote")
    quote = documents_backend.share(world.org["org_id"], world.customer["customer_id"], data, filename="Dach – Müller.pdf",
                                    title="New roof", number="Q-9", currency="EUR", amount_minor=1240000)
    ann = signed_in(app, world.ann)
    listed = ann.get("/quotes")
    assert "New roof" in text(listed) and "Q-9" in text(listed) and "€12,400.00" in text(listed)
    page = ann.get(f"/documents/{quote['document_id']}")
    assert "Accept quote" in text(page) and "Decline quote" in text(page)
    got = ann.get(f"/documents/{quote['document_id']}/file")
    assert got.status_code == 200 and got.data == data and got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"] == (
        "attachment; filename=\"Dach _ M_ller.pdf\"; filename*=UTF-8''Dach%20%E2%80%93%20M%C3%BCller.pdf")
    accepted = ann.send(f"/documents/{quote['document_id']}/accept", {"comment": "Please start in March"},
                        headers={"User-Agent": "Chromium test"}, environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert accepted.status_code == 302
    shown = text(ann.get(f"/documents/{quote['document_id']}"))
    assert "Accepted" in shown and hashlib.sha256(data).hexdigest() in shown and "Accept quote" not in shown
    evidence = documents_backend.staff_document(world.org["org_id"], quote["document_id"])["evidence"][0]
    assert (evidence["contact_name"], evidence["ip"], evidence["user_agent"], evidence["comment"]) == (
        "Ann Example", "203.0.113.5", "Chromium test", "Please start in March")


def test_an_agreement_is_signed_with_a_typed_name_and_its_certificate_downloads(world, app):
    agreement = documents_backend.share(world.org["org_id"], world.customer["customer_id"], pdf("Terms"),
                                        kind="agreement", title="Service agreement")
    ann = signed_in(app, world.ann)
    ann.get(f"/documents/{agreement['document_id']}")
    unticked = ann.send(f"/documents/{agreement['document_id']}/sign", {"signer_name": "Ann Example"})
    assert "Tick the box" in text(ann.get(unticked.headers["Location"]))
    ann.get(f"/documents/{agreement['document_id']}")
    ann.send(f"/documents/{agreement['document_id']}/sign", {"signer_name": "Ann Example", "consent": "y"})
    shown = text(ann.get(f"/documents/{agreement['document_id']}"))
    assert "Signed" in shown and "Ann Example signed version 1" in shown
    certificate = ann.get(f"/documents/{agreement['document_id']}/certificate")
    assert certificate.status_code == 200 and certificate.data.startswith(b"%PDF")


def test_the_documents_page_groups_by_kind_and_hides_other_customers_files(world, app):
    org = world.org["org_id"]
    mine = documents_backend.share(org, world.customer["customer_id"], pdf("c"), kind="contract", title="Framework")
    other = [c for c in world.fake.customers if c != world.customer["customer_id"]][0]
    theirs = documents_backend.share(org, other, pdf("x"), kind="contract", title="Initech deal")
    ann = signed_in(app, world.ann)
    page = text(ann.get("/documents"))
    assert "Contracts" in page and "Framework" in page and "Initech deal" not in page
    for path in (f"/documents/{theirs['document_id']}", f"/documents/{theirs['document_id']}/file"):
        assert ann.get(path).status_code == 404
    assert Browser(app).get(f"/documents/{mine['document_id']}/file").status_code == 302     # signed out


def test_uploads_are_checked_by_content_and_answered_per_file(world, app):
    ann = signed_in(app, world.ann)
    ann.get("/documents")
    good, bad = pdf("Signed order"), b"MZ" + b"\0" * 100
    answer = ann.post("/documents/upload", data={"files": [(io.BytesIO(good), "order.pdf"), (io.BytesIO(bad), "tool.exe")]},
                      content_type="multipart/form-data")
    assert answer.status_code == 302
    page = text(ann.get("/documents"))
    assert "order.pdf was uploaded" in page and "tool.exe" in page and "program" in page.lower()
    one = ann.post("/documents/upload", data={"files": (io.BytesIO(b"a,b\n" * 400_000), "big.csv")},
                   content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert one.status_code == 422 and "1 MB" in one.get_json()["errors"][0]
    uploaded = re.findall(r">(order\.pdf|tool\.exe)</a>", ann.get("/documents").get_data(as_text=True))
    assert uploaded == ["order.pdf"]


def test_a_contact_attaches_a_file_to_their_ticket_and_it_is_listed_there(world, app):
    from tests.integration.gateway import support_backend
    org = world.org["org_id"]
    ticket = support_backend.raised_for(org, world.customer["customer_id"], world.ann.id, "Leaking roof")
    ann = signed_in(app, world.ann)
    page = ann.get(f"/tickets/{ticket['ticket_id']}")
    assert "No files here yet" in text(page) and "Attach files" in text(page)
    photo = pdf("Photo")
    answer = ann.post("/documents/upload", data={"subject_type": "ticket", "subject_id": ticket["ticket_id"],
                                                 "files": (io.BytesIO(photo), "leak.pdf")},
                      content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.get_json()["uploaded"][0]["filename"] == "leak.pdf"
    shown = ann.get(f"/tickets/{ticket['ticket_id']}")
    assert "leak.pdf" in text(shown) and "from your side" in text(shown)
    link = re.search(r'href="(/documents/[^"]+/file)"[^>]*>leak\.pdf', shown.get_data(as_text=True)).group(1)
    assert ann.get(link).data == photo
    bob = signed_in(app, world.bob)                  # another customer's contact
    bob.get("/documents")
    refused = bob.post("/documents/upload", data={"subject_type": "ticket", "subject_id": ticket["ticket_id"],
                                                  "files": (io.BytesIO(photo), "x.pdf")},
                       content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert refused.status_code == 404 and bob.get(link).status_code == 404


def test_a_contact_attaches_a_file_to_an_invoice_of_their_own_only(world, app):
    from tests.integration.gateway import billing_backend
    org = world.org["org_id"]
    mine = billing_backend.issue_invoice(org, world.customer["customer_id"])
    other = [c for c in world.fake.customers if c != world.customer["customer_id"]][0]
    theirs = billing_backend.issue_invoice(org, other)
    ann = signed_in(app, world.ann)
    ann.get(f"/invoices/{mine['invoice_id']}")
    sent = ann.post("/documents/upload", data={"subject_type": "invoice", "subject_id": mine["invoice_id"],
                                               "files": (io.BytesIO(b"PO number;4711\n"), "po.csv")},
                    content_type="multipart/form-data")
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/invoices/{mine['invoice_id']}#files")
    assert "po.csv" in text(ann.get(f"/invoices/{mine['invoice_id']}"))
    refused = ann.post("/documents/upload", data={"subject_type": "invoice", "subject_id": theirs["invoice_id"],
                                                  "files": (io.BytesIO(b"x\n"), "x.csv")},
                       content_type="multipart/form-data")
    assert refused.status_code == 404


def test_one_contact_cannot_send_files_without_end(world):
    app = make_app(world.fake, GATEWAY_RATELIMIT_UPLOADS="2 per minute")
    ann, bob = signed_in(app, world.ann), signed_in(app, world.bob)
    for browser in (ann, bob):
        browser.get("/documents")

    def send(browser, n):
        return browser.post("/documents/upload", data={"files": (io.BytesIO(b"a,b\n"), f"f{n}.csv")},
                            content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert [send(ann, n).status_code for n in range(3)] == [200, 200, 429]
    assert send(bob, 9).status_code == 200                      # another person is not held back
