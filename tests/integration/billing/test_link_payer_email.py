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


def test_the_receipt_mail_knows_whom_to_greet_and_never_the_links_token(billing):
    from services.billing.projections.customers import known_customers
    invoice_id = billing.invoice()["invoice_id"]
    token = billing.token(invoice_id)
    answer = billing.client.post(f"/orgs/{ORG}/payment-links/{token}/payments",
                                 json={"method": "card", "email": "gina@example.test", "name": " Gina Rossi "})
    data, _ = initiated(billing, answer.get_json()["payment_id"])
    assert data["payer_name"] == "Gina Rossi" and validate_data("PaymentInitiated", data)
    assert token not in str(data)                       # no token travels in an event
    # no name typed: the invoice's customer's, once billing knows it; nothing without an address
    with billing.rt.engine.begin() as conn:
        conn.execute(known_customers.insert().values(customer_id="cust-2", org_id=ORG, name="Globex Ltd",
                                                     email="ap@globex.test"))
    other = billing.token(billing.invoice("cust-2")["invoice_id"])
    paid = billing.client.post(f"/orgs/{ORG}/payment-links/{other}/payments",
                               json={"method": "card", "email": "ap@globex.test"}).get_json()
    assert initiated(billing, paid["payment_id"])[0]["payer_name"] == "Globex Ltd"
    silent = paid_by_link(billing)
    assert "payer_name" not in initiated(billing, silent)[0]


def test_the_link_gives_its_own_received_payments_receipt_and_no_other(billing):
    from tests.integration.billing.test_pdf import pdf_of, text
    invoice_id = billing.invoice()["invoice_id"]
    token = billing.token(invoice_id)
    paid = billing.pay(token, email="gina@example.test").get_json()
    assert paid["status"] == "settled"
    summary = billing.summary(token).get_json()
    assert [r["payment_id"] for r in summary["received"]] == [paid["payment_id"]]
    assert summary["received"][0]["amount_minor"] == 12000 and summary["received"][0]["settled_at"]
    receipt = billing.client.get(f"/orgs/{ORG}/payment-links/{token}/payments/{paid['payment_id']}/receipt.pdf")
    found = text(pdf_of(receipt, f"receipt-{paid['payment_id'][:8]}.pdf"))
    assert "120.00 EUR" in found and "RECEIPT" in found
    # the customer's payment in the portal, another link's payment, an unknown token: 404
    portal = billing.portal_pay(billing.invoice()["invoice_id"]).get_json()["payment_id"]
    elsewhere = billing.token(billing.invoice()["invoice_id"])
    theirs = billing.pay(elsewhere).get_json()["payment_id"]
    for token_, payment_id in ((token, portal), (token, theirs), ("not-a-token", paid["payment_id"]),
                               (elsewhere, paid["payment_id"])):
        answer = billing.client.get(f"/orgs/{ORG}/payment-links/{token_}/payments/{payment_id}/receipt.pdf")
        assert answer.status_code == 404, (token_, payment_id)
    assert billing.summary(elsewhere).get_json()["received"][0]["payment_id"] == theirs
    waiting = billing.token(billing.invoice()["invoice_id"])
    pending = billing.pay(waiting, method="bank_debit").get_json()
    assert pending["status"] == "pending" and billing.summary(waiting).get_json()["received"] == []
    assert billing.client.get(f"/orgs/{ORG}/payment-links/{waiting}/payments/{pending['payment_id']}"
                              "/receipt.pdf").status_code == 404                  # not received yet
