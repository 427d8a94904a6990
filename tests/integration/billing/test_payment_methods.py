"""Saved payment methods through billing's HTTP API and the simulated gateway, on SQLite and
PostgreSQL: a contact saves test cards and a bank account at once, lists them, keeps exactly
one default, removes them (detached at the gateway), and pays an invoice with one in one
step; nobody else can see or use them, and no card number is ever stored."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import inspect, select

from services.billing.tables import simulated_gateway_methods as simulated_methods
from services.billing.bootstrap import SPEC
from services.billing.tables import payment_methods
from tests.integration.billing.test_payments import ORG, Billing

BASE = f"/orgs/{ORG}/customers/cust-1/payment-methods"


@pytest.fixture
def billing(make_runtime, db_kind):
    return Billing(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


def save(billing, kind="card", contact=None):
    answer = billing.client.post(f"{BASE}/setups", headers=contact or billing.contact(),
                                 json={"kind": kind, "return_url": "https://portal.example/payment-methods"})
    assert answer.status_code == 201, answer.get_json()
    setup = answer.get_json()
    assert setup["status"] == "succeeded" and setup["redirect_url"] is None
    return setup["method"]


def listed(billing, contact=None):
    answer = billing.client.get(BASE, headers=contact or billing.contact())
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["items"]


def test_a_saved_card_is_listed_and_the_first_one_is_the_default(billing):
    card = save(billing)
    assert (card["kind"], card["brand"], card["last4"], card["exp_month"], card["is_default"]) == \
        ("card", "visa", "4242", 12, True)
    bank = save(billing, "bank_account")
    assert (bank["kind"], bank["last4"], bank["exp_year"], bank["is_default"]) == ("bank_account", "6789", None, False)
    assert [m["method_id"] for m in listed(billing)] == [card["method_id"], bank["method_id"]]


def test_exactly_one_default_follows_set_default_and_remove(billing):
    first, second, third = save(billing), save(billing, "bank_account"), save(billing, "card_declined")
    answer = billing.client.post(f"{BASE}/{second['method_id']}/default", headers=billing.contact())
    assert answer.status_code == 200
    defaults = [m["method_id"] for m in answer.get_json()["items"] if m["is_default"]]
    assert defaults == [second["method_id"]]

    assert billing.client.delete(f"{BASE}/{second['method_id']}", headers=billing.contact()).status_code == 204
    assert billing.client.delete(f"{BASE}/{second['method_id']}", headers=billing.contact()).status_code == 204
    items = listed(billing)
    assert [m["method_id"] for m in items] == [third["method_id"], first["method_id"]]   # the newest took over
    assert [m["is_default"] for m in items] == [True, False]
    removed = billing.client.post(f"{BASE}/{second['method_id']}/default", headers=billing.contact())
    assert removed.status_code == 422


def test_removing_detaches_at_the_gateway_and_the_method_can_no_longer_pay(billing):
    card = save(billing)
    billing.client.delete(f"{BASE}/{card['method_id']}", headers=billing.contact())
    with billing.rt.engine.connect() as conn:
        assert conn.execute(select(simulated_methods.c.detached_at)).scalar() is not None
    invoice = billing.invoice()
    answer = billing.pay(invoice["invoice_id"], method=f"saved:{card['method_id']}")
    assert answer.status_code == 422 and "removed" in answer.get_json()["detail"]


def test_another_contacts_or_customers_method_is_not_found(billing):
    card = save(billing)
    colleague = billing.contact(id="contact-2")
    stranger = billing.contact("cust-2", id="contact-9")
    assert listed(billing, colleague) == []
    for headers in (colleague,):
        assert billing.client.post(f"{BASE}/{card['method_id']}/default", headers=headers).status_code == 404
        assert billing.client.delete(f"{BASE}/{card['method_id']}", headers=headers).status_code == 404
    other_base = f"/orgs/{ORG}/customers/cust-2/payment-methods"
    assert billing.client.delete(f"{other_base}/{card['method_id']}", headers=stranger).status_code == 404
    assert billing.client.get(BASE, headers=stranger).status_code == 404           # not their customer
    mine = billing.invoice()
    assert billing.pay(mine["invoice_id"], method=f"saved:{card['method_id']}",
                       headers=colleague).status_code == 404
    theirs = billing.invoice("cust-2")
    assert billing.pay(theirs["invoice_id"], customer_id="cust-2", method=f"saved:{card['method_id']}",
                       headers=stranger).status_code == 404
    assert listed(billing)[0]["is_default"]                                      # untouched


def test_paying_with_a_saved_card_settles_in_one_step(billing):
    card = save(billing)
    invoice = billing.invoice()
    payment = billing.paid(invoice["invoice_id"], method=f"saved:{card['method_id']}")
    assert (payment["status"], payment["redirect_url"]) == ("settled", None)
    assert billing.shown(invoice["invoice_id"])["status"] == "paid"


def test_a_saved_bank_account_stays_pending_and_the_guard_refuses_a_second_payment(billing):
    bank = save(billing, "bank_account")
    invoice = billing.invoice()
    payment = billing.paid(invoice["invoice_id"], method=f"saved:{bank['method_id']}")
    assert payment["status"] == "pending"
    again = billing.pay(invoice["invoice_id"], method="card")
    assert again.status_code == 409 and again.get_json()["payment_id"] == payment["payment_id"]
    settled = billing.staff_post(f"/payments/{payment['payment_id']}/simulate", {"outcome": "settled"})
    assert settled.status_code == 200 and billing.shown(invoice["invoice_id"])["status"] == "paid"


def test_a_declined_saved_card_fails_and_the_invoice_stays_open(billing):
    card = save(billing, "card_declined")
    invoice = billing.invoice()
    payment = billing.paid(invoice["invoice_id"], method=f"saved:{card['method_id']}")
    assert (payment["status"], payment["failure_reason"]) == ("failed", "card_declined")
    assert billing.shown(invoice["invoice_id"])["status"] == "sent"
    assert billing.pay(invoice["invoice_id"], method="card").status_code == 201


def test_an_unknown_kind_is_refused_and_nothing_is_saved(billing):
    answer = billing.client.post(f"{BASE}/setups", headers=billing.contact(), json={"kind": "iban"})
    assert answer.status_code == 422
    no_pay = billing.client.post(f"{BASE}/setups", headers=billing.contact(permissions=("view",)),
                                 json={"kind": "card"})
    assert no_pay.status_code == 403
    assert listed(billing) == []


def test_no_card_number_is_ever_stored(billing):
    save(billing)
    save(billing, "bank_account")
    columns = {c["name"] for c in inspect(billing.rt.engine).get_columns("payment_methods")}
    assert columns == {"method_id", "org_id", "customer_id", "contact_id", "gateway", "gateway_token",
                       "gateway_customer", "kind", "brand", "last4", "exp_month", "exp_year", "is_default",
                       "created_at", "removed_at"}
    with billing.rt.engine.connect() as conn:
        rows = conn.execute(select(payment_methods)).all()
    assert sorted(r.last4 for r in rows) == ["4242", "6789"]
    assert all(r.gateway_token.startswith("sim_pm_") for r in rows)


def test_set_default_at_once_from_many_requests_leaves_exactly_one_default(billing):
    saved = [save(billing) for _ in range(3)]
    answers, start = [], threading.Barrier(9)

    def make_default(method_id):
        client = billing.app.test_client()
        start.wait()
        answers.append(client.post(f"{BASE}/{method_id}/default", headers=billing.contact()).status_code)

    threads = [threading.Thread(target=make_default, args=(saved[n % 3]["method_id"],)) for n in range(9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 9
    assert sum(m["is_default"] for m in listed(billing)) == 1
