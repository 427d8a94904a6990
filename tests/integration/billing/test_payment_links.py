"""Payment links through billing's HTTP API and the simulated gateway, on SQLite and
PostgreSQL: staff and API keys make one link per invoice (asking again answers it, rotating
replaces it), only the token's hash is stored, a token that is unknown, expired, rotated or
of another org is the same 404, paying by link goes through the portal's duplicate-payment
guard, and PaymentLinkCreated is in the outbox without the token."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select, update

from services.billing.app import create_app
from services.billing.bootstrap import SPEC
from services.billing.tables import payment_link_payments, payment_links
from services.chassis.orgs import known_orgs
from services.chassis.tables import events
from tests.helpers.problems import problem
from tests.helpers.tokens import bearer

ORG, OTHER_ORG = "org-acme", "org-other"
LINE = {"description": "Consulting", "quantity": "1", "unit_price_minor": 12000, "tax_rate": "0"}


class Billing:
    def __init__(self, rt):
        self.rt, self.app = rt, create_app(rt.config)
        self.client = self.app.test_client()
        self.staff = bearer("staff", ORG, id="staff-1", ttl_s=3600)
        with rt.engine.begin() as conn:
            conn.execute(insert(known_orgs).values(org_id=ORG, name="Acme Trading", host=None,
                                                   settings={"modules": ["invoices", "payments"]}))

    def invoice(self, customer_id="cust-1", org_id=ORG, headers=None):
        answer = self.client.post(f"/orgs/{org_id}/invoices", headers=headers or self.staff, json={
            "customer_id": customer_id, "currency": "EUR", "lines": [LINE], "issue": True,
            "due_date": "2099-01-31"})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def make_link(self, invoice_id, headers=None, org_id=ORG, **body):
        return self.client.post(f"/orgs/{org_id}/invoices/{invoice_id}/payment-link", headers=headers or self.staff,
                                json={"link_base": "https://pay.acme.test", **body})

    def token(self, invoice_id, **body) -> str:
        answer = self.make_link(invoice_id, **body)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["path"].rsplit("/", 1)[1]

    def summary(self, token, org_id=ORG):
        return self.client.get(f"/orgs/{org_id}/payment-links/{token}")

    def pay(self, token, method="card", email=None, org_id=ORG):
        return self.client.post(f"/orgs/{org_id}/payment-links/{token}/payments",
                                json={"method": method, **({"email": email} if email else {})})

    def portal_pay(self, invoice_id, customer_id="cust-1"):
        contact = bearer("contact", ORG, id="contact-1", customer_id=customer_id, permissions=("view", "pay"),
                         modules=("invoices", "payments"), ttl_s=3600)
        return self.client.post(f"/orgs/{ORG}/customers/{customer_id}/payments", headers=contact, json={
            "invoices": [{"invoice_id": invoice_id}], "method": "card", "return_url": "https://portal.example/invoices"})

    def staff_invoice(self, invoice_id):
        return self.client.get(f"/orgs/{ORG}/invoices/{invoice_id}", headers=self.staff).get_json()

    def rows(self, table):
        with self.rt.engine.connect() as conn:
            return conn.execute(select(table)).all()


@pytest.fixture
def billing(make_runtime, db_kind):
    return Billing(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


def test_asking_again_answers_the_live_link_and_rotating_replaces_it(billing):
    inv = billing.invoice()
    first = billing.make_link(inv["invoice_id"])
    assert first.status_code == 201, first.get_json()
    made = first.get_json()
    assert made["created"] is True and made["url"] == "https://pay.acme.test" + made["path"]
    token = made["path"].removeprefix("/pay/")
    assert len(token) >= 43

    again = billing.make_link(inv["invoice_id"])
    assert again.status_code == 200
    assert again.get_json()["payment_link_id"] == made["payment_link_id"]
    assert again.get_json()["created"] is False and again.get_json()["url"] is None
    shown = billing.client.get(f"/orgs/{ORG}/invoices/{inv['invoice_id']}/payment-link", headers=billing.staff)
    assert shown.get_json()["payment_link_id"] == made["payment_link_id"]

    rotated = billing.make_link(inv["invoice_id"], rotate=True)
    assert rotated.status_code == 201
    new_token = rotated.get_json()["path"].removeprefix("/pay/")
    assert new_token != token and rotated.get_json()["payment_link_id"] != made["payment_link_id"]
    gone = billing.summary(token)
    assert gone.status_code == 404 and gone.mimetype == "application/problem+json"
    assert billing.summary(new_token).status_code == 200

    # an API key with the invoices scope makes links too (and gets the live one)
    key = bearer("api_key", ORG, id="key-1", modules=("invoices",), ttl_s=3600)
    assert billing.make_link(inv["invoice_id"], headers=key).get_json()["payment_link_id"] == \
        rotated.get_json()["payment_link_id"]
    contact = bearer("contact", ORG, id="c-1", customer_id="cust-1", permissions=("view", "pay"),
                     modules=("invoices",), ttl_s=3600)
    assert billing.make_link(inv["invoice_id"], headers=contact).status_code == 403


def test_only_the_hash_of_the_token_is_stored_and_the_event_carries_neither(billing):
    inv = billing.invoice()
    token = billing.token(inv["invoice_id"])
    rows = billing.rows(payment_links)
    assert [r.token_hash for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
    with billing.rt.engine.connect() as conn:
        everything = json.dumps([dict(r._mapping) for r in conn.execute(select(events)).all()], default=str)
        created = conn.execute(select(events).where(events.c.type == "PaymentLinkCreated")).all()
    assert token not in everything and rows[0].token_hash not in everything
    assert len(created) == 1
    data = created[0].data
    assert data["invoice_ids"] == [inv["invoice_id"]] and data["customer_id"] == "cust-1"
    assert data["amount_minor"] == 12000 and data["currency"] == "EUR"
    assert data["payment_link_id"] == rows[0].payment_link_id and created[0].stream_type == "PaymentLink"
    expires = datetime.fromisoformat(data["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(timezone.utc) <= timedelta(days=30)


def test_the_summary_shows_this_invoice_only_and_no_contact_data(billing):
    inv = billing.invoice()
    billing.invoice()                                   # another invoice of the same customer
    token = billing.token(inv["invoice_id"])
    answer = billing.summary(token)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["org_name"] == "Acme Trading" and body["nothing_to_pay"] is False
    assert body["invoice"] == {"number": inv["number"], "currency": "EUR", "total_minor": 12000,
                               "amount_paid_minor": 0, "amount_due_minor": 12000, "due_date": "2099-01-31",
                               "issued_at": inv["issued_at"], "status": "sent"}
    assert "cust-1" not in json.dumps(body) and inv["invoice_id"] not in json.dumps(body)


def test_an_expired_unknown_or_other_orgs_token_is_the_same_404(billing):
    inv = billing.invoice()
    token = billing.token(inv["invoice_id"])
    with billing.rt.engine.begin() as conn:
        conn.execute(insert(known_orgs).values(org_id=OTHER_ORG, name="Other", host=None, settings={}))
    answers = [billing.summary(token, org_id=OTHER_ORG), billing.summary("x" * 43), billing.summary("y" * 500),
               billing.pay(token, org_id=OTHER_ORG)]
    with billing.rt.engine.begin() as conn:
        conn.execute(update(payment_links).values(expires_at="2020-01-01T00:00:00+00:00"))
    answers += [billing.summary(token), billing.pay(token)]
    assert [a.status_code for a in answers] == [404] * 6
    assert len({problem(a, 404)["detail"] for a in answers}) == 1

    # an expired link is replaced by asking again (no rotate needed)
    assert billing.make_link(inv["invoice_id"]).status_code == 201


def test_another_orgs_invoice_is_not_found_and_a_draft_gets_no_link(billing):
    inv = billing.invoice()
    other_staff = bearer("staff", OTHER_ORG, id="staff-9", ttl_s=3600)
    answer = billing.make_link(inv["invoice_id"], headers=other_staff, org_id=OTHER_ORG)
    assert answer.status_code == 404
    draft = billing.client.post(f"/orgs/{ORG}/invoices", headers=billing.staff, json={
        "customer_id": "cust-1", "currency": "EUR", "lines": [LINE]}).get_json()
    refused = billing.make_link(draft["invoice_id"])
    assert "issue the invoice first" in problem(refused, 422)["detail"]
    assert billing.rows(payment_links) == []


def test_paying_by_link_settles_the_invoice_with_the_simulated_gateway(billing):
    inv = billing.invoice()
    token = billing.token(inv["invoice_id"])
    answer = billing.pay(token, email="payer@example.test")
    assert answer.status_code == 201, answer.get_json()
    payment = answer.get_json()
    assert payment["status"] == "settled" and payment["amount_minor"] == 12000
    assert payment["invoice_number"] == inv["number"]
    assert billing.staff_invoice(inv["invoice_id"])["status"] == "paid"
    followed = billing.client.get(f"/orgs/{ORG}/payment-links/{token}/payments/{payment['payment_id']}")
    assert followed.get_json()["status"] == "settled"
    assert [(r.payment_id, r.payer_email) for r in billing.rows(payment_link_payments)] == \
        [(payment["payment_id"], "payer@example.test")]

    # paid in full: the link still opens, and says there is nothing to pay
    body = billing.summary(token).get_json()
    assert body["nothing_to_pay"] is True and body["invoice"]["status"] == "paid"
    again = billing.pay(token)
    assert "already paid" in problem(again, 422)["detail"]


def test_a_pending_bank_debit_by_link_blocks_paying_again_by_link_and_in_the_portal(billing):
    inv = billing.invoice()
    token = billing.token(inv["invoice_id"])
    debit = billing.pay(token, method="bank_debit")
    assert debit.status_code == 201 and debit.get_json()["status"] == "pending"
    assert "still being processed" in billing.summary(token).get_json()["payment_in_progress"]

    by_link = billing.pay(token, method="card")
    assert "still being processed" in problem(by_link, 409)["detail"]
    in_portal = billing.portal_pay(inv["invoice_id"])
    assert "still being processed" in problem(in_portal, 409)["detail"]

    # someone else's payment is not followed through the link
    other = billing.invoice()
    paid = billing.portal_pay(other["invoice_id"]).get_json()
    assert billing.client.get(f"/orgs/{ORG}/payment-links/{token}/payments/{paid['payment_id']}").status_code == 404


def test_a_voided_invoice_shows_nothing_to_pay_and_a_saved_method_is_refused(billing):
    inv = billing.invoice()
    token = billing.token(inv["invoice_id"])
    assert billing.pay(token, method="saved:abc").status_code == 422
    billing.client.post(f"/orgs/{ORG}/invoices/{inv['invoice_id']}/void", headers=billing.staff, json={})
    body = billing.summary(token).get_json()
    assert body["nothing_to_pay"] is True and body["invoice"]["status"] == "void"
    assert billing.pay(token).status_code == 422
    # nothing due and no live link: none is made
    assert billing.make_link(inv["invoice_id"], rotate=True).status_code == 422
    assert billing.summary(token).status_code == 200          # the refused rotation revoked nothing
