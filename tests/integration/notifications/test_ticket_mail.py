"""Mail about tickets and shared documents, from support's and documents' events through a
real SMTP listener, on SQLite and PostgreSQL: staff's reply reaches the ticket's contact once,
with a link to the ticket; the contact's own messages, another customer's contacts and
internal notes never make a mail; a shared document is announced to its customer's contacts
who keep document mail on, as a link."""
from __future__ import annotations

from tests.integration.notifications.test_customer_mail import contact, deliver, env, event, inbox  # noqa: F401 (fixtures)
from tests.integration.notifications.test_email import send_all

TICKET = "t-1"
NOTE = "Customer is difficult, be brief"


def raised(rt, org_id, contact_id="c-1"):
    deliver(rt, "support", event(org_id, "TicketRaised", "Ticket", {
        "ticket_id": TICKET, "customer_id": "cust-1", "contact_id": contact_id, "number": "T-000007",
        "subject": "Printer on fire", "priority": "high", "category": None, "raised_by": "contact",
        "portal_path": f"/tickets/{TICKET}"}))


def message(rt, org_id, author_kind, body, seq, twice=False):
    deliver(rt, "support", event(org_id, "TicketMessagePosted", "Ticket", {
        "message_id": f"m-{seq}", "ticket_id": TICKET, "customer_id": "cust-1", "author_kind": author_kind,
        "author_id": "s-1" if author_kind == "staff" else "c-1", "body": body, "attachments": 0, "seq": seq,
        "number": "T-000007", "subject": "Printer on fire", "excerpt": body[:200],
        "portal_path": f"/tickets/{TICKET}"}), twice=twice)


def test_staffs_reply_reaches_the_tickets_contact_once_and_nothing_else_does(env, inbox):  # noqa: F811
    rt, org_id = env
    contact(rt, org_id)
    contact(rt, org_id, contact_id="c-2", email="colleague@bolt.test")
    raised(rt, org_id)
    message(rt, org_id, "contact", "It is smoking", 1)
    message(rt, org_id, "staff", "We are on our way.\nKeep away from it.", 2, twice=True)
    deliver(rt, "support", event(org_id, "TicketNoteAdded", "Ticket", {
        "note_id": "n-1", "ticket_id": TICKET, "customer_id": "cust-1", "author_id": "s-1",
        "author_name": "Sam", "body": NOTE}))
    send_all(rt, inbox)
    [mail] = inbox.messages
    assert mail["To"] == "Sam Buyer <sam@bolt.test>" and mail["Subject"] == "[T-000007] Printer on fire"
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "We are on our way.\nKeep away from it." in text
    assert "https://portal.acme.test/tickets/t-1" in text
    assert all(NOTE not in str(m) for m in inbox.messages)


def test_a_contact_who_turned_ticket_mail_off_gets_none(env, inbox):  # noqa: F811
    rt, org_id = env
    contact(rt, org_id, notify={"tickets": False})
    raised(rt, org_id)
    message(rt, org_id, "staff", "Answer", 2)
    send_all(rt, inbox)
    assert inbox.messages == []


def test_a_ticket_raised_for_nobody_mails_nobody(env, inbox):  # noqa: F811
    rt, org_id = env
    contact(rt, org_id)
    deliver(rt, "support", event(org_id, "TicketRaised", "Ticket", {
        "ticket_id": TICKET, "customer_id": "cust-1", "contact_id": None, "number": "T-000007",
        "subject": "Noticed by staff", "priority": "normal", "category": None}))
    message(rt, org_id, "staff", "We fixed it", 1)
    send_all(rt, inbox)
    assert inbox.messages == []


def shared(rt, org_id, customer_id="cust-1"):
    deliver(rt, "documents", event(org_id, "DocumentShared", "Document", {
        "document_id": "d-1", "customer_id": customer_id, "kind": "contract", "title": "Service agreement 2027",
        "filename": "agreement.pdf", "content_type": "application/pdf", "size_bytes": 1234,
        "needs_approval": True, "external_ref": None}), twice=True)


def test_a_shared_document_is_announced_to_its_customers_contacts_with_a_link_never_the_file(env, inbox):  # noqa: F811
    rt, org_id = env
    contact(rt, org_id)
    contact(rt, org_id, contact_id="c-2", email="quiet@bolt.test", notify={"documents": False})
    shared(rt, org_id)
    shared(rt, org_id, customer_id="cust-other")                  # another customer's: none of ours
    send_all(rt, inbox)
    [mail] = inbox.messages
    assert mail["To"] == "Sam Buyer <sam@bolt.test>" and mail["Subject"] == "Acme shared Service agreement 2027 with you"
    assert "https://portal.acme.test/documents/d-1" in mail.get_body(("plain",)).get_content()
    assert not any(part.get_filename() for part in mail.walk())   # a link, no attachment
