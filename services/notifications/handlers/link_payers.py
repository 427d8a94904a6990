"""Mail to people who paid through a payment link without signing in: the receipt when the
payment settles, the notice when it fails, to the address they typed on the link's page.

billing's PaymentInitiated carries that address (`payer_email`) only for such a payment; it
is kept in `link_payers` (personal data, used for these two mails only) unless the event's
actor is a contact, who is mailed as a contact (customer_mail.py), so nobody gets two
receipts for one payment. Each mail is queued in the handler's transaction under a key made
of the event's id (`link-receipt:<event>`, `link-payment-failed:<event>`), so a redelivered
or replayed event never queues it twice. No address given: no mail. They are in the org's
default language (else English): nothing tells us the payer's own.

Whom they greet: the name billing gives (`payer_name`: what the payer typed, else the
invoice's customer's name); without one, plain "Hello," (mail.py never makes a name of
the address).

Links in these mails: the receipt's page (/receipts/<payment id>), where the payer types the
address they gave to download it, not the payment link's page: that path is the link's
token, and no token travels in an event. The failure notice points to the portal, and says
to open the payment link again.
"""
from __future__ import annotations

from sqlalchemy import select

from services.chassis.events import Event
from services.notifications.handlers import mail
from services.notifications.handlers.customer_mail import DECLINED, _numbers, _upsert, money
from services.notifications.i18n import N_, words
from services.notifications.queries.links import portal_url
from services.notifications.tables import link_payers

PAY_AGAIN = N_("To try again, open the payment link you were sent.")


def on_payment_initiated(event: Event, uow) -> None:
    d = event.data
    if d.get("payer_email") and (event.actor or {}).get("kind") != "contact":
        _upsert(uow.conn, link_payers, "payment_id", {
            "payment_id": d["payment_id"], "org_id": event.org_id, "email": d["payer_email"],
            "name": d.get("payer_name")})


def _payer(conn, org_id: str, payment_id: str):
    return conn.execute(select(link_payers).where(
        link_payers.c.payment_id == payment_id, link_payers.c.org_id == org_id)).first()


def on_payment_settled(event: Event, uow) -> None:
    d = event.data
    payer = _payer(uow.conn, event.org_id, d["payment_id"])
    if payer is None:
        return
    locale = mail.recipient_locale(uow.conn, event.org_id)
    mail.enqueue_in(uow.conn, event.org_id, "payment_receipt", payer.email, {
        "invoice_numbers": ", ".join(_numbers(uow.conn, d["allocations"], locale)),
        "amount": money(d["amount_minor"], d["currency"], locale),
        "receipt_link": portal_url(uow.conn, event.org_id, f"/receipts/{d['payment_id']}")},
        idempotency_key=f"link-receipt:{event.event_id}", name=payer.name, locale=locale,
        customer_id=d["customer_id"])


def on_payment_failed(event: Event, uow) -> None:
    d = event.data
    payer = _payer(uow.conn, event.org_id, d["payment_id"])
    if payer is None:
        return
    locale = mail.recipient_locale(uow.conn, event.org_id)
    t = words(locale)
    reason = d.get("message") or t.gettext(DECLINED)
    mail.enqueue_in(uow.conn, event.org_id, "payment_failed", payer.email, {
        "invoice_number": ", ".join(_numbers(uow.conn, d["allocations"], locale)),
        "amount": money(d["amount_minor"], d["currency"], locale),
        "reason": f"{reason} {t.gettext(PAY_AGAIN)}",
        "pay_link": portal_url(uow.conn, event.org_id, "/")},
        idempotency_key=f"link-payment-failed:{event.event_id}", name=payer.name, locale=locale,
        customer_id=d["customer_id"])

