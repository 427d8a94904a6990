"""Payment links, read: the invoice's live link for staff, and for whoever holds a token the
invoice in brief and the payments started through the link (handlers/payment_links.py says
what a link is and what its holder may do). An unknown, expired or rotated token is the same
404, so nothing tells them apart.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from services.billing.domain.payment import Payable
from services.billing.domain.payment_guard import in_progress
from services.billing.domain.payment_link import MAX_TOKEN_LENGTH, nothing_to_pay, token_hash
from services.billing.projections.invoices import invoices
from services.billing.projections.payments import invoice_payment_locks
from services.billing.projections.payments import payments as payments_table
from services.billing.tables import payment_gateway_refs, payment_link_payments, payment_links
from services.chassis import orgs
from services.chassis.errors import NotFound

LINK_GONE = "This payment link is not valid. Ask the sender for a new one."


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")



def live_link(conn, org_id: str, invoice_id: str, now: datetime | None = None) -> dict:
    """The invoice's live link (without its address) or 404 (also for another org's invoice)."""
    link_invoice(conn, org_id, invoice_id)
    live = live_for_invoice(conn, org_id, invoice_id, now or now_utc())
    if live is None:
        raise NotFound("This invoice has no live payment link.")
    return shown(live)


def shown(row) -> dict:
    m = row if isinstance(row, dict) else row._mapping
    return {k: m[k] for k in ("payment_link_id", "invoice_id", "customer_id", "created_at", "expires_at")}



# --- anyone holding the token -----------------------------------------------------------------

def summary(conn, org_id: str, token: str, now: datetime | None = None) -> dict:
    """What the public page shows: the invoice in brief, and whether there is anything to pay."""
    link = by_token(conn, org_id, token, now or now_utc())
    inv = link_invoice(conn, org_id, link.invoice_id)
    try:
        org_name = orgs.get(conn, org_id).get("name")
    except NotFound:
        org_name = None
    blocked = _in_progress(conn, inv)
    return {
        "payment_link_id": link.payment_link_id, "expires_at": link.expires_at, "org_name": org_name,
        "invoice": {"number": inv.number, "currency": inv.currency, "total_minor": inv.total_minor,
                    "amount_paid_minor": inv.amount_paid_minor, "amount_due_minor": inv.amount_due_minor,
                    "due_date": inv.due_date, "issued_at": inv.issued_at, "status": _status(inv)},
        "nothing_to_pay": nothing_to_pay(inv.status, inv.amount_due_minor),
        "payment_in_progress": blocked,
        "received": received(conn, org_id, link.payment_link_id),
    }


def received(conn, org_id: str, payment_link_id: str) -> list[dict]:
    """The link's own payments that were received (settled, or refunded since): those have a
    receipt the link's page offers. Never a payment made another way."""
    lp, p = payment_link_payments.c, payments_table.c
    rows = conn.execute(select(p.payment_id, p.amount_minor, p.currency, p.settled_at)
                        .join_from(payments_table, payment_link_payments, lp.payment_id == p.payment_id)
                        .where(lp.payment_link_id == payment_link_id, p.org_id == org_id,
                               p.status.in_(("settled", "refunded")))
                        .order_by(p.settled_at)).all()
    return [dict(r._mapping) for r in rows]


def link_payment(conn, org_id: str, token: str, payment_id: str, now: datetime | None = None) -> dict:
    """A payment started through this link, for its status page; any other is a 404."""
    link = by_token(conn, org_id, token, now or now_utc())
    lp = payment_link_payments.c
    mine = conn.execute(select(lp.payment_id).where(
        lp.payment_id == payment_id, lp.payment_link_id == link.payment_link_id)).first()
    row = conn.execute(select(payments_table).where(
        payments_table.c.payment_id == payment_id, payments_table.c.org_id == org_id)).first() if mine else None
    if row is None:
        raise NotFound("No such payment.")
    redirect = conn.execute(select(payment_gateway_refs.c.redirect_url)
                            .where(payment_gateway_refs.c.payment_id == payment_id)).scalar()
    number = conn.execute(select(invoices.c.number).where(invoices.c.invoice_id == link.invoice_id)).scalar()
    return {"payment_id": row.payment_id, "status": row.status, "method": row.method, "currency": row.currency,
            "amount_minor": row.amount_minor, "failure_message": row.failure_message,
            "initiated_at": row.initiated_at, "settled_at": row.settled_at, "invoice_number": number,
            "redirect_url": redirect if row.status == "initiated" else None}


# --- reading --------------------------------------------------------------------------------

def by_token(conn, org_id: str, token: str, now: datetime):
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotFound(LINK_GONE)
    c = payment_links.c
    row = conn.execute(select(payment_links).where(c.token_hash == token_hash(token), c.org_id == org_id)).first()
    if row is None or row.revoked_at is not None or row.expires_at <= iso(now):
        raise NotFound(LINK_GONE)
    return row


def live_for_invoice(conn, org_id: str, invoice_id: str, now: datetime):
    c = payment_links.c
    row = conn.execute(select(payment_links).where(c.org_id == org_id, c.invoice_id == invoice_id,
                                                   c.revoked_at.is_(None))).first()
    return row if row is not None and row.expires_at > iso(now) else None


def link_invoice(conn, org_id: str, invoice_id: str, lock: bool = False):
    c = invoices.c
    query = select(c.invoice_id, c.customer_id, c.number, c.currency, c.status, c.total_minor,
                   c.amount_paid_minor, c.amount_due_minor, c.due_date, c.issued_at).where(
        c.org_id == org_id, c.invoice_id == invoice_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("No such invoice.")
    return row


def _status(inv) -> str:
    """The stored status, or "overdue" for an open invoice past its due date (UTC day)."""
    today = datetime.now(timezone.utc).date().isoformat()
    if inv.status in ("sent", "partially_paid") and inv.due_date and inv.due_date < today:
        return "overdue"
    return inv.status


def _in_progress(conn, inv) -> str | None:
    """The guard's sentence when a payment of the invoice is in flight, else None."""
    lock = conn.execute(select(invoice_payment_locks.c.payment_id)
                        .where(invoice_payment_locks.c.invoice_id == inv.invoice_id)).scalar()
    if lock is None:
        return None
    row = conn.execute(select(payments_table).where(payments_table.c.payment_id == lock)).first()
    payable = Payable(inv.invoice_id, inv.customer_id, inv.number, inv.currency, inv.status,
                      inv.amount_due_minor)
    return in_progress(payable, row).detail if row is not None else None



def payer_of(conn, org_id: str, payment_id: str, email: str) -> str:
    """The customer of a payment made through a payment link whose payer typed `email` (any
    case); NotFound for anything else, the same for a wrong address as for no such payment."""
    p = payment_link_payments.c
    found = conn.execute(select(p.payer_email, invoices.c.customer_id)
                         .join(invoices, invoices.c.invoice_id == p.invoice_id)
                         .where(p.org_id == org_id, p.payment_id == payment_id)).first()
    if found is None or not found.payer_email or found.payer_email.strip().lower() != email.strip().lower():
        raise NotFound("No receipt was found for this payment and address.")
    return found.customer_id
