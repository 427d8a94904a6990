"""Invoice PDFs through billing's HTTP API, on SQLite and PostgreSQL: a contact with the
`download` permission gets their customer's issued invoices and nothing else; staff get any,
drafts watermarked. The logo comes from a local HTTP server standing in for identity's
public GET /orgs/{org}/logo; when identity cannot be reached the PDF comes without it."""
from __future__ import annotations

import io
import socket
import threading

import pytest
from pypdf import PdfReader
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from services.billing.app import create_app
from services.billing.bootstrap import SPEC
from services.chassis.orgs import known_orgs
from tests.helpers.tokens import bearer
from tests.unit.billing.test_pdf import png

ORG, OTHER_ORG = "org-acme", "org-other"
LINE = {"description": "Consulting for Zoë", "quantity": "2.5", "unit_price_minor": 10000, "tax_rate": "20"}
TEAL = "#0f766e"


class FakeIdentity:
    """identity's public logo route on 127.0.0.1: GET /orgs/<org>/logo, counting the calls."""

    def __init__(self, logos: dict[str, tuple[str, bytes]]):
        self.logos, self.calls = logos, []

        @Request.application
        def app(request: Request) -> Response:
            self.calls.append(request.path)
            parts = request.path.strip("/").split("/")
            if len(parts) == 3 and parts[0] == "orgs" and parts[2] == "logo" and parts[1] in self.logos:
                content_type, data = self.logos[parts[1]]
                return Response(data, content_type=content_type, headers={"ETag": '"d1"'})
            return Response('{"title": "Not Found", "status": 404}', status=404,
                            content_type="application/problem+json")

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


class Billing:
    def __init__(self, rt):
        self.rt, self.app = rt, create_app(rt.config)
        self.client = self.app.test_client()
        self.staff = bearer("staff", ORG, id="staff-1", ttl_s=3600)

    def know_org(self, org_id=ORG, name="Zoë's Rösterei", logo="d1", colour=TEAL):
        with self.rt.engine.begin() as conn:
            conn.execute(known_orgs.insert().values(org_id=org_id, name=name, host=None,
                                                    settings={"brand_colour": colour, "logo": logo}))

    def contact(self, customer_id="cust-1", org_id=ORG, permissions=("view", "download"), modules=("invoices",)):
        return bearer("contact", org_id, id="contact-1", customer_id=customer_id, permissions=permissions,
                      modules=modules, ttl_s=3600)

    def create(self, customer_id="cust-1", issue=True, **body):
        answer = self.client.post(f"/orgs/{ORG}/invoices", headers=self.staff, json={
            "customer_id": customer_id, "currency": "EUR", "lines": [LINE], "issue": issue, **body})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def portal_pdf(self, invoice_id, customer_id="cust-1", headers=None, org_id=ORG):
        return self.client.get(f"/orgs/{org_id}/customers/{customer_id}/invoices/{invoice_id}/pdf",
                               headers=headers or self.contact(customer_id))

    def staff_pdf(self, invoice_id, headers=None):
        return self.client.get(f"/orgs/{ORG}/invoices/{invoice_id}/pdf", headers=headers or self.staff)


@pytest.fixture
def identity():
    fake = FakeIdentity({ORG: ("image/png", png(60, 24))})
    yield fake
    fake.close()


@pytest.fixture
def make_billing(make_runtime, db_kind):
    def make(identity_url: str) -> Billing:
        rt = make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1",
                          service_urls={"identity": identity_url})
        return Billing(rt)
    return make


def pdf_of(answer, filename: str) -> PdfReader:
    assert answer.status_code == 200, answer.get_json()
    assert answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(answer.data))


def text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def images(reader: PdfReader) -> int:
    return sum(len(page.images) for page in reader.pages)


def problem(answer, status):
    assert answer.status_code == status, answer.get_json()
    assert answer.mimetype == "application/problem+json"


def test_a_contact_with_download_gets_the_issued_invoice_branded_with_the_logo(make_billing, identity):
    billing = make_billing(identity.url)
    billing.know_org()
    issued = billing.create(notes="Thank you, Zoë!", due_date="2099-01-31")
    reader = pdf_of(billing.portal_pdf(issued["invoice_id"]), "INV-000001.pdf")
    found = text(reader)
    for expected in ("Zoë's Rösterei", "INV-000001", "Consulting for Zoë", "300.00 EUR",
                     "250.00 EUR", "50.00 EUR", "Amount due", "Thank you, Zoë!", "31 January 2099"):
        assert expected in found, expected
    assert "DRAFT" not in found and "cust-1" not in found                      # never the internal id
    assert images(reader) == 1
    assert (reader.metadata.title, reader.metadata.author) == ("Invoice INV-000001", "Zoë's Rösterei")
    assert identity.calls == [f"/orgs/{ORG}/logo"]
    # the logo is kept per process and digest: a second download asks identity nothing
    pdf_of(billing.portal_pdf(issued["invoice_id"]), "INV-000001.pdf")
    assert identity.calls == [f"/orgs/{ORG}/logo"]
    # staff see what the customer sees through the portal route, and their own route
    pdf_of(billing.portal_pdf(issued["invoice_id"], headers=billing.staff), "INV-000001.pdf")
    assert "INV-000001" in text(pdf_of(billing.staff_pdf(issued["invoice_id"]), "INV-000001.pdf"))


def test_download_needs_the_permission_and_stays_inside_the_customer_and_org(make_billing, identity):
    billing = make_billing(identity.url)
    billing.know_org()
    mine = billing.create("cust-1")["invoice_id"]
    theirs = billing.create("cust-2")["invoice_id"]
    draft = billing.create("cust-1", issue=False)["invoice_id"]
    problem(billing.portal_pdf(mine, headers=billing.contact(permissions=("view",))), 403)
    problem(billing.portal_pdf(theirs), 404)                                        # another customer's id
    problem(billing.portal_pdf(theirs, customer_id="cust-2", headers=billing.contact("cust-1")), 404)
    problem(billing.portal_pdf(draft), 404)                                         # never a draft
    problem(billing.portal_pdf(mine, headers=billing.contact(modules=("tickets",))), 404)
    other_org_contact = billing.contact(org_id=OTHER_ORG)
    problem(billing.portal_pdf(mine, headers=other_org_contact, org_id=OTHER_ORG), 404)
    problem(billing.portal_pdf(mine, headers=other_org_contact), 404)
    problem(billing.staff_pdf(mine, headers=billing.contact()), 403)                # staff route: not contacts
    problem(billing.client.get(f"/orgs/{ORG}/invoices/{mine}/pdf", headers=bearer("staff", OTHER_ORG)), 404)
    problem(billing.client.get(f"/orgs/{ORG}/customers/cust-1/invoices/{mine}/pdf"), 401)
    pdf_of(billing.portal_pdf(mine), "INV-000001.pdf")


def test_staff_and_erps_get_drafts_watermarked(make_billing, identity):
    billing = make_billing(identity.url)
    billing.know_org()
    draft = billing.create(issue=False, number="2026/Q2-7")
    reader = pdf_of(billing.staff_pdf(draft["invoice_id"]), "2026-Q2-7.pdf")
    assert "DRAFT" in text(reader) and "2026/Q2-7" in text(reader)
    unnumbered = billing.create(issue=False)["invoice_id"]
    assert "DRAFT" in text(pdf_of(billing.staff_pdf(unnumbered), f"draft-{unnumbered}.pdf"))
    erp = bearer("api_key", ORG, id="key-1", modules=("invoices",))
    pdf_of(billing.staff_pdf(draft["invoice_id"], headers=erp), "2026-Q2-7.pdf")
    problem(billing.staff_pdf(draft["invoice_id"], headers=bearer("api_key", ORG, modules=("customers",))), 403)
    problem(billing.staff_pdf("no-such-invoice"), 404)


def test_without_identity_or_a_usable_logo_the_pdf_comes_without_one(make_billing):
    billing = make_billing(closed_port_url())                                      # identity is down
    billing.know_org()
    issued = billing.create()["invoice_id"]
    reader = pdf_of(billing.portal_pdf(issued), "INV-000001.pdf")
    assert images(reader) == 0 and "300.00 EUR" in text(reader)


def test_a_logo_identity_lacks_or_cannot_embed_is_left_out(make_billing):
    webp = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24
    fake = FakeIdentity({ORG: ("image/webp", webp)})                              # OTHER_ORG: 404
    try:
        billing = make_billing(fake.url)
        billing.know_org()
        billing.know_org(OTHER_ORG, name="Other", logo="d9")
        issued = billing.create()["invoice_id"]
        assert images(pdf_of(billing.portal_pdf(issued), "INV-000001.pdf")) == 0
        other_staff = bearer("staff", OTHER_ORG)
        other = billing.client.post(f"/orgs/{OTHER_ORG}/invoices", headers=other_staff, json={
            "customer_id": "cust-9", "currency": "EUR", "lines": [LINE], "issue": True}).get_json()
        answer = billing.client.get(f"/orgs/{OTHER_ORG}/invoices/{other['invoice_id']}/pdf", headers=other_staff)
        assert images(pdf_of(answer, "INV-000001.pdf")) == 0
        assert fake.calls == [f"/orgs/{ORG}/logo", f"/orgs/{OTHER_ORG}/logo"]
    finally:
        fake.close()


def test_an_org_billing_has_not_heard_of_yet_still_gets_its_pdf_unbranded(make_billing, identity):
    billing = make_billing(identity.url)                                           # no known_orgs row
    issued = billing.create()["invoice_id"]
    reader = pdf_of(billing.portal_pdf(issued), "INV-000001.pdf")
    assert ORG in text(reader) and images(reader) == 0 and identity.calls == []


def test_the_pdf_names_the_customer_once_identity_said_who_it_is(make_billing, identity):
    from services.billing.projections.customers import known_customers
    billing = make_billing(identity.url)
    billing.know_org()
    invoice = billing.create()
    unnamed = text(pdf_of(billing.portal_pdf(invoice["invoice_id"]), f"{invoice['number']}.pdf"))
    assert "Bill to\n—" in unnamed and "cust-1" not in unnamed              # a dash until identity says
    with billing.rt.engine.begin() as conn:                # identity's CustomerCreated, as billing keeps it
        conn.execute(known_customers.insert().values(customer_id="cust-1", org_id=ORG, name="Łukasz Kowalski Sp. z o.o.",
                                                     email="ap@kowalski.test"))
    named = text(pdf_of(billing.portal_pdf(invoice["invoice_id"]), f"{invoice['number']}.pdf"))
    assert "Łukasz Kowalski Sp. z o.o." in named
