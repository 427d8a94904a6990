"""A customer's statement of account through billing's HTTP API, on SQLite and PostgreSQL:
opening balance from what came before the range, every invoice, payment, credit note and
refund in it with the running balance after each, the closing balance, and the ageing of
what was still due at the range's end; drafts never, a void as its own entry, another
customer's money never; bad ranges refused; the same as a PDF.

Billing stamps everything with the time it happens, so the tests move a clock
(tests/helpers/clock.py) to the day they act on."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from services.billing.app import create_app
from services.billing.bootstrap import SPEC
from services.chassis.tables import events
from tests.helpers.clock import Clock
from tests.helpers.problems import problem
from tests.helpers.tokens import bearer

ORG = "org-acme"


def line(amount: int) -> dict:
    return {"description": "Work", "quantity": "1", "unit_price_minor": amount, "tax_rate": "0"}


class Billing:
    def __init__(self, rt):
        self.engine = rt.engine
        self.client = create_app(rt.config).test_client()
        self.staff = bearer("staff", ORG, id="staff-1", ttl_s=3600)

    def contact(self, customer_id="cust-1", permissions=("view", "download"), modules=("invoices",)):
        return bearer("contact", ORG, id=f"contact-{customer_id}", customer_id=customer_id,
                      permissions=permissions, modules=modules, ttl_s=3600)

    def post(self, path, body, expect=(200, 201)):
        answer = self.client.post(f"/orgs/{ORG}{path}", headers=self.staff, json=body)
        assert answer.status_code in expect, answer.get_json()
        return answer.get_json()

    def invoice(self, amount, customer_id="cust-1", currency="EUR", due=None, issue=True):
        return self.post("/invoices", {"customer_id": customer_id, "currency": currency, "lines": [line(amount)],
                                       "due_date": due, "issue": issue})

    def pay(self, invoice, amount, customer_id="cust-1"):
        return self.post("/payments/offline", {"customer_id": customer_id, "method": "bank_transfer",
                                               "invoices": [{"invoice_id": invoice["invoice_id"],
                                                             "amount_minor": amount}]})

    def refund(self, payment, amount, reopen=False):
        return self.post(f"/payments/{payment['payment_id']}/refund",
                         {"amount_minor": amount, "reason": "Goodwill", "reopen_invoice": reopen})

    def credit(self, amount, invoice=None):
        return self.post("/credit-notes", {"customer_id": "cust-1", "currency": "EUR", "amount_minor": amount,
                                           "invoice_id": invoice and invoice["invoice_id"]})

    def apply(self, note, invoice, amount):
        return self.post(f"/credit-notes/{note['credit_note_id']}/apply",
                         {"invoice_id": invoice["invoice_id"], "amount_minor": amount})

    def statement(self, query, customer_id="cust-1", headers=None, expect=200):
        answer = self.client.get(f"/orgs/{ORG}/customers/{customer_id}/statement", query_string=query,
                                 headers=headers or self.contact(customer_id))
        assert answer.status_code == expect, answer.get_json()
        return answer.get_json()


@pytest.fixture
def billing(make_runtime, db_kind):
    return Billing(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def worked_example(billing, clock) -> dict:
    """Before March: A 100.00 issued, 40.00 paid. In March: B 200.00, V 10.00 issued and
    voided, credit note 50.00 applied to B, B's other 150.00 paid, a second note of 20.00
    of which 5.00 is paid back, 30.00 of B's payment reversed (B owes it again). After March: C 70.00 and a
    payment on A. Alongside: a draft, another customer's invoice, an invoice in USD."""
    clock.on("2026-02-10")
    a = billing.invoice(10000, due="2026-02-25")
    clock.on("2026-02-15")
    billing.pay(a, 4000)
    billing.invoice(99900, issue=False)                                   # a draft: never shown
    clock.on("2026-03-02")
    b = billing.invoice(20000, due="2026-04-15")
    billing.invoice(55500, customer_id="cust-2")                           # another customer's
    billing.invoice(33300, currency="USD")                                 # another currency
    clock.on("2026-03-03")
    v = billing.invoice(1000)
    clock.on("2026-03-04")
    billing.post(f"/invoices/{v['invoice_id']}/void", {"reason": "Sent twice"})
    clock.on("2026-03-05")
    cn1 = billing.credit(5000, invoice=b)
    clock.on("2026-03-06")
    billing.apply(cn1, b, 5000)
    clock.on("2026-03-10")
    paid_b = billing.pay(b, 15000)
    clock.on("2026-03-12")
    cn2 = billing.credit(2000)
    clock.on("2026-03-15")
    billing.post(f"/credit-notes/{cn2['credit_note_id']}/refund", {"amount_minor": 500, "reason": "Paid back"})
    clock.on("2026-03-20")
    billing.refund(paid_b, 3000, reopen=True)
    clock.on("2026-04-05")
    c = billing.invoice(7000)
    billing.pay(a, 6000)
    return {"a": a, "b": b, "v": v, "c": c, "cn1": cn1, "cn2": cn2, "paid_b": paid_b}


def test_a_statement_has_the_opening_balance_every_entry_with_its_running_balance_and_the_closing(billing, clock):
    made = worked_example(billing, clock)
    found = billing.statement(MARCH)
    receipt = "R-" + made["paid_b"]["payment_id"][:8].upper()
    b, v, cn1, cn2 = (made[k]["number"] for k in ("b", "v", "cn1", "cn2"))
    assert (found["currency"], found["currencies"], found["from"], found["to"]) == \
        ("EUR", ["EUR", "USD"], "2026-03-01", "2026-03-31")
    assert found["opening_balance_minor"] == 6000                         # A 100.00 less 40.00 paid
    assert [(e["date"], e["kind"], e["reference"], e["debit_minor"], e["credit_minor"], e["balance_minor"])
            for e in found["entries"]] == [
        ("2026-03-02", "invoice", b, 20000, 0, 26000),
        ("2026-03-03", "invoice", v, 1000, 0, 27000),
        ("2026-03-04", "invoice_voided", v, 0, 1000, 26000),
        ("2026-03-05", "credit_note", cn1, 0, 5000, 21000),          # applying it on the 6th moves nothing
        ("2026-03-10", "payment", receipt, 0, 15000, 6000),
        ("2026-03-12", "credit_note", cn2, 0, 2000, 4000),
        ("2026-03-15", "credit_refund", cn2, 500, 0, 4500),
        ("2026-03-20", "payment_refund", receipt, 3000, 0, 7500),
    ]
    assert found["entries"][4]["description"] == f"Payment for {b}"
    assert found["closing_balance_minor"] == 7500
    # what makes the 75.00: A's 60.00 and B's 30.00 still due, less the 15.00 of credit unused
    assert [(i["number"], i["amount_due_minor"], i["bucket"]) for i in found["open_invoices"]] == [
        (made["a"]["number"], 6000, "days_31_60"), (b, 3000, "current")]
    assert found["ageing"] == {"current": 3000, "days_1_30": 0, "days_31_60": 6000, "days_61_90": 0,
                               "days_over_90": 0, "total": 9000}
    assert found["unapplied_credit_minor"] == 1500
    assert found["ageing"]["total"] - found["unapplied_credit_minor"] == found["closing_balance_minor"]


def test_consecutive_statements_chain_and_the_last_one_matches_what_is_due_today(billing, clock):
    made = worked_example(billing, clock)
    february = billing.statement({"from": "2026-02-01", "to": "2026-02-28"})
    march = billing.statement(MARCH)
    april = billing.statement({"from": "2026-04-01", "to": "2026-04-30"})
    assert [e["kind"] for e in february["entries"]] == ["invoice", "payment"]
    assert february["opening_balance_minor"] == 0
    assert february["closing_balance_minor"] == march["opening_balance_minor"] == 6000
    assert march["closing_balance_minor"] == april["opening_balance_minor"] == 7500
    assert [(e["kind"], e["reference"], e["balance_minor"]) for e in april["entries"]] == [
        ("invoice", made["c"]["number"], 14500), ("payment", april["entries"][1]["reference"], 8500)]
    # at the end, the balance is exactly what the invoices say is due less the unused credit
    due = sum(billing.client.get(f"/orgs/{ORG}/invoices/{made[k]['invoice_id']}", headers=billing.staff)
              .get_json()["amount_due_minor"] for k in ("a", "b", "c", "v"))
    assert due == 3000 + 7000 and april["closing_balance_minor"] == due - 1500
    assert april["ageing"]["total"] == due


def test_the_ageing_buckets_what_was_due_at_the_end_of_the_range_by_days_overdue(billing, clock):
    ends = date(2026, 6, 30)
    clock.on("2026-01-05")
    for amount, days in ((100, 0), (200, 15), (300, 45), (400, 75), (500, 120)):
        billing.invoice(amount, due=(ends - timedelta(days=days)).isoformat())
    billing.invoice(600)                                                  # no due date: current
    partly = billing.invoice(1000, due=(ends - timedelta(days=91)).isoformat())
    billing.pay(partly, 250)
    paid_later = billing.invoice(2000, due=(ends - timedelta(days=31)).isoformat())
    clock.on("2026-07-02")
    billing.pay(paid_later, 2000)                                         # after the end: still due then
    billing.invoice(9000, due="2026-07-01")                               # issued after the end
    found = billing.statement({"from": "2026-06-01", "to": ends.isoformat()})
    assert found["ageing"] == {"current": 700, "days_1_30": 200, "days_31_60": 2300, "days_61_90": 400,
                               "days_over_90": 1250, "total": 4850}
    assert [(i["amount_due_minor"], i["days_overdue"]) for i in found["open_invoices"]] == [
        (500, 120), (750, 91), (400, 75), (300, 45), (2000, 31), (200, 15), (100, 0), (600, 0)]
    assert found["entries"] == [] and found["opening_balance_minor"] == found["closing_balance_minor"] == 4850
    later = billing.statement({"from": "2026-07-01", "to": "2026-07-31"})
    assert later["ageing"]["days_31_60"] == 300 and later["ageing"]["total"] == 4850 - 2000 + 9000


def test_a_changed_total_is_an_entry_of_its_own_day_and_a_moved_due_date_ages_from_then(billing, clock):
    clock.on("2026-03-02")
    invoice = billing.invoice(10000, due="2026-03-10")
    clock.on("2026-04-03")
    answer = billing.client.patch(f"/orgs/{ORG}/invoices/{invoice['invoice_id']}", headers=billing.staff,
                                  json={"lines": [line(12500)], "due_date": "2026-05-31"})
    assert answer.status_code == 200, answer.get_json()
    march = billing.statement(MARCH)
    assert march["closing_balance_minor"] == 10000
    assert (march["ageing"]["days_1_30"], march["open_invoices"][0]["due_date"]) == (10000, "2026-03-10")
    april = billing.statement({"from": "2026-04-01", "to": "2026-04-30"})
    assert [(e["kind"], e["debit_minor"], e["balance_minor"]) for e in april["entries"]] == [
        ("invoice_adjusted", 2500, 12500)]
    assert april["ageing"]["current"] == april["ageing"]["total"] == 12500


def test_a_payment_of_several_invoices_and_its_refund_age_each_invoice(billing, clock):
    clock.on("2026-03-02")
    a, b = billing.invoice(10000, due="2026-03-02"), billing.invoice(20000, due="2026-03-02")
    paid = billing.post("/payments/offline", {"customer_id": "cust-1", "method": "cash", "invoices": [
        {"invoice_id": a["invoice_id"], "amount_minor": 10000}, {"invoice_id": b["invoice_id"], "amount_minor": 20000}]})
    clock.on("2026-03-10")
    billing.refund(paid, 25000, reopen=True)          # the last invoice of the payment first: all of B, 50.00 of A
    found = billing.statement(MARCH)
    assert [(e["description"], e["balance_minor"]) for e in found["entries"]][2:] == [
        (f"Payment for {a['number']}, {b['number']}", 0),
        (f"Refund of payment {'R-' + paid['payment_id'][:8].upper()}", 25000)]
    due = {i["number"]: i["amount_due_minor"] for i in found["open_invoices"]}
    assert due == {a["number"]: 5000, b["number"]: 20000}
    # a refund recorded before refunds named their invoices (or said whether they reopen:
    # they all did) is split the same way
    with billing.engine.begin() as conn:
        row = conn.execute(select(events).where(events.c.type == "PaymentRefunded")).one()
        conn.execute(update(events).where(events.c.event_id == row.event_id).values(
            data={k: v for k, v in row.data.items() if k not in ("allocations", "reopens_invoice")}))
    again = billing.statement(MARCH)
    assert {i["number"]: i["amount_due_minor"] for i in again["open_invoices"]} == due
    assert again["closing_balance_minor"] == again["ageing"]["total"] == 25000


def test_a_partial_refund_gives_money_back_and_the_balance_stays_what_is_owed(billing, clock):
    """€85 of a €585 payment refunded: the invoice stays paid, the statement shows the refund
    and the invoice reduced by it, and the balance is 0, as nothing is owed."""
    clock.on("2026-03-02")
    invoice = billing.invoice(58500, due="2026-03-31")
    paid = billing.pay(invoice, 58500)
    clock.on("2026-03-09")
    billing.refund(paid, 8500)
    found = billing.statement(MARCH)
    receipt, number = "R-" + paid["payment_id"][:8].upper(), invoice["number"]
    assert [(e["date"], e["kind"], e["reference"], e["debit_minor"], e["credit_minor"], e["balance_minor"])
            for e in found["entries"]] == [
        ("2026-03-02", "invoice", number, 58500, 0, 58500),
        ("2026-03-02", "payment", receipt, 0, 58500, 0),
        ("2026-03-09", "payment_refund", receipt, 8500, 0, 8500),
        ("2026-03-09", "invoice_reduced", number, 0, 8500, 0),
    ]
    assert [e["description"] for e in found["entries"]][2:] == [
        f"Refund of payment {receipt}", f"Invoice {number} reduced by the refund of {receipt}"]
    assert found["entries"][3]["invoice_id"] == invoice["invoice_id"]
    assert found["closing_balance_minor"] == found["ageing"]["total"] == 0 and found["open_invoices"] == []
    # staff reverse another 100.00 of it: that the customer owes again
    clock.on("2026-03-16")
    billing.refund(paid, 10000, reopen=True)
    again = billing.statement(MARCH)
    assert [(e["kind"], e["balance_minor"]) for e in again["entries"]][4:] == [("payment_refund", 10000)]
    assert again["closing_balance_minor"] == again["ageing"]["total"] == 10000
    assert [(i["number"], i["amount_due_minor"]) for i in again["open_invoices"]] == [(number, 10000)]


def test_another_currency_is_its_own_statement_and_the_default_range_ends_today(billing, clock):
    clock.on("2026-03-02")
    billing.invoice(1000)
    billing.invoice(2000, currency="USD")
    billing.invoice(3000, currency="USD")
    found = billing.statement({"from": "2026-03-01", "to": "2026-03-31"})
    assert (found["currency"], found["currencies"], found["closing_balance_minor"]) == ("USD", ["USD", "EUR"], 5000)
    euros = billing.statement({**MARCH, "currency": "EUR"})
    assert [e["debit_minor"] for e in euros["entries"]] == [1000]
    today = datetime.now(timezone.utc).date()
    assert billing.statement({})["to"] == today.isoformat()
    assert billing.statement({})["from"] <= (today - timedelta(days=59)).isoformat()


def test_nobody_sees_another_customers_statement(billing, clock):
    clock.on("2026-03-02")
    billing.invoice(1000)
    billing.invoice(2000, customer_id="cust-2")
    mine = billing.statement(MARCH, customer_id="cust-2", headers=billing.contact("cust-2"))
    assert [e["debit_minor"] for e in mine["entries"]] == [2000]
    problem(billing.client.get(f"/orgs/{ORG}/customers/cust-1/statement", query_string=MARCH,
                               headers=billing.contact("cust-2")), 404)
    problem(billing.client.get(f"/orgs/{ORG}/customers/cust-1/statement", query_string=MARCH,
                               headers=billing.contact(modules=("payments",))), 404)
    problem(billing.client.get(f"/orgs/{ORG}/customers/cust-1/statement", query_string=MARCH,
                               headers=bearer("staff", "org-other", ttl_s=3600)), 404)
    problem(billing.client.get(f"/orgs/{ORG}/customers/cust-1/statement.pdf", query_string=MARCH,
                               headers=billing.contact(permissions=("view",))), 403)
    staff = billing.statement(MARCH, headers=billing.staff)
    assert [e["debit_minor"] for e in staff["entries"]] == [1000]
    key = bearer("api_key", ORG, id="key-1", modules=("invoices",), ttl_s=3600)
    assert billing.statement(MARCH, headers=key)["closing_balance_minor"] == 1000
    problem(billing.client.get(f"/orgs/{ORG}/customers/cust-1/statement", query_string=MARCH,
                               headers=bearer("api_key", ORG, id="key-2", modules=("payments",), ttl_s=3600)), 403)


@pytest.mark.parametrize("query, field", [
    ({"from": "2026-03-31", "to": "2026-03-01"}, "from"),
    ({"from": "2021-01-01", "to": "2026-01-01"}, "from"),
    ({"from": "2026-02-30", "to": "2026-03-31"}, "from"),
    ({"from": "2026-03-01", "to": "yesterday"}, "to"),
    ({**MARCH, "currency": "eur"}, "currency"),
])
def test_a_bad_range_is_refused_with_a_problem(billing, query, field):
    for path in ("statement", "statement.pdf"):
        body = problem(billing.client.get(f"/orgs/{ORG}/customers/cust-1/{path}", query_string=query,
                                          headers=billing.contact()), 422)
        assert field in str(body["errors"]), body


def test_the_statement_pdf_shows_the_entries_and_the_closing_balance(billing, clock):
    made = worked_example(billing, clock)
    answer = billing.client.get(f"/orgs/{ORG}/customers/cust-1/statement.pdf", query_string=MARCH,
                                headers=billing.contact())
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert 'filename="statement-2026-03-01-2026-03-31.pdf"' in answer.headers["Content-Disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.data)).pages)
    for key in ("b", "v", "cn1", "cn2"):
        assert made[key]["number"] in text
    assert made["c"]["number"] not in text                                # after the range
    assert "Closing balance" in text and "75.00 EUR" in text
    assert "Statement" in text or "STATEMENT" in text
