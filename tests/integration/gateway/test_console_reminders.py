"""The console's "Payment reminders" page on the real billing service: an owner turns
reminders on for chosen days, leaves a customer out and takes it back; choosing no day is
said in words; agents are refused."""
from __future__ import annotations

from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import text
from tests.integration.gateway.test_console_gateways import staff


def test_an_owner_sets_the_schedule_and_leaves_a_customer_out(world, app):
    org, customer = world.org["org_id"], world.customer
    owner = staff(world, app, world.sam)
    page = owner.get("/console/reminders")
    assert page.status_code == 200
    words = text(page)
    assert "3 days before the due date" in words and "On the due date" in words and "7 days after the due date" in words
    saved = owner.send("/console/reminders", {"enabled": "y", "days": ["-3", "0", "14"]})
    assert saved.status_code == 302 and "Payment reminders are on." in text(owner.get("/console/reminders"))
    assert (billing_backend.reminders(org)["enabled"], billing_backend.reminders(org)["days"]) == (True, [-3, 0, 14])

    assert owner.send("/console/reminders/customers", {"customer_id": customer["customer_id"]}).status_code == 302
    page = text(owner.get("/console/reminders"))
    assert f"{customer['name']} gets no payment reminders now." in page
    assert f"Send {customer['name']} reminders again" in page
    owner.send(f"/console/reminders/customers/{customer['customer_id']}/on", {})
    assert billing_backend.reminders(org)["customers_left_out"] == []

    none = owner.send("/console/reminders", {"enabled": "y"})
    assert none.status_code == 422 and "Choose at least one day to send reminders on." in text(none)
    assert billing_backend.reminders(org)["days"] == [-3, 0, 14]


def test_agents_cannot_open_the_page(world, app):
    agent = staff(world, app, world.ada)
    assert agent.get("/console/reminders").status_code == 403
