"""billing's credit notes through its HTTP API, on SQLite and PostgreSQL: staff issue notes
(lines or a plain amount, against an invoice or not, numbered CN-000001 per org even under
concurrent requests), apply their credit to invoices (the invoice's amount paid, amount due,
status and timeline follow, never below zero, never more than the note has left), record
refunds made from them; contacts see their own notes, list, detail and PDF, and nothing of
another customer's or org's."""
from __future__ import annotations

import io
import threading

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from services.billing.app import create_app
from services.billing.bootstrap import SPEC
from services.billing.projections.credit_notes import credit_notes
from services.billing.projections.invoices import invoices
from services.chassis.projections import rebuild
from services.chassis.tables import events
from tests.helpers.problems import problem
from tests.helpers.tokens import bearer

ORG, OTHER_ORG = "org-acme", "org-other"
LINE = {"description": "Consulting", "quantity": "2.5", "unit_price_minor": 10000, "tax_rate": "20"}   # 30000


class Billing:
    def __init__(self, rt):
        self.rt, self.app = rt, create_app(rt.config)
        self.client = self.app.test_client()
        self.staff = bearer("staff", ORG, id="staff-1", ttl_s=3600)

    def contact(self, customer_id="cust-1", permissions=("view", "download"), modules=("invoices", "credit_notes")):
        return bearer("contact", ORG, id=f"contact-{customer_id}", customer_id=customer_id,
                      permissions=permissions, modules=modules, ttl_s=3600)

    def invoice(self, customer_id="cust-1", currency="EUR", lines=(LINE,)):
        answer = self.client.post(f"/orgs/{ORG}/invoices", headers=self.staff, json={
            "customer_id": customer_id, "currency": currency, "lines": list(lines), "issue": True})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def issue(self, expect=201, headers=None, **body):
        body = {"customer_id": "cust-1", "currency": "EUR", **body}
        if "lines" not in body and "amount_minor" not in body:
            body["amount_minor"] = 5000
        answer = self.client.post(f"/orgs/{ORG}/credit-notes", json=body, headers=headers or self.staff)
        assert answer.status_code == expect, answer.get_json()
        return answer.get_json()

    def apply(self, note_id, invoice_id, amount, headers=None):
        return self.client.post(f"/orgs/{ORG}/credit-notes/{note_id}/apply", headers=headers or self.staff,
                                json={"invoice_id": invoice_id, "amount_minor": amount})

    def refund(self, note_id, amount, reason="Paid back by bank transfer", headers=None):
        return self.client.post(f"/orgs/{ORG}/credit-notes/{note_id}/refund", headers=headers or self.staff,
                                json={"amount_minor": amount, "reason": reason})

    def shown_invoice(self, invoice_id, customer_id="cust-1"):
        answer = self.client.get(f"/orgs/{ORG}/customers/{customer_id}/invoices/{invoice_id}",
                                 headers=bearer("contact", ORG, id="viewer", customer_id=customer_id,
                                                permissions=("view",), modules=("invoices",)))
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    def events(self, type_):
        with self.rt.engine.connect() as conn:
            return conn.execute(select(events).where(events.c.type == type_).order_by(events.c.position)).all()


@pytest.fixture
def billing(make_runtime, db_kind):
    return Billing(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


def test_a_note_of_lines_or_of_an_amount_is_numbered_and_recorded(billing):
    priced = billing.issue(lines=[{**LINE, "discount_percent": "10"}], reason="Late delivery")
    assert (priced["number"], priced["status"], priced["total_minor"]) == ("CN-000001", "open", 27000)
    assert (priced["subtotal_minor"], priced["discount_minor"], priced["tax_minor"]) == (25000, 2500, 4500)
    assert priced["remaining_minor"] == 27000 and priced["applications"] == [] and priced["refunds"] == []
    assert priced["taxes"] == [{"rate": "20", "taxable_minor": 22500, "tax_minor": 4500}]
    plain = billing.issue(amount_minor=1234, description="Goodwill")
    assert (plain["number"], plain["total_minor"], plain["lines"][0]["description"]) == ("CN-000002", 1234, "Goodwill")
    [issued, _] = billing.events("CreditNoteIssued")
    assert issued.data["number"] == "CN-000001" and issued.data["reason"] == "Late delivery"
    assert issued.meta["actor"] == {"kind": "staff", "id": "staff-1"}
    listed = billing.client.get(f"/orgs/{ORG}/credit-notes", headers=billing.staff).get_json()
    assert [n["number"] for n in listed["items"]] == ["CN-000002", "CN-000001"]


def test_an_external_ref_pushed_again_answers_the_same_note(billing):
    first = billing.issue(external_ref="erp-cn-1")
    again = billing.issue(expect=200, external_ref="erp-cn-1", amount_minor=999)
    assert again["credit_note_id"] == first["credit_note_id"] and again["total_minor"] == 5000


def test_applying_credit_lowers_what_is_due_and_shows_on_the_invoice(billing):
    invoice = billing.invoice()
    note = billing.issue(amount_minor=10000, invoice_id=invoice["invoice_id"])
    assert note["invoice_number"] == invoice["number"]
    applied = billing.apply(note["credit_note_id"], invoice["invoice_id"], 10000)
    assert applied.status_code == 200, applied.get_json()
    body = applied.get_json()
    assert (body["status"], body["applied_minor"], body["remaining_minor"]) == ("used", 10000, 0)
    assert body["applications"][0]["invoice_number"] == invoice["number"]
    shown = billing.shown_invoice(invoice["invoice_id"])
    assert (shown["status"], shown["amount_paid_minor"], shown["amount_due_minor"]) == ("partially_paid", 10000, 20000)
    entry = [e for e in shown["timeline"] if e["event"] == "credit_applied"]
    assert entry == [{"event": "credit_applied", "at": entry[0]["at"], "actor_kind": "staff",
                      "credit_note_id": note["credit_note_id"], "number": note["number"], "amount_minor": 10000}]
    [event] = billing.events("CreditApplied")
    assert event.data["remaining_minor"] == 0 and event.data["invoice_id"] == invoice["invoice_id"]
    # the Invoice aggregate agrees with the read model: credit counts as paid, so no voiding
    void = billing.client.post(f"/orgs/{ORG}/invoices/{invoice['invoice_id']}/void", headers=billing.staff, json={})
    assert "payment" in problem(void, 422)["detail"]


def test_credit_pays_an_invoice_in_full_and_never_below_zero(billing):
    invoice = billing.invoice()
    note = billing.issue(amount_minor=50000)
    assert billing.apply(note["credit_note_id"], invoice["invoice_id"], 30000).status_code == 200
    shown = billing.shown_invoice(invoice["invoice_id"])
    assert (shown["status"], shown["amount_due_minor"]) == ("paid", 0)
    more = problem(billing.apply(note["credit_note_id"], invoice["invoice_id"], 1), 422)
    assert "nothing left to pay" in more["detail"]
    second = billing.invoice()
    too_much = problem(billing.apply(note["credit_note_id"], second["invoice_id"], 20001), 422)
    assert "200.00 EUR left" in too_much["detail"]
    assert billing.apply(note["credit_note_id"], second["invoice_id"], 20000).status_code == 200
    assert billing.shown_invoice(second["invoice_id"])["amount_due_minor"] == 10000
    problem(billing.apply(note["credit_note_id"], second["invoice_id"], 1), 422)
    # a paid invoice takes no card payment; the customer cannot pay what credit paid
    pay = billing.client.post(f"/orgs/{ORG}/customers/cust-1/payments", json={
        "invoices": [{"invoice_id": invoice["invoice_id"]}], "method": "card"},
        headers=bearer("contact", ORG, id="payer", customer_id="cust-1", permissions=("view", "pay"),
                       modules=("invoices",)))
    assert "already paid" in problem(pay, 422)["detail"]


def test_credit_goes_only_to_the_same_customer_and_currency(billing):
    note = billing.issue(amount_minor=5000)
    others = billing.invoice(customer_id="cust-2")
    problem(billing.apply(note["credit_note_id"], others["invoice_id"], 100), 404)
    dollars = billing.invoice(currency="USD")
    assert "USD" in problem(billing.apply(note["credit_note_id"], dollars["invoice_id"], 100), 422)["detail"]
    problem(billing.apply(note["credit_note_id"], "no-such-invoice", 100), 404)
    void = billing.invoice()
    billing.client.post(f"/orgs/{ORG}/invoices/{void['invoice_id']}/void", headers=billing.staff, json={})
    assert "void" in problem(billing.apply(note["credit_note_id"], void["invoice_id"], 100), 422)["detail"]
    # issuing against an invoice checks the same, and the note is at most its total
    billing.issue(expect=404, invoice_id=others["invoice_id"])
    billing.issue(expect=422, invoice_id=dollars["invoice_id"])
    billing.issue(expect=422, invoice_id=billing.invoice()["invoice_id"], amount_minor=30001)
    assert billing.events("CreditApplied") == []


def test_bad_input_is_a_problem_not_a_crash(billing):
    for body in ({"customer_id": "cust-1", "currency": "EUR"},                                  # neither
                 {"customer_id": "cust-1", "currency": "EUR", "amount_minor": 5, "lines": [LINE]},  # both
                 {"customer_id": "cust-1", "currency": "XXX", "amount_minor": 5},
                 {"customer_id": "cust-1", "currency": "EUR", "amount_minor": 0},
                 {"customer_id": "cust-1", "currency": "EUR", "amount_minor": "5"},
                 {"customer_id": "cust-1", "currency": "EUR", "lines": [{**LINE, "quantity": "0"}]},
                 {"currency": "EUR", "amount_minor": 5},
                 {"customer_id": "cust-1", "currency": "EUR", "amount_minor": 5, "surprise": 1}):
        answer = billing.client.post(f"/orgs/{ORG}/credit-notes", json=body, headers=billing.staff)
        assert answer.status_code == 422, (body, answer.get_json())
        assert answer.mimetype == "application/problem+json"
    note = billing.issue()
    problem(billing.apply(note["credit_note_id"], "x", -1), 422)
    problem(billing.refund(note["credit_note_id"], 10, reason=""), 422)
    problem(billing.client.get(f"/orgs/{ORG}/credit-notes?cursor=garbage", headers=billing.staff), 400)
    problem(billing.refund("no-such-note", 10), 404)
    invoice = billing.invoice()          # an invoice's id is not a credit note's
    problem(billing.client.post(f"/orgs/{ORG}/credit-notes/{invoice['invoice_id']}/apply", headers=billing.staff,
                                json={"invoice_id": invoice["invoice_id"], "amount_minor": 1}), 404)


def test_refunds_use_up_the_note_and_are_listed(billing):
    note = billing.issue(amount_minor=5000)
    answer = billing.refund(note["credit_note_id"], 2000)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["status"], body["refunded_minor"], body["remaining_minor"]) == ("partially_used", 2000, 3000)
    assert [(r["amount_minor"], r["reason"]) for r in body["refunds"]] == [(2000, "Paid back by bank transfer")]
    assert "30.00 EUR left" in problem(billing.refund(note["credit_note_id"], 3001), 422)["detail"]
    assert billing.refund(note["credit_note_id"], 3000).get_json()["status"] == "used"
    assert "no credit left" in problem(billing.refund(note["credit_note_id"], 1), 422)["detail"]
    [first, _] = billing.events("CreditRefunded")
    assert first.data["remaining_minor"] == 3000 and first.data["reason"] == "Paid back by bank transfer"
    agent = bearer("staff", ORG, id="agent-1", role="agent")
    problem(billing.refund(billing.issue()["credit_note_id"], 1, headers=agent), 403)


def test_a_refund_sent_again_with_its_request_id_is_recorded_once(billing):
    note = billing.issue(amount_minor=5000)
    path = f"/orgs/{ORG}/credit-notes/{note['credit_note_id']}/refund"
    body = {"amount_minor": 5000, "reason": "Bank transfer", "request_id": "console-form-1"}
    answers = [billing.client.post(path, headers=billing.staff, json=body) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200], answers[1].get_json()
    assert [r["amount_minor"] for r in answers[1].get_json()["refunds"]] == [5000]
    assert len(billing.events("CreditRefunded")) == 1
    another = billing.client.post(path, headers=billing.staff, json={**body, "request_id": "console-form-2"})
    assert "no credit left" in problem(another, 422)["detail"]


def test_who_may_call(billing):
    note = billing.issue()
    contact = billing.contact()
    assert billing.client.post(f"/orgs/{ORG}/credit-notes", json={}, headers=contact).status_code == 403
    key = bearer("api_key", ORG, id="key-1", modules=("credit_notes",))
    assert billing.issue(headers=key)["number"] == "CN-000002"
    problem(billing.client.get(f"/orgs/{ORG}/credit-notes",
                               headers=bearer("api_key", ORG, id="key-2", modules=("invoices",))), 403)
    foreign = bearer("staff", OTHER_ORG, id="staff-x")
    problem(billing.client.get(f"/orgs/{OTHER_ORG}/credit-notes/{note['credit_note_id']}", headers=foreign), 404)
    problem(billing.client.get(f"/orgs/{ORG}/credit-notes/{note['credit_note_id']}", headers=foreign), 404)


def test_contacts_see_their_own_notes_pages_detail_and_pdf(billing):
    invoice = billing.invoice()
    made = [billing.issue(amount_minor=100 + i) for i in range(5)]
    billing.apply(made[0]["credit_note_id"], invoice["invoice_id"], 50)
    billing.refund(made[0]["credit_note_id"], 20)
    theirs = billing.issue(customer_id="cust-2")
    mine = billing.contact()
    first = billing.client.get(f"/orgs/{ORG}/customers/cust-1/credit-notes?limit=3", headers=mine).get_json()
    second = billing.client.get(f"/orgs/{ORG}/customers/cust-1/credit-notes",
                                query_string={"limit": 3, "cursor": first["next_cursor"]}, headers=mine).get_json()
    numbers = [n["number"] for n in first["items"] + second["items"]]
    assert numbers == [n["number"] for n in reversed(made)] and second["next_cursor"] is None
    assert "external_ref" not in first["items"][0]
    detail = billing.client.get(f"/orgs/{ORG}/customers/cust-1/credit-notes/{made[0]['credit_note_id']}",
                                headers=mine).get_json()
    assert [(a["invoice_number"], a["amount_minor"]) for a in detail["applications"]] == [(invoice["number"], 50)]
    assert [r["amount_minor"] for r in detail["refunds"]] == [20] and detail["remaining_minor"] == 30
    pdf = billing.client.get(f"/orgs/{ORG}/customers/cust-1/credit-notes/{made[0]['credit_note_id']}/pdf",
                             headers=mine)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    words = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert made[0]["number"] in words and "Credit note" in words and invoice["number"] in words
    # another customer's note, another customer in the path, the module off or no permission
    for path in (f"/customers/cust-1/credit-notes/{theirs['credit_note_id']}",
                 f"/customers/cust-1/credit-notes/{theirs['credit_note_id']}/pdf",
                 f"/customers/cust-2/credit-notes", f"/customers/cust-2/credit-notes/{theirs['credit_note_id']}"):
        problem(billing.client.get(f"/orgs/{ORG}{path}", headers=mine), 404)
    problem(billing.client.get(f"/orgs/{ORG}/customers/cust-1/credit-notes",
                               headers=billing.contact(modules=("invoices",))), 404)
    problem(billing.client.get(f"/orgs/{ORG}/customers/cust-1/credit-notes/{made[0]['credit_note_id']}/pdf",
                               headers=billing.contact(permissions=("view",))), 403)


def test_concurrent_issues_get_distinct_numbers_and_concurrent_uses_never_overdraw(billing):
    clients = [billing.app.test_client() for _ in range(8)]
    answers: list = []

    def issue(client):
        answers.append(client.post(f"/orgs/{ORG}/credit-notes", headers=billing.staff,
                                   json={"customer_id": "cust-1", "currency": "EUR", "amount_minor": 1000}))
    threads = [threading.Thread(target=issue, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [201] * 8
    assert sorted(a.get_json()["number"] for a in answers) == [f"CN-{i:06d}" for i in range(1, 9)]

    note = answers[0].get_json()
    targets = [billing.invoice() for _ in range(6)]
    results: list = []

    def use(invoice):
        results.append(billing.app.test_client().post(
            f"/orgs/{ORG}/credit-notes/{note['credit_note_id']}/apply", headers=billing.staff,
            json={"invoice_id": invoice["invoice_id"], "amount_minor": 400}))
    threads = [threading.Thread(target=use, args=(i,)) for i in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results)
    assert codes[:2] == [200, 200] and set(codes[2:]) <= {409, 422}, codes   # 1000 covers two uses of 400
    with billing.rt.engine.connect() as conn:
        row = conn.execute(select(credit_notes).where(credit_notes.c.credit_note_id == note["credit_note_id"])).one()
        due = conn.execute(select(invoices.c.amount_due_minor)
                           .where(invoices.c.invoice_id.in_([i["invoice_id"] for i in targets]))).scalars().all()
    assert (row.applied_minor, row.remaining_minor) == (800, 200)
    assert sorted(due) == [29600, 29600, 30000, 30000, 30000, 30000]


def test_the_read_models_rebuild_from_the_events(billing):
    invoice = billing.invoice()
    note = billing.issue(amount_minor=8000)
    billing.apply(note["credit_note_id"], invoice["invoice_id"], 5000)
    billing.refund(note["credit_note_id"], 1000)
    before = billing.client.get(f"/orgs/{ORG}/credit-notes/{note['credit_note_id']}", headers=billing.staff).get_json()
    rebuild(billing.rt.store)
    after = billing.client.get(f"/orgs/{ORG}/credit-notes/{note['credit_note_id']}", headers=billing.staff).get_json()
    assert after == before
    shown = billing.shown_invoice(invoice["invoice_id"])
    assert (shown["amount_paid_minor"], shown["amount_due_minor"]) == (5000, 25000)
