"""The console's payments page on the real billing service: every payment with its gateway
reference; owners and admins settle or fail a pending bank debit of the simulated gateway."""
from __future__ import annotations

from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import Browser, text


def staff(world, app, login) -> Browser:
    browser = Browser(app)
    browser.sign_in(login, fake=world.fake)
    return browser


def test_an_owner_fails_a_pending_bank_debit_and_the_invoice_is_payable_again(world, app):
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer)
    debit = billing_backend.pay_invoice(org, customer, invoice["invoice_id"], method="bank_debit")
    owner = staff(world, app, world.sam)
    page = owner.get("/console/payments?status=pending")
    assert invoice["number"] in text(page) and "Processing" in text(page) and "Mark failed" in text(page)
    reference = billing_backend.staff_payment(org, debit["payment_id"])["gateway_reference"]
    assert reference and f"<code>{reference}</code>" in page.get_data(as_text=True)
    answer = owner.send(f"/console/payments/{debit['payment_id']}/simulate", {"outcome": "failed"})
    assert answer.status_code == 302
    assert "The payment is now failed." in text(owner.get("/console/payments"))
    assert billing_backend.payment_status(org, debit["payment_id"]) == "failed"
    again = owner.send(f"/console/payments/{debit['payment_id']}/simulate", {"outcome": "settled"})
    assert again.status_code == 302 and "not pending" in text(owner.get("/console/payments"))


def test_agents_see_payments_but_pull_no_levers(world, app):
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer)
    debit = billing_backend.pay_invoice(org, customer, invoice["invoice_id"], method="bank_debit")
    agent = staff(world, app, world.ada)
    page = agent.get("/console/payments")
    assert invoice["number"] in text(page) and "Mark failed" not in text(page)
    assert agent.send(f"/console/payments/{debit['payment_id']}/simulate", {"outcome": "failed"}).status_code == 403
    assert billing_backend.payment_status(org, debit["payment_id"]) == "pending"
