"""The portal's home page against the real billing service: the balance due, the overdue
amount and count and the next due date equal the sums of the customer's invoices; "Pay all
overdue" leads to the bulk payment's review of exactly the overdue invoices; the last
payments are listed; a contact who may not pay, or an org without bulk payments, is offered
what it can do instead; billing being down leaves the figures out, not the page."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from gateway.web.filters import day
from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import text
from tests.integration.gateway.test_bulk_payments import contact as signed_in


def due(offset: int):
    return datetime.now(timezone.utc).date() + timedelta(days=offset)


def figure(page, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', page.get_data(as_text=True))
    return found.group(1).strip() if found else ""


@pytest.fixture
def owing(world):
    """Two overdue invoices, one due next week, one paid, in EUR; one overdue in USD."""
    org, customer = world.org["org_id"], world.customer["customer_id"]
    made = {"late": billing_backend.issue_invoice(org, customer, 12000, due=due(-10)),
            "later": billing_backend.issue_invoice(org, customer, 3050, due=due(-2)),
            "next": billing_backend.issue_invoice(org, customer, 4000, due=due(7)),
            "paid": billing_backend.issue_invoice(org, customer, 9900, due=due(-30)),
            "usd": billing_backend.issue_invoice(org, customer, 2500, currency="USD", due=due(-1))}
    billing_backend.pay_invoice(org, customer, made["paid"]["invoice_id"])
    return made


def test_the_figures_are_the_sums_of_the_invoices(world, app, owing):
    ann = signed_in(world, app)
    home = ann.get("/")
    assert home.status_code == 200
    assert figure(home, "balance-EUR") == "€190.50" and figure(home, "overdue-EUR") == "€150.50"
    assert figure(home, "next-due-EUR") == day(due(7).isoformat())
    assert figure(home, "balance-USD") == "$25.00" and figure(home, "overdue-USD") == "$25.00"
    assert figure(home, "next-due-USD") == "Nothing upcoming"
    words = text(home)
    assert "3 open invoices" in words and "2 overdue invoices" in words
    # the same as the invoices list says
    listing = text(ann.get("/invoices?status=overdue"))
    assert owing["late"]["number"] in listing and owing["later"]["number"] in listing
    assert owing["paid"]["number"] not in listing
    # the last payment, linked
    assert "Last payments" in words and owing["paid"]["number"] in words


def test_pay_all_overdue_reviews_exactly_the_overdue_invoices(world, app, owing):
    world.org["settings"]["bulk_payments"] = True
    with billing_backend.org_settings(world.org["org_id"], bulk_payments=True):
        ann = signed_in(world, app)
        home = ann.get("/")
        assert "Pay all overdue (€150.50)" in text(home) and "Pay all overdue ($25.00)" in text(home)
        html = home.get_data(as_text=True)
        form = re.search(r'aria-label="Pay all overdue in EUR">(.*?)</form>', html, re.S).group(1)
        ids = re.findall(r'name="invoice_id" value="([^"]+)"', form)
        assert ids == [owing["late"]["invoice_id"], owing["later"]["invoice_id"]]
        review = ann.post("/invoices/pay-selected", {"invoice_id": ids})
        assert review.status_code == 200 and "Total (EUR) €150.50" in text(review)


def test_without_bulk_payments_or_the_pay_permission_other_ways_are_offered(world, app):
    org, customer = world.org["org_id"], world.customer["customer_id"]
    late = billing_backend.issue_invoice(org, customer, 12000, due=due(-10))
    world.org["settings"]["bulk_payments"] = False
    ann = signed_in(world, app)
    home = text(ann.get("/"))
    assert f"Pay {late['number']} (€120.00)" in home and "Pay all overdue" not in home
    reader = signed_in(world, app, permissions=("view",))
    assert "Pay " + late["number"] not in text(reader.get("/")) and "€120.00" in text(reader.get("/"))


def test_nothing_owed_says_so(world, app):
    assert "You owe nothing at the moment." in text(signed_in(world, app).get("/"))


def test_billing_down_leaves_the_figures_out_not_the_page(world, app, owing, monkeypatch):
    from gateway.clients.base import ServiceUnavailable
    from gateway.clients.billing import BillingClient

    def down(*args, **kwargs):
        raise ServiceUnavailable("billing is down")
    monkeypatch.setattr(BillingClient, "account_summary", down)
    monkeypatch.setattr(BillingClient, "customer_payments", down)
    home = signed_in(world, app).get("/")
    assert home.status_code == 200 and "Welcome, Ann Example" in text(home)
    assert "Your balance" not in text(home) and "Last payments" not in text(home)
