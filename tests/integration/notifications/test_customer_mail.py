"""Mail to customers from billing's events, through a real SMTP listener, on SQLite and
PostgreSQL: the contact who paid gets the receipt (and a failed payment's notice), in their
language, with a link into the portal; a forwarded invoice reaches its recipient as a link;
a redelivered event sends nothing twice; staff payments and opted-out contacts get nothing."""
from __future__ import annotations

import uuid

import pytest

from services.chassis.events import Event
from services.notifications import bootstrap
from services.notifications.handlers import customer_mail
from services.notifications.bootstrap import SPEC
from tests.integration.notifications.test_email import send_all
from tests.integration.notifications.test_webhooks import org_created
from tests.helpers.smtp import Inbox

INVOICE = "inv-1"


@pytest.fixture
def inbox():
    box = Inbox().start()
    yield box
    box.stop()


@pytest.fixture
def env(make_runtime, db_kind, monkeypatch):
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://{host}")
    rt = make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1")
    org_id = str(uuid.uuid4())
    created = org_created(org_id)
    created.data["host"] = "portal.acme.test"
    deliver(rt, "identity", created)
    return rt, org_id


def deliver(rt, service: str, event: Event, twice: bool = False) -> None:
    """What the consumer runner does with one incoming event (`twice`: the mail handler runs
    again for the same event, as a replay past the consumer's own dedupe would)."""
    runs = [bootstrap.subscriptions()[f"portal.{service}.v1"][event.type]]
    if twice:
        runs += [h for h in bootstrap.EVENT_HANDLERS[f"portal.{service}.v1"][event.type] if h.__module__ == customer_mail.__name__]
    for handler in runs:
        with rt.store.unit_of_work() as uow:
            handler(event, uow)
            uow.commit()


def event(org_id, type_, aggregate, data, actor=None) -> Event:
    return Event(type=type_, org_id=org_id, aggregate_type=aggregate, aggregate_id=str(uuid.uuid4()),
                 aggregate_version=1, data=data, actor=actor or {"kind": "system", "id": None})


def contact(rt, org_id, contact_id="c-1", email="sam@bolt.test", language=None, notify=None):
    deliver(rt, "identity", event(org_id, "ContactAdded", "Contact", {
        "contact_id": contact_id, "customer_id": "cust-1", "email": email, "name": "Sam Buyer",
        "permissions": ["view", "pay"]}))
    if language or notify:
        deliver(rt, "identity", event(org_id, "ProfileUpdated", "Contact", {
            "contact_id": contact_id, "customer_id": "cust-1", "changed": ["language"], "name": "Sam Buyer",
            "email": email, "phone": None, "language": language or "en", "address": {},
            "notify": notify or {}}))


def issued(rt, org_id, number="INV-000123", invoice_id=INVOICE):
    deliver(rt, "billing", event(org_id, "InvoiceIssued", "Invoice", {
        "invoice_id": invoice_id, "customer_id": "cust-1", "number": number, "currency": "EUR",
        "total_minor": 123456, "tax_minor": 0, "due_date": None, "issued_at": "2026-11-30T10:00:00+00:00",
        "external_ref": None}))


def payment(rt, org_id, outcome, by=("contact", "c-1"), payment_id="pay-1", twice=False, **extra):
    base = {"payment_id": payment_id, "customer_id": "cust-1", "amount_minor": 123456, "currency": "EUR",
            "gateway": "simulated", "allocations": [{"invoice_id": INVOICE, "amount_minor": 123456}]}
    deliver(rt, "billing", event(org_id, "PaymentInitiated", "Payment", base, actor={"kind": by[0], "id": by[1]}))
    deliver(rt, "billing", event(org_id, outcome, "Payment", {**base, "gateway_reference": "sim_1", **extra}),
            twice=twice)


def test_the_payer_gets_one_receipt_with_a_portal_link_in_their_language(env, inbox):
    rt, org_id = env
    issued(rt, org_id)                                                    # before the contacts: no invoice mail
    contact(rt, org_id, language="de")
    contact(rt, org_id, contact_id="c-2", email="other@bolt.test")        # same customer, did not pay
    payment(rt, org_id, "PaymentSettled", twice=True)
    send_all(rt, inbox)
    [mail] = inbox.messages
    assert mail["To"] == "Sam Buyer <sam@bolt.test>" and mail["Subject"] == "Beleg für Ihre Zahlung an Acme"
    text = mail.get_body(("plain",)).get_content()
    assert "1.234,56\xa0€" in text and "INV-000123" in text
    assert "https://portal.acme.test/payments/pay-1" in text


def test_a_failed_payment_tells_the_payer_how_to_pay_again(env, inbox):
    rt, org_id = env
    issued(rt, org_id)
    contact(rt, org_id)
    payment(rt, org_id, "PaymentFailed", reason="insufficient_funds", message="The bank declined the debit.")
    send_all(rt, inbox)
    [mail] = inbox.messages
    text = mail.get_body(("plain",)).get_content()
    assert mail["Subject"] == "Your payment for INV-000123 did not go through"
    assert "The bank declined the debit." in text and f"https://portal.acme.test/invoices/{INVOICE}" in text


def test_no_receipt_for_a_staff_payment_or_a_contact_who_opted_out(env, inbox):
    rt, org_id = env
    issued(rt, org_id)
    contact(rt, org_id, notify={"payments": False})
    payment(rt, org_id, "PaymentSettled")                                  # the contact opted out
    payment(rt, org_id, "PaymentSettled", by=("staff", "s-1"), payment_id="pay-2")   # offline, by staff
    send_all(rt, inbox)
    assert inbox.messages == []


def test_a_new_invoice_is_mailed_to_the_contacts_who_keep_invoice_mail_on_once(env, inbox):
    rt, org_id = env
    contact(rt, org_id, language="de")
    contact(rt, org_id, contact_id="c-2", email="other@bolt.test", notify={"invoices": False})
    issued(rt, org_id)
    issued(rt, org_id)                                                    # redelivered: no second mail
    send_all(rt, inbox)
    [mail] = inbox.messages
    assert mail["To"] == "Sam Buyer <sam@bolt.test>" and mail["Subject"] == "Rechnung INV-000123 von Acme"
    text = mail.get_body(("plain",)).get_content()
    assert "1.234,56\xa0€" in text and "Fälligkeit: bei Erhalt" in text
    html = mail.get_body(("html",)).get_content()
    assert f'href="https://portal.acme.test/invoices/{INVOICE}"' in html and "List-Unsubscribe" in mail


def test_a_payment_reminder_links_straight_to_paying_once_per_step(env, inbox):
    rt, org_id = env
    contact(rt, org_id)
    contact(rt, org_id, contact_id="c-2", email="other@bolt.test", notify={"invoices": False})
    for days, twice in ((-3, True), (7, False)):
        deliver(rt, "billing", event(org_id, "ReminderSent", "Invoice", {
            "invoice_id": INVOICE, "customer_id": "cust-1", "number": "INV-000123", "currency": "EUR",
            "amount_due_minor": 50000, "due_date": "2026-12-20", "days_from_due": days}), twice=twice)
    send_all(rt, inbox)
    before, after = inbox.messages
    assert before["To"] == "Sam Buyer <sam@bolt.test>" and before["Subject"] == "Reminder: invoice INV-000123 is due in 3 days"
    assert after["Subject"] == "Reminder: invoice INV-000123 is 7 days overdue"
    text = after.get_body(("plain",)).get_content()
    assert "€500.00 is 7 days overdue (due date 20 Dec 2026)" in text
    html = after.get_body(("html",)).get_content()
    assert f'href="https://portal.acme.test/invoices/{INVOICE}#pay"' in html and "List-Unsubscribe" in after


def test_a_mail_arrives_in_the_businesss_look_with_one_button_and_its_text_kept(env, inbox):
    from html.parser import HTMLParser
    rt, org_id = env
    deliver(rt, "identity", event(org_id, "PortalSettingsChanged", "Organization", {
        "settings": {"brand_colour": "#0f766e", "logo": "abc123"}, "changed": ["brand_colour", "logo"]}))
    contact(rt, org_id)
    issued(rt, org_id)
    send_all(rt, inbox)
    [mail] = inbox.messages
    html = mail.get_body(("html",)).get_content()

    class Seen(HTMLParser):
        def __init__(self):
            super().__init__()
            self.links, self.images, self.viewport = [], [], False

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "a":
                self.links.append(a)
            if tag == "img":
                self.images.append(a)
            if tag == "meta" and a.get("name") == "viewport":
                self.viewport = True
    seen = Seen()
    seen.feed(html)
    invoice_url = f"https://portal.acme.test/invoices/{INVOICE}"
    [button] = [a for a in seen.links if "button" in (a.get("class") or "")]
    assert button["href"] == invoice_url and "background-color: #0f766e" in button["style"]
    assert ">View and pay the invoice</a>" in html and "background-color: #0f766e" in html.split('class="header"')[1][:400]
    assert [i["src"] for i in seen.images] == ["https://portal.acme.test/brand/logo?v=abc123"]
    assert seen.viewport and "max-width: 600px" in html and "@media (max-width: 620px)" in html
    assert ">Unsubscribe</a>" in html.split('class="footer"')[1].split("</td>")[0]       # inside the card
    text = mail.get_body(("plain",)).get_content()
    assert "<" not in text and f"See it and pay it in the portal: {invoice_url}" in text


def test_a_forwarded_invoice_reaches_its_recipient_as_a_link(env, inbox):
    rt, org_id = env
    issued(rt, org_id)
    contact(rt, org_id)
    forwarded = event(org_id, "InvoiceForwarded", "Invoice", {
        "invoice_id": INVOICE, "customer_id": "cust-1", "contact_id": "c-1", "recipient_email": "ap@bolt.test"},
        actor={"kind": "contact", "id": "c-1"})
    deliver(rt, "billing", forwarded, twice=True)
    send_all(rt, inbox)
    [mail] = inbox.messages
    assert mail["To"] == "ap@bolt.test" and mail["Subject"] == "Sam Buyer shared invoice INV-000123 with you"
    assert not [part for part in mail.walk() if part.get_content_disposition() == "attachment"]
    assert f"https://portal.acme.test/invoices/{INVOICE}" in mail.get_body(("plain",)).get_content()


def test_a_staff_comment_shown_in_the_portal_reaches_the_customers_contacts_but_a_note_never(env, inbox):
    rt, org_id = env
    issued(rt, org_id)                                                    # before the contacts: no invoice mail
    contact(rt, org_id)
    contact(rt, org_id, contact_id="c-2", email="quiet@bolt.test", notify={"invoices": False})
    base = {"invoice_id": INVOICE, "customer_id": "cust-1", "invoice_number": "INV-000123",
            "portal_path": f"/invoices/{INVOICE}"}
    for visible, author, body in ((False, "staff", "Internal: chase them"), (True, "contact", "Can you check?"),
                                  (True, "staff", "We applied your discount.")):
        deliver(rt, "billing", event(org_id, "CommentPosted", "Invoice", {
            **base, "comment_id": str(uuid.uuid4()), "author_kind": author, "author_id": "x", "author_name": None,
            "body": body, "visible_to_customer": visible}, actor={"kind": author, "id": "x"}), twice=True)
    send_all(rt, inbox)
    [mail] = inbox.messages
    text = mail.get_body(("plain",)).get_content()
    assert mail["To"] == "Sam Buyer <sam@bolt.test>" and "We applied your discount." in text
    assert "Internal" not in text and f"https://portal.acme.test/invoices/{INVOICE}" in text


def test_every_mail_of_an_org_in_test_mode_says_so_and_none_once_it_is_live(env, inbox):
    rt, org_id = env

    def settings(test_mode: bool) -> None:
        deliver(rt, "identity", event(org_id, "PortalSettingsChanged", "Organization", {
            "settings": {"test_mode": test_mode}, "changed": ["test_mode"]}))

    settings(True)
    contact(rt, org_id)
    issued(rt, org_id, number="INV-000001")
    send_all(rt, inbox)
    settings(False)
    issued(rt, org_id, number="INV-000002", invoice_id="inv-2")
    send_all(rt, inbox)
    testing, live = inbox.messages
    notice = "Test mode: payments here are simulated and no money moves."
    assert testing.get_body(("plain",)).get_content().startswith(notice)
    html = testing.get_body(("html",)).get_content()
    assert notice in html.split('class="header"')[1].split('class="body"')[0]      # right under the header
    assert "INV-000001" in testing.get_body(("plain",)).get_content()
    assert "Test mode" not in live.get_body(("plain",)).get_content()
    assert "Test mode" not in live.get_body(("html",)).get_content()
