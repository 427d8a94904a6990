"""Payment links: a public link per invoice to pay it without signing in.

Tables (billing's own state, like identity keeps its credentials; not projections, so
`rebuild-projections` never touches them): `payment_links` holds each link's SHA-256 of
its token (never the token), invoice, expiry and, once replaced, `revoked_at`;
`payment_link_payments` says which payments were started through which link and the
e-mail address the payer typed, if any (the payer is "payment link", not a contact).
Each new link also records PaymentLinkCreated on its own stream (domain/payment_link.py),
in the same transaction as its row.

Creating is idempotent: while an invoice has a live link (not revoked, not expired), asking
again answers that link (`created` false) without its address, which was shown only once,
when it was made (only the hash is kept). Staff who need the address again rotate: the old
link is revoked (its token answers 404 from then on) and a new one is made. A partial
unique index (one unrevoked link per invoice) keeps two concurrent creates to one link.

Anyone holding the token may: read the invoice's summary (number, amounts, due date,
status, the org's name; never another invoice, never contact data), start a payment of the
amount due through handlers/payments.start_payment (the same duplicate-payment guard and
gateway registry as the portal), and follow the payments started through that link. The token's
routes are public, so a link payment's actor is the system, never a contact: the address
the payer types goes into PaymentInitiated (`payer_email`), which is how notifications
mails them the receipt or the failure, with whom to greet (`payer_name`: the name they
typed, else the customer's). The link's page, where the receipt is once paid, is not in the
event: its path is the token, and no token travels in an event. An unknown, expired or rotated token is the same
404, so nothing tells them apart.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from services.billing.domain.commands import CancelLinkPayment, CreatePaymentLink, PayByLink, StartPayment
from services.billing.domain.payment_link import PaymentLink, link_days, new_token, token_hash
from services.billing.handlers import payments, returns
from services.billing.projections.payments import payments as payments_table
from services.billing.queries.customers import names
from services.billing.queries.payment_links import (by_token, iso, link_invoice, link_payment, live_for_invoice,
                                                    now_utc, shown)
from services.billing.tables import payment_gateway_refs, payment_link_payments, payment_links
from services.chassis import orgs
from services.chassis.db import upsert_insert
from services.chassis.errors import ConcurrencyConflict

ATTEMPTS = 3


# --- staff and API keys: create, rotate -------------------------------------------------------

def create_link(rt, cmd: CreatePaymentLink, now: datetime | None = None) -> tuple[dict, str | None]:
    """(the link, its token or None). The token only when a link was made now: a new one, or
    `rotate` (the live one revoked first). Another org's invoice: 404; a draft or an invoice
    with nothing due (and no live link): 422."""
    org_id, invoice_id, rotate, days, actor = cmd.org_id, cmd.invoice_id, cmd.rotate, cmd.days, cmd.actor
    now = now or now_utc()
    for attempt in range(ATTEMPTS):
        try:
            with rt.store.unit_of_work() as uow:
                invoice = link_invoice(uow.conn, org_id, invoice_id, lock=True)
                live = live_for_invoice(uow.conn, org_id, invoice_id, now)
                if live is not None and not rotate:
                    return shown(live), None
                uow.conn.execute(update(payment_links).where(
                    payment_links.c.org_id == org_id, payment_links.c.invoice_id == invoice_id,
                    payment_links.c.revoked_at.is_(None)).values(revoked_at=iso(now)))
                link = PaymentLink.create(org_id, dict(invoice._mapping), now,
                                          link_days(orgs.settings(uow.conn, org_id), days))
                token = new_token()
                row = {"payment_link_id": link.id, "org_id": org_id, "invoice_id": invoice_id,
                       "customer_id": invoice.customer_id, "token_hash": token_hash(token),
                       "created_at": iso(now), "expires_at": link.expires_at, "revoked_at": None,
                       "created_by_kind": actor[0], "created_by_id": actor[1]}
                uow.conn.execute(insert(payment_links).values(**row))
                uow.add(link)
                uow.commit()
                return shown(row), token
        except IntegrityError:
            # another request made this invoice's link between our read and our insert: look again
            if attempt == ATTEMPTS - 1:
                raise ConcurrencyConflict("The payment link was being made twice at once; try again.") from None
    raise AssertionError("unreachable")


# --- anyone holding the token -----------------------------------------------------------------

def pay(rt, cmd: PayByLink) -> tuple[str, bool]:
    """Pay the invoice's amount due through the link: (payment id, created), as
    payments.start_payment answers (409 from its guard while a payment is in flight)."""
    org_id, token, email = cmd.org_id, cmd.token, cmd.email
    now = now_utc()
    with rt.engine.connect() as conn:
        link = by_token(conn, org_id, token, now)
        name = (cmd.name or "").strip() or names(conn, org_id, [link.customer_id]).get(link.customer_id)
    cmd = StartPayment(org_id=org_id, customer_id=link.customer_id, invoices=((link.invoice_id, None),),
                       method=cmd.method, return_url=cmd.return_url, gateway=cmd.gateway, email=email,
                       payer_email=email, payer_name=name)
    payment_id, created = payments.start_payment(rt, cmd)
    with rt.engine.begin() as conn:
        conn.execute(upsert_insert(conn, payment_link_payments).values(
            payment_id=payment_id, org_id=org_id, payment_link_id=link.payment_link_id,
            invoice_id=link.invoice_id, payer_email=email, started_at=iso(now))
            .on_conflict_do_nothing(index_elements=["payment_id"]))
    return payment_id, created


def cancel_payment(rt, cmd: CancelLinkPayment) -> dict:
    """The payer came back through the gateway's cancel URL (Stripe's names billing's payment
    id): a payment of this link still `initiated` is failed ("cancelled") and its checkout
    closed, so the invoice can be paid again at once; anything else is left as it is.
    Answers the payment's status; another link's payment is a 404."""
    org_id, token, payment_id = cmd.org_id, cmd.token, cmd.payment_id
    with rt.engine.connect() as conn:
        found = link_payment(conn, org_id, token, payment_id)
        gateway = conn.execute(select(payments_table.c.gateway).where(
            payments_table.c.payment_id == payment_id)).scalar()
        reference = conn.execute(select(payment_gateway_refs.c.reference).where(
            payment_gateway_refs.c.payment_id == payment_id)).scalar()
    if found["status"] == "initiated" and gateway in returns.RETURNABLE and reference:
        returns.cancel(rt, org_id, gateway, reference, payment_id)
        with rt.engine.connect() as conn:
            found = link_payment(conn, org_id, token, payment_id)
    return found

