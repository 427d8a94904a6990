"""Documents through the documents service's HTTP API, on SQLite and PostgreSQL and on both
storages (local disk and a loopback S3 server): staff share files with a customer or chosen
contacts, contacts read, download byte-identical files and decide, staff see who did what
with its evidence; withdrawn documents and other customers' or orgs' ids answer 404; a
file refused by its content leaves nothing stored."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
import io

import pytest
from fpdf import FPDF
from sqlalchemy import func, select

from services.chassis.orgs import known_orgs
from services.chassis.tables import events
from services.documents.app import create_app
from services.documents.bootstrap import SPEC
from services.documents.projections.documents import documents
from tests.helpers.tokens import bearer

ORG, OTHER_ORG = "org-acme", "org-other"


def pdf(text: str) -> bytes:
    doc = FPDF()
    doc.set_creation_date(datetime(2026, 12, 1, tzinfo=timezone.utc))
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(text=text)
    return bytes(doc.output())


class Docs:
    def __init__(self, rt):
        self.rt, self.app = rt, create_app(rt.config)
        self.client = self.app.test_client()
        self.staff = bearer("staff", ORG, id="staff-1", name="Kim Staff", mfa=True)
        self.settings({"customer_uploads": True, "forward_documents": False}, new=True)

    def settings(self, values: dict, new: bool = False) -> None:
        with self.rt.engine.begin() as conn:
            if new:
                conn.execute(known_orgs.insert().values(org_id=ORG, name="Acme", settings=values))
            else:
                conn.execute(known_orgs.update().where(known_orgs.c.org_id == ORG).values(settings=values))

    def contact(self, customer_id="cust-1", contact="contact-1", org_id=ORG,
                permissions=("view", "download", "approve", "upload", "forward"), modules=("documents", "quotes")):
        return bearer("contact", org_id, id=contact, customer_id=customer_id, permissions=permissions,
                      modules=modules, name=f"Sam {contact}", ttl_s=3600)

    def share(self, data: bytes | None = None, filename="quote.pdf", expect=201, **form):
        fields = {"customer_id": "cust-1", "kind": "quote", "title": "Quote for the new roof", **form}
        answer = self.client.post(f"/orgs/{ORG}/documents", headers=self.staff, content_type="multipart/form-data",
                                  data={**{k: str(v) for k, v in fields.items()},
                                        "file": (io.BytesIO(data if data is not None else pdf("v1")), filename)})
        assert answer.status_code == expect, answer.get_json()
        return answer.get_json()

    def mine(self, path="", headers=None, customer_id="cust-1", **kwargs):
        return self.client.get(f"/orgs/{ORG}/customers/{customer_id}/documents{path}",
                               headers=headers or self.contact(customer_id), **kwargs)

    def act(self, document_id, what, body, headers=None):
        return self.client.post(f"/orgs/{ORG}/customers/cust-1/documents/{document_id}/{what}",
                                headers=headers or self.contact(), json=body)

    def count(self, type_=None) -> int:
        with self.rt.engine.connect() as conn:
            query = select(func.count()).select_from(events)
            return conn.execute(query.where(events.c.type == type_) if type_ else query).scalar()

    def stored(self) -> int:
        with self.rt.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(documents)).scalar()


@pytest.fixture
def docs(make_runtime, db_kind, storage_env):
    return Docs(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1", env=storage_env))


def test_a_shared_quote_is_downloaded_byte_identical_and_accepted_with_its_hash(docs):
    data = pdf("Roof: 12,400 EUR")
    shared = docs.share(data, number="Q-17", currency="EUR", amount_minor=1240000, valid_until="2027-01-31")
    doc_id = shared["document_id"]
    assert (shared["status"], shared["version"], shared["needs_approval"], shared["author_name"]) == (
        "shared", 1, True, "Kim Staff")
    listed = docs.mine().get_json()["items"]
    assert [d["title"] for d in listed] == ["Quote for the new roof"] and listed[0]["previewable"]
    got = docs.mine(f"/{doc_id}/file")
    assert got.status_code == 200 and got.data == data
    assert got.headers["Content-Disposition"].startswith("attachment;") and got.headers["X-Content-Type-Options"] == "nosniff"
    accepted = docs.act(doc_id, "decision", {"decision": "accept", "version": 1, "comment": "Go ahead",
                                             "ip": "203.0.113.9", "user_agent": "Chromium test"})
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["document_sha256"] == hashlib.sha256(data).hexdigest()
    seen = docs.client.get(f"/orgs/{ORG}/documents/{doc_id}", headers=docs.staff).get_json()
    assert seen["status"] == "accepted"
    evidence = seen["evidence"][0]
    assert (evidence["decision"], evidence["contact_name"], evidence["ip"], evidence["user_agent"],
            evidence["document_sha256"]) == ("accepted", "Sam contact-1", "203.0.113.9", "Chromium test",
                                             hashlib.sha256(data).hexdigest())
    assert [(a["what"], a["who"]) for a in seen["activity"]] == [
        ("shared", "Kim Staff"), ("downloaded", "Sam contact-1"), ("accepted", "Sam contact-1")]
    with docs.rt.engine.connect() as conn:
        event = conn.execute(select(events.c.data).where(events.c.type == "QuoteAccepted")).scalar()
    assert (event["amount_minor"], event["currency"], event["number"], event["comment"]) == (1240000, "EUR", "Q-17",
                                                                                          "Go ahead")


def test_an_accepted_quote_cannot_be_accepted_again_nor_a_replaced_version_at_all(docs):
    first = pdf("v1")
    doc_id = docs.share(first)["document_id"]
    answer = docs.client.post(f"/orgs/{ORG}/documents/{doc_id}/versions", headers=docs.staff,
                              content_type="multipart/form-data",
                              data={"note": "New price", "file": (io.BytesIO(pdf("v2")), "quote-v2.pdf")})
    assert answer.status_code == 201 and answer.get_json()["version"] == 2
    stale = docs.act(doc_id, "decision", {"decision": "accept", "version": 1})
    assert stale.status_code == 409 and "replaced by version 2" in stale.get_json()["detail"]
    assert docs.act(doc_id, "decision", {"decision": "accept", "version": 2}).status_code == 200
    again = docs.act(doc_id, "decision", {"decision": "decline", "version": 2})
    assert again.status_code == 409 and "accepted already" in again.get_json()["detail"]
    assert docs.count("QuoteAccepted") == 1 and docs.count("QuoteDeclined") == 0
    old = docs.mine(f"/{doc_id}/file", query_string={"version": 1})
    assert old.status_code == 200 and old.data == first


def test_an_agreement_is_signed_by_name_and_consent_pinned_to_its_bytes(docs):
    data = pdf("Service agreement")
    doc_id = docs.share(data, filename="agreement.pdf", kind="agreement", title="Service agreement 2027")["document_id"]
    refused = docs.act(doc_id, "signature", {"version": 1, "signer_name": "Sam Buyer", "consent": False})
    assert refused.status_code == 422 and refused.get_json()["errors"]["json"]["consent"]
    signed = docs.act(doc_id, "signature", {"version": 1, "signer_name": " Sam  Buyer ", "consent": True,
                                            "ip": "198.51.100.4", "user_agent": "UA"})
    assert signed.status_code == 200 and signed.get_json()["document_sha256"] == hashlib.sha256(data).hexdigest()
    shown = docs.mine(f"/{doc_id}").get_json()
    assert shown["status"] == "signed" and shown["decision"]["signer_name"] == "Sam Buyer"
    assert docs.act(doc_id, "signature", {"version": 1, "signer_name": "X", "consent": True}).status_code == 409
    assert docs.act(doc_id, "decision", {"decision": "accept", "version": 1}).status_code == 422


def test_a_withdrawn_document_is_gone_from_the_portal_at_once(docs):
    doc_id = docs.share()["document_id"]
    assert docs.mine(f"/{doc_id}").status_code == 200
    other_staff = bearer("staff", ORG, id="staff-2", name="Lee Admin", mfa=True)
    assert docs.client.post(f"/orgs/{ORG}/documents/{doc_id}/withdraw", headers=other_staff,
                            json={"reason": "Sent by mistake"}).status_code == 200
    assert docs.mine().get_json()["items"] == []
    seen = docs.client.get(f"/orgs/{ORG}/documents/{doc_id}", headers=docs.staff).get_json()
    assert [(a["what"], a["who"], a["detail"]) for a in seen["activity"]][-1] == ("withdrawn", "Lee Admin",
                                                                                 "Sent by mistake")
    for path in (f"/{doc_id}", f"/{doc_id}/file"):
        assert docs.mine(path).status_code == 404
    assert docs.act(doc_id, "decision", {"decision": "accept", "version": 1}).status_code == 404


def test_another_customers_or_orgs_contact_and_other_contacts_get_404(docs):
    doc_id = docs.share(contact_ids="contact-1")["document_id"]
    other_customer = docs.contact("cust-2", "contact-9")
    for path in (f"/{doc_id}", f"/{doc_id}/file"):
        assert docs.mine(path, headers=other_customer, customer_id="cust-1").status_code == 404
        assert docs.mine(path, headers=other_customer, customer_id="cust-2").status_code == 404
        assert docs.mine(path, headers=docs.contact(contact="contact-2")).status_code == 404
    other_org = bearer("staff", OTHER_ORG, id="s9", mfa=True)
    assert docs.client.get(f"/orgs/{OTHER_ORG}/documents/{doc_id}", headers=other_org).status_code == 404
    assert docs.client.get(f"/orgs/{OTHER_ORG}/documents/{doc_id}/file", headers=other_org).status_code == 404
    assert docs.mine(headers=docs.contact(contact="contact-2")).get_json()["items"] == []
    assert docs.mine(f"/{doc_id}/file").status_code == 200


def test_a_contact_without_download_or_the_quotes_module_is_refused(docs):
    doc_id = docs.share()["document_id"]
    viewer = docs.contact(permissions=("view",))
    assert docs.mine(f"/{doc_id}", headers=viewer).status_code == 200
    assert docs.mine(f"/{doc_id}/file", headers=viewer).status_code == 403
    no_quotes = docs.contact(modules=("documents",))
    assert docs.mine(f"/{doc_id}", headers=no_quotes).status_code == 404
    assert docs.act(doc_id, "decision", {"decision": "accept", "version": 1},
                    headers=docs.contact(permissions=("view", "download"))).status_code == 403


@pytest.mark.parametrize("filename, data, words", [
    ("../../etc/passwd.pdf", b"%PDF-1.4", "path"),
    ("invoice.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "holds a png"),
    ("setup.exe", b"MZ" + b"\0" * 200, "program"),
    ("empty.pdf", b"", "empty"),
    ("x" * 10000 + ".pdf", b"%PDF-1.4", "name"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "svg"),
])
def test_a_refused_upload_says_why_and_stores_nothing(docs, filename, data, words):
    answer = docs.client.post(f"/orgs/{ORG}/customers/cust-1/uploads", headers=docs.contact(),
                              content_type="multipart/form-data", data={"file": (io.BytesIO(data), filename)})
    assert answer.status_code == 422, answer.get_json()
    assert words in answer.get_json()["errors"]["json"]["file"][0].lower()
    assert docs.stored() == 0 and docs.count() == 0


def test_an_upload_over_the_orgs_limit_is_refused(docs, monkeypatch):
    from services.documents.handlers import files
    monkeypatch.setattr(files, "DEFAULT_UPLOAD_MB", 1)
    answer = docs.client.post(f"/orgs/{ORG}/customers/cust-1/uploads", headers=docs.contact(),
                              content_type="multipart/form-data",
                              data={"file": (io.BytesIO(b"a,b\n" * 300_000), "big.csv")})
    assert answer.status_code == 422 and "1 MB" in answer.get_json()["errors"]["json"]["file"][0]
    assert docs.stored() == 0


def test_a_contacts_upload_on_a_ticket_reaches_staff_byte_identical(docs):
    data = pdf("Photo of the leak")
    answer = docs.client.post(f"/orgs/{ORG}/customers/cust-1/uploads", headers=docs.contact(),
                              content_type="multipart/form-data",
                              data={"subject_type": "ticket", "subject_id": "T-1",
                                    "file": (io.BytesIO(data), "leak.pdf")})
    assert answer.status_code == 201, answer.get_json()
    doc_id = answer.get_json()["document_id"]
    on_ticket = docs.client.get(f"/orgs/{ORG}/documents", headers=docs.staff,
                                query_string={"subject_type": "ticket", "subject_id": "T-1"}).get_json()["items"]
    assert [d["document_id"] for d in on_ticket] == [doc_id]
    got = docs.client.get(f"/orgs/{ORG}/documents/{doc_id}/file", headers=docs.staff)
    assert got.data == data
    assert docs.mine(headers=docs.contact("cust-2", "c-9"), customer_id="cust-2",
                     query_string={"subject_type": "ticket", "subject_id": "T-1"}).get_json()["items"] == []
    with docs.rt.engine.connect() as conn:
        uploaded = conn.execute(select(events.c.data).where(events.c.type == "DocumentUploaded")).scalar()
    assert uploaded["sha256"] == hashlib.sha256(data).hexdigest() and "url" not in str(uploaded).lower()


def test_sharing_the_same_external_ref_twice_makes_one_document(docs):
    first = docs.share(external_ref="ERP-Q-1")
    again = docs.share(pdf("other"), expect=200, external_ref="ERP-Q-1")
    assert again["document_id"] == first["document_id"] and docs.count("DocumentShared") == 1


def test_a_forward_is_recorded_for_notifications_and_needs_the_switch(docs):
    doc_id = docs.share(kind="contract", title="Framework contract")["document_id"]
    off = docs.act(doc_id, "forward", {"email": "colleague@example.com", "message": "FYI"})
    assert off.status_code == 403 and "not enabled" in off.get_json()["detail"]
    docs.settings({"forward_documents": True})
    sent = docs.act(doc_id, "forward", {"email": "colleague@example.com", "message": "FYI"})
    assert sent.status_code == 202
    with docs.rt.engine.connect() as conn:
        forwarded = conn.execute(select(events.c.data).where(events.c.type == "DocumentForwarded")).scalar()
    assert (forwarded["recipient_email"], forwarded["title"], forwarded["message"]) == (
        "colleague@example.com", "Framework contract", "FYI")


def test_the_signed_agreements_certificate_lists_its_evidence(docs):
    from pypdf import PdfReader
    data = pdf("Agreement")
    doc_id = docs.share(data, filename="agreement.pdf", kind="agreement", title="Service agreement")["document_id"]
    assert docs.mine(f"/{doc_id}/certificate").status_code == 404
    docs.act(doc_id, "signature", {"version": 1, "signer_name": "Zoë Müller", "consent": True,
                                   "ip": "203.0.113.7", "user_agent": "Chromium 156"})
    for got in (docs.mine(f"/{doc_id}/certificate"),
                docs.client.get(f"/orgs/{ORG}/documents/{doc_id}/certificate", headers=docs.staff)):
        assert got.status_code == 200 and got.content_type == "application/pdf"
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(got.data)).pages)
        for shown in ("Zoë Müller", "203.0.113.7", "Chromium 156", hashlib.sha256(data).hexdigest()[:40], "Signed"):
            assert shown in text.replace("\n", " "), shown
