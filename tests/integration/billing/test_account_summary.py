"""The account summary the portal's home page shows (queries/account.py), through billing's
HTTP API on SQLite and PostgreSQL: per currency the balance due, the overdue amount and
count and the next due date, each equal to the sums of the invoice list's own rows; drafts,
void and paid invoices and other customers' never counted; an invoice with a payment in
progress counted as due but not offered to "Pay all overdue"."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.helpers.problems import problem
from tests.helpers.tokens import bearer
from tests.integration.billing.test_statement import ORG, billing  # noqa: F401 - the fixture


def day(offset: int) -> str:
    return (datetime.now(timezone.utc).date() + timedelta(days=offset)).isoformat()


def summary(billing, customer_id="cust-1", headers=None):
    return billing.client.get(f"/orgs/{ORG}/customers/{customer_id}/account-summary",
                              headers=headers or billing.contact(customer_id))


def listed(billing, status=None) -> list[dict]:
    answer = billing.client.get(f"/orgs/{ORG}/customers/cust-1/invoices",
                                query_string={"limit": 100, **({"status": status} if status else {})},
                                headers=billing.contact())
    return answer.get_json()["items"]


def test_the_figures_are_the_sums_of_the_invoice_list(billing):
    oldest = billing.invoice(10000, due=day(-10))
    part_paid = billing.invoice(20000, due=day(-3))
    billing.pay(part_paid, 5000)
    billing.invoice(7000, due=day(5))                                   # the next due date
    billing.invoice(3000, due=day(20))
    billing.invoice(4000)                                               # no due date
    in_flight = billing.invoice(6000, due=day(-20))
    paid = billing.invoice(9000, due=day(-10))
    billing.pay(paid, 9000)
    voided = billing.invoice(1000, due=day(-10))
    billing.post(f"/invoices/{voided['invoice_id']}/void", {"reason": "Sent twice"})
    billing.invoice(99900, issue=False)                                 # a draft
    billing.invoice(50000, customer_id="cust-2", due=day(-10))          # another customer's
    usd = billing.invoice(2500, currency="USD", due=day(-1))
    paying = bearer("contact", ORG, id="contact-cust-1", customer_id="cust-1", permissions=("view", "pay"),
                    modules=("invoices", "payments"), ttl_s=3600)
    started = billing.client.post(f"/orgs/{ORG}/customers/cust-1/payments", headers=paying, json={
        "invoices": [{"invoice_id": in_flight["invoice_id"]}], "method": "bank_debit",
        "return_url": "http://portal.test/"})
    assert started.status_code == 201 and started.get_json()["status"] == "pending"

    found = summary(billing)
    assert found.status_code == 200
    eur, dollars = found.get_json()["balances"]
    assert eur == {"currency": "EUR", "open_invoices": 6, "balance_due_minor": 45000, "overdue_minor": 31000,
                   "overdue_invoices": 3, "next_due_date": day(5)}
    assert dollars == {"currency": "USD", "open_invoices": 1, "balance_due_minor": 2500, "overdue_minor": 2500,
                       "overdue_invoices": 1, "next_due_date": None}
    # the same figures as the list a customer reads
    rows = [i for i in listed(billing) if i["currency"] == "EUR"]
    assert sum(i["amount_due_minor"] for i in rows) == eur["balance_due_minor"]
    overdue = [i for i in listed(billing, "overdue") if i["currency"] == "EUR"]
    assert sum(i["amount_due_minor"] for i in overdue) == eur["overdue_minor"] and len(overdue) == 3
    # "Pay all overdue": oldest due first, the one being paid left out
    to_pay = found.get_json()["overdue_to_pay"]
    assert [(i["invoice_id"], i["amount_due_minor"]) for i in to_pay] == [
        (oldest["invoice_id"], 10000), (part_paid["invoice_id"], 15000), (usd["invoice_id"], 2500)]
    assert found.get_json()["payments_in_progress"] == 1


def test_nothing_owed_is_an_empty_summary_and_another_customer_is_a_404(billing):
    assert summary(billing).get_json() == {"balances": [], "payments_in_progress": 0, "overdue_to_pay": []}
    billing.invoice(50000, customer_id="cust-2", due=day(-10))
    problem(summary(billing, "cust-2", headers=billing.contact("cust-1")), 404)
    problem(summary(billing, headers=billing.contact(modules=("payments",))), 404)
