"""Mail to customers from other services' events: payment receipts and failures to the
contact who paid, a forwarded invoice or document to its recipient (with the sender's
message), a staff comment shown in the portal to the customer's contacts, staff's reply on a
ticket to its contact (mail about deliveries: delivery_mail.py). Each mail is queued in the
handler's own transaction under a key made of the event's id, so a redelivered or replayed
event never queues it twice (mail.enqueue_in).

notifications keeps what these mails need from the events themselves: the contacts (name,
address, language, mail preferences: identity's ContactAdded and ProfileUpdated), who
started each payment (billing's PaymentInitiated, made by a contact) and the invoices'
numbers (InvoiceIssued). Payment reminders (billing's ReminderSent) go to the contacts who
keep invoice mail on. A contact who switched off "payments" mail gets no receipt; a
payment recorded by staff (offline) has no contact to tell. Someone who paid through a
payment link without signing in is mailed by link_payers.py, at the address they typed.

Each mail is in its reader's language (a contact's own choice, else the org's default language,
else English: mail.recipient_locale), amounts and dates formatted for it (Babel), and the words
this service puts into a mail (a reminder's "is due in 3 days") from its catalogues. A contact
who chose no language is kept with the language "" (not chosen).

Which events run these handlers, and in what order: bootstrap.EVENT_HANDLERS."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, get_currency_precision
from sqlalchemy import select, update

from services.chassis.db import upsert_insert
from services.chassis.events import Event
from services.notifications.handlers import mail
from services.notifications.i18n import N_, mail_locale, words
from services.notifications.queries.links import portal_url
from services.notifications.tables import invoice_numbers, known_contacts, payment_payers, ticket_contacts


def _upsert(conn, table, key: str, values: dict) -> None:
    conn.execute(upsert_insert(conn, table).values(**values).on_conflict_do_update(
        index_elements=[key], set_={k: v for k, v in values.items() if k != key}))


# -- what the mails need, from the events -------------------------------------------------------
def on_contact_added(event: Event, uow) -> None:
    d = event.data
    _upsert(uow.conn, known_contacts, "contact_id", {
        "contact_id": d["contact_id"], "org_id": event.org_id, "customer_id": d["customer_id"],
        "email": d["email"], "name": d["name"], "language": d.get("language") or "", "notify": {}})


def on_profile_updated(event: Event, uow) -> None:
    d = event.data
    uow.conn.execute(update(known_contacts).where(known_contacts.c.contact_id == d["contact_id"]).values(
        email=d["email"], name=d["name"], language=d.get("language") or "", notify=d.get("notify") or {}))


def on_invoice_issued(event: Event, uow) -> None:
    """Keep the invoice's number (receipts name it), and mail the customer's contacts who
    keep "New invoices" mail on: the number, the amount in their language, the due date and
    a link to the invoice in the portal. Once per invoice and contact, however often the
    event comes."""
    d = event.data
    _upsert(uow.conn, invoice_numbers, "invoice_id", {
        "invoice_id": d["invoice_id"], "org_id": event.org_id, "number": d["number"]})
    link = portal_url(uow.conn, event.org_id, f"/invoices/{d['invoice_id']}")
    for reader in contacts_wanting(uow.conn, event.org_id, d["customer_id"], "invoices"):
        locale = reader_locale(uow.conn, event.org_id, reader)
        due = day(d["due_date"], locale) if d.get("due_date") else words(locale).gettext("on receipt")
        mail_contact(uow.conn, event.org_id, reader, "invoice_issued", {
            "invoice_number": d["number"], "amount": money(d["total_minor"], d["currency"], locale),
            "due_date": due, "link": link}, f"invoice-issued:{d['invoice_id']}:{reader.contact_id}")


def on_reminder_sent(event: Event, uow) -> None:
    """billing's reminder schedule came to a step for an unpaid invoice: mail the customer's
    contacts who keep invoice mail on, with what is owed, when it was due and a link straight
    to paying it. Once per invoice, step and contact."""
    d = event.data
    link = portal_url(uow.conn, event.org_id, f"/invoices/{d['invoice_id']}") + "#pay"
    days = d["days_from_due"]
    for reader in contacts_wanting(uow.conn, event.org_id, d["customer_id"], "invoices"):
        locale = reader_locale(uow.conn, event.org_id, reader)
        mail_contact(uow.conn, event.org_id, reader, "payment_reminder", {
            "invoice_number": d["number"], "amount": money(d["amount_due_minor"], d["currency"], locale),
            "due_date": day(d["due_date"], locale), "when": when_due(days, locale), "link": link},
            f"reminder:{d['invoice_id']}:{days}:{reader.contact_id}")


def on_payment_initiated(event: Event, uow) -> None:
    actor = event.actor or {}
    if actor.get("kind") == "contact" and actor.get("id"):
        _upsert(uow.conn, payment_payers, "payment_id", {
            "payment_id": event.data["payment_id"], "org_id": event.org_id, "contact_id": actor["id"]})


# -- the mails -----------------------------------------------------------------------------------
def reader_locale(conn, org_id: str, reader) -> str:
    """The language a contact's mail is in (theirs, else the org's default, else English)."""
    return mail.recipient_locale(conn, org_id, reader.language)


def money(amount_minor: int, currency: str, language: str | None) -> str:
    amount = Decimal(amount_minor).scaleb(-get_currency_precision(currency))
    return format_currency(amount, currency, locale=mail_locale(language))


def day(value: str, language: str | None) -> str:
    """An ISO date as the reader writes it ("31 Jan 2027", "31.01.2027", "31 janv. 2027"); the
    English as it always was (strftime's "05 Jan 2027")."""
    locale = mail_locale(language)
    if locale == "en":
        return date.fromisoformat(value).strftime("%d %b %Y")
    return format_date(date.fromisoformat(value), format="medium", locale=locale)


def when_due(days: int, language: str | None) -> str:
    """A reminder's "is due in 3 days" (`days` from the due date: negative before it)."""
    t = words(language)
    if days == 0:
        return t.gettext("is due today")
    if days < 0:
        return t.ngettext("is due in %(num)d day", "is due in %(num)d days", -days) % {"num": -days}
    return t.ngettext("is %(num)d day overdue", "is %(num)d days overdue", days) % {"num": days}


def _payer(conn, org_id: str, payment_id: str):
    return conn.execute(select(known_contacts).join(
        payment_payers, payment_payers.c.contact_id == known_contacts.c.contact_id).where(
        payment_payers.c.payment_id == payment_id, payment_payers.c.org_id == org_id)).first()


def _numbers(conn, allocations: list[dict], locale: str | None = None) -> list[str]:
    ids = [a["invoice_id"] for a in allocations]
    found = dict(conn.execute(select(invoice_numbers.c.invoice_id, invoice_numbers.c.number)
                              .where(invoice_numbers.c.invoice_id.in_(ids))).all())
    return [found.get(i) or words(locale).gettext(YOUR_INVOICE) for i in ids]


YOUR_INVOICE = N_("your invoice")
DECLINED = N_("The payment was declined.")


def _wants(contact, topic: str) -> bool:
    return (contact.notify or {}).get(topic, True) is not False


def contacts_wanting(conn, org_id: str, customer_id: str, topic: str) -> list:
    """The customer's contacts who keep `topic` mail on (their profile's `notify`; on unless
    switched off)."""
    readers = conn.execute(select(known_contacts).where(
        known_contacts.c.org_id == org_id, known_contacts.c.customer_id == customer_id)).all()
    return [reader for reader in readers if _wants(reader, topic)]


def mail_contact(conn, org_id: str, reader, kind: str, variables: dict, idempotency_key: str) -> None:
    """Queue a mail to a known contact, in their name and language."""
    mail.enqueue_in(conn, org_id, kind, reader.email, variables, idempotency_key=idempotency_key, name=reader.name,
                    locale=reader.language, customer_id=reader.customer_id, contact_id=reader.contact_id)


def on_payment_settled(event: Event, uow) -> None:
    d = event.data
    payer = _payer(uow.conn, event.org_id, d["payment_id"])
    if payer is None or not _wants(payer, "payments"):
        return
    locale = reader_locale(uow.conn, event.org_id, payer)
    mail_contact(uow.conn, event.org_id, payer, "payment_receipt", {
        "invoice_numbers": ", ".join(_numbers(uow.conn, d["allocations"], locale)),
        "amount": money(d["amount_minor"], d["currency"], locale),
        "receipt_link": portal_url(uow.conn, event.org_id, f"/payments/{d['payment_id']}")},
        f"receipt:{event.event_id}")


def on_payment_failed(event: Event, uow) -> None:
    d = event.data
    payer = _payer(uow.conn, event.org_id, d["payment_id"])
    if payer is None or not _wants(payer, "payments"):
        return
    first = d["allocations"][0]["invoice_id"]
    locale = reader_locale(uow.conn, event.org_id, payer)
    mail_contact(uow.conn, event.org_id, payer, "payment_failed", {
        "invoice_number": ", ".join(_numbers(uow.conn, d["allocations"], locale)),
        "amount": money(d["amount_minor"], d["currency"], locale),
        "reason": d.get("message") or words(locale).gettext(DECLINED),
        "pay_link": portal_url(uow.conn, event.org_id, f"/invoices/{first}")},
        f"payment-failed:{event.event_id}")


def _sender_name(conn, org_id: str, d: dict, locale: str) -> str:
    """Who forwarded: the name the event gives, else the contact's as notifications knows it."""
    if d.get("contact_name"):
        return d["contact_name"]
    known = conn.execute(select(known_contacts.c.name).where(
        known_contacts.c.contact_id == d["contact_id"], known_contacts.c.org_id == org_id)).scalar()
    return known or words(locale).gettext("A colleague")


def _mail_forwarded(event: Event, uow, kind: str, key: str, what: dict, path: str) -> None:
    """To the address the contact gave: who sent it, their message if they wrote one, and a link
    to its page in the portal, where the recipient signs in as a contact of that customer. Never
    the invoice or the file itself: forwarding grants nothing."""
    d = event.data
    locale = mail.recipient_locale(uow.conn, event.org_id)      # someone we know nothing of: the org's language
    mail.enqueue_in(uow.conn, event.org_id, kind, d["recipient_email"], {
        "sender_name": _sender_name(uow.conn, event.org_id, d, locale), **what,
        "message": (d.get("message") or "").strip() or None,
        "link": portal_url(uow.conn, event.org_id, path)},
        idempotency_key=f"{key}:{event.event_id}", locale=locale, customer_id=d["customer_id"])


def on_invoice_forwarded(event: Event, uow) -> None:
    d = event.data
    number = d.get("invoice_number") or (_numbers(uow.conn, [{"invoice_id": d["invoice_id"]}],
                                                  mail.recipient_locale(uow.conn, event.org_id))[0])
    _mail_forwarded(event, uow, "invoice_forwarded", "forwarded", {"invoice_number": number},
                    f"/invoices/{d['invoice_id']}")


def on_document_forwarded(event: Event, uow) -> None:
    d = event.data
    _mail_forwarded(event, uow, "document_forwarded", "document-forwarded", {"document_title": d["title"]},
                    f"/documents/{d['document_id']}")


def on_comment_posted(event: Event, uow) -> None:
    """A staff comment shown in the portal: to the customer's contacts who keep invoice mail
    on. A contact's own comment and an internal note mail no customer."""
    d = event.data
    if not d.get("visible_to_customer") or d.get("author_kind") != "staff":
        return
    link = portal_url(uow.conn, event.org_id, d.get("portal_path") or f"/invoices/{d['invoice_id']}")
    for reader in contacts_wanting(uow.conn, event.org_id, d["customer_id"], "invoices"):
        number = d.get("invoice_number") or (_numbers(uow.conn, [{"invoice_id": d["invoice_id"]}],
                                                      reader_locale(uow.conn, event.org_id, reader))[0])
        mail_contact(uow.conn, event.org_id, reader, "portal_comment", {
            "document_number": number, "comment": d.get("body") or d.get("excerpt") or "", "link": link},
            f"comment:{event.event_id}:{reader.contact_id}")


def on_ticket_raised(event: Event, uow) -> None:
    """Who a ticket's replies go to: the contact it was raised by or for (none: nobody)."""
    d = event.data
    if d.get("contact_id"):
        _upsert(uow.conn, ticket_contacts, "ticket_id", {
            "ticket_id": d["ticket_id"], "org_id": event.org_id, "contact_id": d["contact_id"]})


def on_ticket_message_posted(event: Event, uow) -> None:
    """Staff's reply on a ticket: to the ticket's contact, if they keep ticket mail on. A
    contact's own message mails nobody; staff-internal notes are another event
    (TicketNoteAdded) that no mail handler reads."""
    d = event.data
    if d.get("author_kind") != "staff":
        return
    reader = uow.conn.execute(select(known_contacts).join(
        ticket_contacts, ticket_contacts.c.contact_id == known_contacts.c.contact_id).where(
        ticket_contacts.c.ticket_id == d["ticket_id"], ticket_contacts.c.org_id == event.org_id)).first()
    if reader is None or not _wants(reader, "tickets"):
        return
    mail_contact(uow.conn, event.org_id, reader, "ticket_reply", {
        "ticket_number": d.get("number") or words(reader_locale(uow.conn, event.org_id, reader)).gettext("your ticket"), "ticket_subject": d.get("subject") or "",
        "reply": d["body"], "link": portal_url(uow.conn, event.org_id, d.get("portal_path") or
                                               f"/tickets/{d['ticket_id']}")},
        f"ticket-reply:{event.event_id}")


def on_document_shared(event: Event, uow) -> None:
    """The business shared a document with a customer: to its contacts who keep document mail
    on, with a link to the document's page in the portal (where they sign in), never the file."""
    d = event.data
    link = portal_url(uow.conn, event.org_id, f"/documents/{d['document_id']}")
    for reader in contacts_wanting(uow.conn, event.org_id, d["customer_id"], "documents"):
        mail_contact(uow.conn, event.org_id, reader, "document_shared", {"document_name": d["title"], "link": link},
                     f"document:{event.event_id}:{reader.contact_id}")

