"""A forwarded document or invoice, from the contract events, through a real SMTP listener on
SQLite and PostgreSQL: the recipient gets who sent it, the sender's own message (plain text,
escaped in the HTML part, an address in it never a link) and a real link to the page in the
portal, never the file; a redelivered event mails once."""
from __future__ import annotations

from contracts.catalogue import validate_data
from tests.integration.notifications.test_customer_mail import INVOICE, contact, deliver, env, event, inbox, issued
from tests.integration.notifications.test_email import send_all

__all__ = ["env", "inbox"]                  # the fixtures these tests use
DOCUMENT = "doc-7"
MESSAGE = "Can you sign this <b>by Friday</b>?\nThe old one is at https://files.evil.test/x & gone."


def forwarded(org_id, type_, aggregate, data):
    return event(org_id, type_, aggregate, validate_data(type_, data), actor={"kind": "contact", "id": "c-1"})


def document_forwarded(org_id, **changes):
    return forwarded(org_id, "DocumentForwarded", "Document", {
        "document_id": DOCUMENT, "customer_id": "cust-1", "contact_id": "c-1", "recipient_email": "legal@bolt.test",
        "title": "Service agreement 2027", "contact_name": "Sam B.", "message": MESSAGE, **changes})


def parts(mail) -> tuple[str, str]:
    """The text (its lines as written) and the HTML part."""
    return (mail.get_body(("plain",)).get_content().replace("\r\n", "\n"),
            mail.get_body(("html",)).get_content())


def test_a_forwarded_document_mails_its_recipient_the_message_and_a_link_to_its_page(env, inbox):
    rt, org_id = env
    deliver(rt, "documents", document_forwarded(org_id), twice=True)
    send_all(rt, inbox)
    [mail] = inbox.messages
    assert mail["To"] == "legal@bolt.test" and mail["Subject"] == "Sam B. shared Service agreement 2027 with you"
    assert not [part for part in mail.walk() if part.get_content_disposition() == "attachment"]
    text, html = parts(mail)
    link = f"https://portal.acme.test/documents/{DOCUMENT}"
    assert "Sam B. wrote:" in text and MESSAGE in text and link in text
    assert f'<a href="{link}">{link}</a>' in html
    assert "&lt;b&gt;by Friday&lt;/b&gt;?<br>The old one" in html and "<b>" not in html and "&amp; gone" in html
    assert 'href="https://files.evil.test' not in html            # the sender's text stays text


def test_without_a_message_or_a_name_the_mail_names_the_contact_and_says_no_more(env, inbox):
    rt, org_id = env
    contact(rt, org_id)
    deliver(rt, "documents", document_forwarded(org_id, contact_name=None, message=None))
    send_all(rt, inbox)
    [mail] = inbox.messages
    text, _ = parts(mail)
    assert mail["Subject"] == "Sam Buyer shared Service agreement 2027 with you" and "wrote:" not in text


def test_a_forwarded_invoice_carries_the_senders_message(env, inbox):
    rt, org_id = env
    issued(rt, org_id)                        # before the contact: no invoice mail here
    contact(rt, org_id)
    deliver(rt, "billing", forwarded(org_id, "InvoiceForwarded", "Invoice", {
        "invoice_id": INVOICE, "customer_id": "cust-1", "contact_id": "c-1", "recipient_email": "ap@bolt.test",
        "invoice_number": "INV-000123", "contact_name": "Sam Buyer", "message": "Please pay <this> one.",
        "portal_path": f"/invoices/{INVOICE}", "currency": "EUR", "total_minor": 123456}))
    send_all(rt, inbox)
    [mail] = inbox.messages
    text, html = parts(mail)
    link = f"https://portal.acme.test/invoices/{INVOICE}"
    assert "Sam Buyer wrote:" in text and "Please pay <this> one." in text
    assert "Please pay &lt;this&gt; one." in html and f'<a href="{link}">' in html
