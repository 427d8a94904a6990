"""Mail to payment-link payers from billing's events, through a real SMTP listener, on SQLite
and PostgreSQL: someone who paid by link without signing in and typed an address gets one
receipt (a redelivered event sends nothing twice) or the failure notice there, greeting them
by name (the one billing gives) or with a plain "Hello,", never by their address (the link
is the portal's: the payment link's page is its token, which no event carries); no
address, no mail; an address on a contact's payment adds no second receipt."""
from __future__ import annotations

import uuid


from services.chassis.events import Event
from services.notifications import bootstrap
from services.notifications.handlers import link_payers
from services.notifications.bootstrap import SPEC
from tests.integration.notifications.test_customer_mail import env, inbox  # noqa: F401 (fixtures: an org on portal.acme.test, SMTP)
from tests.integration.notifications.test_email import send_all

INVOICE = "inv-1"
STRANGER = {"kind": "system", "id": None}          # billing's actor for a payer not signed in


def deliver(rt, service: str, event: Event, twice: bool = False) -> None:
    """What the consumer runner does with one incoming event (`twice`: the link payers'
    handler runs again for the same event, as a replay past the consumer's own dedupe would)."""
    runs = [bootstrap.subscriptions()[f"portal.{service}.v1"][event.type]]
    if twice:
        runs += [h for h in bootstrap.EVENT_HANDLERS[f"portal.{service}.v1"][event.type] if h.__module__ == link_payers.__name__]
    for handler in runs:
        with rt.store.unit_of_work() as uow:
            handler(event, uow)
            uow.commit()


def event(org_id, type_, aggregate, data, actor=STRANGER) -> Event:
    return Event(type=type_, org_id=org_id, aggregate_type=aggregate, aggregate_id=str(uuid.uuid4()),
                 aggregate_version=1, data=data, actor=actor)


def issued(rt, org_id):
    deliver(rt, "billing", event(org_id, "InvoiceIssued", "Invoice", {
        "invoice_id": INVOICE, "customer_id": "cust-1", "number": "INV-000123", "currency": "EUR",
        "total_minor": 123456, "tax_minor": 0, "due_date": None, "issued_at": "2026-11-30T10:00:00+00:00",
        "external_ref": None}))


def paid(rt, org_id, outcome, payer_email="payer@example.test", actor=STRANGER, twice=False, payer=None, **extra):
    """`payer`: what billing says beside the address (payer_name); by default nothing more."""
    base = {"payment_id": "pay-1", "customer_id": "cust-1", "amount_minor": 123456, "currency": "EUR",
            "gateway": "simulated", "allocations": [{"invoice_id": INVOICE, "amount_minor": 123456}]}
    payer = payer or {}
    started = {**base, "method": "card", **({"payer_email": payer_email, **payer} if payer_email else {})}
    deliver(rt, "billing", event(org_id, "PaymentInitiated", "Payment", started, actor=actor))
    deliver(rt, "billing", event(org_id, outcome, "Payment", {**base, "gateway_reference": "sim_1", **extra},
                                 actor=actor), twice=twice)


def test_a_link_payer_gets_one_receipt_even_when_the_event_comes_twice(env, inbox):  # noqa: F811
    rt, org_id = env
    issued(rt, org_id)
    paid(rt, org_id, "PaymentSettled", twice=True)
    send_all(rt, inbox)
    [mail] = inbox.messages
    assert mail["To"] == "payer@example.test" and mail["Subject"] == "Receipt for your payment to Acme"
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "€1,234.56" in text and "INV-000123" in text
    assert "Your receipt: https://portal.acme.test/receipts/pay-1\n" in text
    assert text.startswith("Hello,\n") and "payer" not in text.split("\n")[0]       # no name: never the address's


def test_the_receipt_greets_the_payer_by_the_name_billing_gives(env, inbox):  # noqa: F811
    rt, org_id = env
    issued(rt, org_id)
    paid(rt, org_id, "PaymentSettled", payer_email="gina@example.test",
         payer={"payer_name": "Gina Rossi"})
    send_all(rt, inbox)
    [mail] = inbox.messages
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Hello Gina Rossi,\n") and "Hello gina" not in text


def test_a_failed_link_payment_tells_the_payer_to_use_their_link_again(env, inbox):  # noqa: F811
    rt, org_id = env
    issued(rt, org_id)
    paid(rt, org_id, "PaymentFailed", twice=True, reason="card_declined", message="The card was declined.")
    send_all(rt, inbox)
    [mail] = inbox.messages
    assert mail["To"] == "payer@example.test"
    assert mail["Subject"] == "Your payment for INV-000123 did not go through"
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "The card was declined." in text and "To try again, open the payment link you were sent." in text


def test_no_mail_when_the_link_payer_gave_no_address(env, inbox):  # noqa: F811
    rt, org_id = env
    issued(rt, org_id)
    paid(rt, org_id, "PaymentSettled", payer_email=None)
    send_all(rt, inbox)
    assert inbox.messages == []


def test_a_contacts_payment_gets_one_receipt_at_the_contacts_address_even_with_an_address(env, inbox):  # noqa: F811
    rt, org_id = env
    issued(rt, org_id)                                                    # before the contact: no invoice mail
    deliver(rt, "identity", event(org_id, "ContactAdded", "Contact", {
        "contact_id": "c-1", "customer_id": "cust-1", "email": "sam@bolt.test", "name": "Sam Buyer",
        "permissions": ["view", "pay"]}))
    paid(rt, org_id, "PaymentSettled", payer_email="typed@example.test", actor={"kind": "contact", "id": "c-1"})
    send_all(rt, inbox)
    assert [m["To"] for m in inbox.messages] == ["Sam Buyer <sam@bolt.test>"]
