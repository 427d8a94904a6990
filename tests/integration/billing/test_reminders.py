"""Payment reminders through billing's API and its sweep, on SQLite and PostgreSQL: a
simulated month, swept twice a day, sends each step of the schedule once for an unpaid
invoice, and none for a paid (or paid and refunded in part), void or being-paid invoice,
a customer left out, or an org whose reminders are off; a step whose day came before the
invoice was issued is skipped."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from services.billing.bootstrap import SPEC
from services.billing.handlers import reminders
from services.chassis.tables import events
from tests.helpers.problems import problem
from tests.helpers.tokens import bearer
from tests.integration.billing.test_statement import ORG, Billing

TODAY = datetime.now(timezone.utc).date()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


@pytest.fixture
def world(make_runtime, db_kind):
    rt = make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1")
    return rt, Billing(rt)


def sent(rt) -> list[tuple[str, int]]:
    with rt.engine.connect() as conn:
        rows = conn.execute(select(events.c.stream_id, events.c.data).where(events.c.type == "ReminderSent")
                            .order_by(events.c.position)).all()
    return [(r.stream_id, r.data["days_from_due"]) for r in rows]


def test_a_month_of_sweeps_sends_each_step_once_and_only_where_owed(world):
    rt, billing = world
    assert billing.client.put(f"/orgs/{ORG}/reminders", headers=billing.staff,
                              json={"enabled": True, "days": [-3, 0, 7, 14]}).status_code == 200
    unpaid = billing.invoice(10000, due=day(5))
    paid = billing.invoice(20000, due=day(5))
    billing.pay(paid, 20000)
    refunded = billing.invoice(58500, due=day(5))
    billing.refund(billing.pay(refunded, 58500), 8500)     # money back: the invoice stays paid, nothing to remind
    voided = billing.invoice(3000, due=day(5))
    billing.post(f"/invoices/{voided['invoice_id']}/void", {"reason": "Sent twice"})
    left_out = billing.invoice(4000, customer_id="cust-2", due=day(5))
    assert billing.client.put(f"/orgs/{ORG}/customers/cust-2/reminders", headers=billing.staff,
                              json={"enabled": False}).status_code == 200
    being_paid = billing.invoice(6000, due=day(5))
    paying = bearer("contact", ORG, id="contact-1", customer_id="cust-1", permissions=("view", "pay"),
                    modules=("invoices", "payments"), ttl_s=3600)
    assert billing.client.post(f"/orgs/{ORG}/customers/cust-1/payments", headers=paying, json={
        "invoices": [{"invoice_id": being_paid["invoice_id"]}], "method": "bank_debit",
        "return_url": "http://portal.test/"}).status_code == 201
    backdated = billing.invoice(7000, due=day(-10))        # its 7-day step fell before it was issued

    for offset in range(0, 40):
        for _ in range(2):                                  # two sweeps a day: nothing twice
            reminders.sweep(rt, today=TODAY + timedelta(days=offset))

    got = sent(rt)
    assert [step for invoice, step in got if invoice == unpaid["invoice_id"]] == [-3, 0, 7, 14]
    assert [step for invoice, step in got if invoice == backdated["invoice_id"]] == [14]
    assert not {paid["invoice_id"], refunded["invoice_id"], voided["invoice_id"], left_out["invoice_id"],
                being_paid["invoice_id"]} & {invoice for invoice, _ in got}
    with rt.engine.connect() as conn:
        data = conn.execute(select(events.c.data).where(events.c.type == "ReminderSent")).first().data
    assert data["amount_due_minor"] == 10000 and data["number"] == unpaid["number"] and data["due_date"] == day(5)


def test_reminders_are_off_until_staff_turn_them_on_and_bad_days_are_refused(world):
    rt, billing = world
    billing.invoice(10000, due=day(-1))
    shown = billing.client.get(f"/orgs/{ORG}/reminders", headers=billing.staff).get_json()
    assert (shown["enabled"], shown["days"]) == (False, [-3, 0, 7, 14])
    reminders.sweep(rt, today=TODAY)
    assert sent(rt) == []
    bad = billing.client.put(f"/orgs/{ORG}/reminders", headers=billing.staff, json={"enabled": True, "days": [5]})
    assert problem(bad, 422)["errors"]["json"]["days"]
    agent = bearer("staff", ORG, id="staff-2", role="agent", ttl_s=600)
    assert billing.client.put(f"/orgs/{ORG}/reminders", headers=agent,
                              json={"enabled": True, "days": [0]}).status_code == 403
    billing.client.put(f"/orgs/{ORG}/customers/cust-9/reminders", headers=billing.staff, json={"enabled": False})
    left_out = billing.client.get(f"/orgs/{ORG}/reminders", headers=billing.staff).get_json()["customers_left_out"]
    assert [c["customer_id"] for c in left_out] == ["cust-9"]
    billing.client.put(f"/orgs/{ORG}/customers/cust-9/reminders", headers=billing.staff, json={"enabled": True})
    assert billing.client.get(f"/orgs/{ORG}/reminders", headers=billing.staff).get_json()["customers_left_out"] == []
