"""Mail to people who paid through a payment link without signing in: the receipt when the
payment settles, the notice when it fails, to the address they typed on the link's page.

billing's PaymentInitiated carries that address (`payer_email`) only for such a payment; it
is kept in `link_payers` (personal data, used for these two mails only) unless the event's
actor is a contact, who is mailed as a contact (customer_mail.py), so nobody gets two
receipts for one payment. Each mail is queued in the handler's transaction under a key made
of the event's id (`link-receipt:<event>`, `link-payment-failed:<event>`), so a redelivered
or replayed event never queues it twice. No address given: no mail.

Links in these mails: the payment's own page (/pay/<token>/payments/<id>) needs the link's
token, which billing keeps only as a hash and never publishes, so no mail can point there.
The receipt's `receipt_link` and the failure's `pay_link` (both required by the templates)
are the org's portal home instead, where the payer may sign in or, where the org allows it,
sign up; the mail itself says what was paid. The failure also tells them to pay again
through the link they were sent, which is the way that really works for them.
"""
from __future__ import annotations

from sqlalchemy import select

from services.chassis.events import Event
from services.notifications.handlers import mail
from services.notifications.handlers.customer_mail import _numbers, _upsert, money
from services.notifications.queries.links import portal_url
from services.notifications.tables import link_payers

PAY_AGAIN = "To try again, open the payment link you were sent."


def on_payment_initiated(event: Event, uow) -> None:
    email = event.data.get("payer_email")
    if email and (event.actor or {}).get("kind") != "contact":
        _upsert(uow.conn, link_payers, "payment_id", {
            "payment_id": event.data["payment_id"], "org_id": event.org_id, "email": email})


def _address(conn, org_id: str, payment_id: str) -> str | None:
    return conn.execute(select(link_payers.c.email).where(
        link_payers.c.payment_id == payment_id, link_payers.c.org_id == org_id)).scalar()


def on_payment_settled(event: Event, uow) -> None:
    d = event.data
    to = _address(uow.conn, event.org_id, d["payment_id"])
    if to is None:
        return
    mail.enqueue_in(uow.conn, event.org_id, "payment_receipt", to, {
        "invoice_numbers": ", ".join(_numbers(uow.conn, d["allocations"])),
        "amount": money(d["amount_minor"], d["currency"], "en"),
        "receipt_link": portal_url(uow.conn, event.org_id, "/")},
        idempotency_key=f"link-receipt:{event.event_id}", customer_id=d["customer_id"])


def on_payment_failed(event: Event, uow) -> None:
    d = event.data
    to = _address(uow.conn, event.org_id, d["payment_id"])
    if to is None:
        return
    reason = d.get("message") or "The payment was declined."
    mail.enqueue_in(uow.conn, event.org_id, "payment_failed", to, {
        "invoice_number": ", ".join(_numbers(uow.conn, d["allocations"])),
        "amount": money(d["amount_minor"], d["currency"], "en"),
        "reason": f"{reason} {PAY_AGAIN}",
        "pay_link": portal_url(uow.conn, event.org_id, "/")},
        idempotency_key=f"link-payment-failed:{event.event_id}", customer_id=d["customer_id"])

