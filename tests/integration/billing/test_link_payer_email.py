"""The receipt address of a payment-link payer in billing's PaymentInitiated, on SQLite and
PostgreSQL: a link payer who types an address finds it in the event (`payer_email`, as the
contract describes it), so notifications can mail them; a contact's payment and a link payer
who typed nothing put none there."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from contracts.catalogue import validate_data
from services.billing.bootstrap import SPEC
from services.chassis.tables import events
from tests.integration.billing.test_payment_links import ORG, Billing
from tests.helpers.tokens import bearer


@pytest.fixture
def billing(make_runtime, db_kind):
    return Billing(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


def initiated(billing, payment_id: str):
    with billing.rt.engine.connect() as conn:
        [row] = conn.execute(select(events.c.data, events.c.meta).where(
            events.c.type == "PaymentInitiated", events.c.stream_id == payment_id)).all()
    return row.data, row.meta["actor"]


def paid_by_link(billing, email=None, headers=None) -> str:
    token = billing.token(billing.invoice()["invoice_id"])
    answer = billing.client.post(f"/orgs/{ORG}/payment-links/{token}/payments", headers=headers or {},
                                 json={"method": "card", "email": email})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["payment_id"]


def test_a_link_payer_who_types_an_address_finds_it_in_payment_initiated(billing):
    payment_id = paid_by_link(billing, email="payer@example.test")
    data, actor = initiated(billing, payment_id)
    assert data["payer_email"] == "payer@example.test" and actor == {"kind": "system", "id": None}
    assert validate_data("PaymentInitiated", data)["payer_email"] == "payer@example.test"
    # a contact signed in while paying by link is not the payer: the link is (one receipt, to the address typed)
    signed_in = paid_by_link(billing, email="typed@example.test", headers=bearer(
        "contact", ORG, id="contact-1", customer_id="cust-1", permissions=("view", "pay"),
        modules=("invoices", "payments"), ttl_s=3600))
    data, actor = initiated(billing, signed_in)
    assert data["payer_email"] == "typed@example.test" and actor["kind"] == "system"


def test_no_payer_email_for_a_contacts_payment_or_a_link_payer_who_typed_none(billing):
    nobody = paid_by_link(billing)
    portal = billing.portal_pay(billing.invoice()["invoice_id"])
    assert portal.status_code == 201, portal.get_json()
    assert "payer_email" not in initiated(billing, nobody)[0]
    data, actor = initiated(billing, portal.get_json()["payment_id"])
    assert "payer_email" not in data and actor == {"kind": "contact", "id": "contact-1"}
