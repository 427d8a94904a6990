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
amount due through payments.start_payment (the same duplicate-payment guard and gateway
registry as the portal), and follow the payments started through that link. The token's
routes are public, so a link payment's actor is the system, never a contact: the address
the payer types goes into PaymentInitiated (`payer_email`), which is how notifications
mails them the receipt or the failure. An unknown, expired or rotated token is the same
404, so nothing tells them apart.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, Index, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from services.billing import payments
from services.billing.domain.commands import StartPayment
from services.billing.domain.payment import Payable
from services.billing.domain.payment_link import (MAX_TOKEN_LENGTH, PaymentLink, link_days, new_token,
                                                  nothing_to_pay, token_hash)
from services.billing.projections import invoice_payment_locks, invoices, metadata, payment_gateway_refs
from services.billing.projections import payments as payments_table
from services.chassis import orgs
from services.chassis.db import upsert_insert
from services.chassis.errors import ConcurrencyConflict, NotFound

ATTEMPTS = 3
LINK_GONE = "This payment link is not valid. Ask the sender for a new one."

payment_links = Table(
    "payment_links", metadata,
    Column("payment_link_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("invoice_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
    Column("created_by_kind", String(20), nullable=False),
    Column("created_by_id", String(200)),
    Index("uq_payment_links_live", "org_id", "invoice_id", unique=True,
          postgresql_where=text("revoked_at IS NULL"), sqlite_where=text("revoked_at IS NULL")),
)

payment_link_payments = Table(
    "payment_link_payments", metadata,
    Column("payment_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("payment_link_id", String(64), nullable=False, index=True),
    Column("invoice_id", String(64), nullable=False),
    Column("payer_email", String(320)),
    Column("started_at", String(40), nullable=False),
)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


# --- staff and API keys: create, rotate, read -----------------------------------------------

def create_link(rt, org_id: str, invoice_id: str, rotate: bool = False, days: int | None = None,
                actor: tuple[str, str | None] = ("system", None),
                now: datetime | None = None) -> tuple[dict, str | None]:
    """(the link, its token or None). The token only when a link was made now: a new one, or
    `rotate` (the live one revoked first). Another org's invoice: 404; a draft or an invoice
    with nothing due (and no live link): 422."""
    now = now or _now()
    for attempt in range(ATTEMPTS):
        try:
            with rt.store.unit_of_work() as uow:
                invoice = _invoice(uow.conn, org_id, invoice_id, lock=True)
                live = _live_for_invoice(uow.conn, org_id, invoice_id, now)
                if live is not None and not rotate:
                    return _shown(live), None
                uow.conn.execute(update(payment_links).where(
                    payment_links.c.org_id == org_id, payment_links.c.invoice_id == invoice_id,
                    payment_links.c.revoked_at.is_(None)).values(revoked_at=_iso(now)))
                link = PaymentLink.create(org_id, dict(invoice._mapping), now,
                                          link_days(_settings(uow.conn, org_id), days))
                token = new_token()
                row = {"payment_link_id": link.id, "org_id": org_id, "invoice_id": invoice_id,
                       "customer_id": invoice.customer_id, "token_hash": token_hash(token),
                       "created_at": _iso(now), "expires_at": link.expires_at, "revoked_at": None,
                       "created_by_kind": actor[0], "created_by_id": actor[1]}
                uow.conn.execute(insert(payment_links).values(**row))
                uow.add(link)
                uow.commit()
                return _shown(row), token
        except IntegrityError:
            # another request made this invoice's link between our read and our insert: look again
            if attempt == ATTEMPTS - 1:
                raise ConcurrencyConflict("The payment link was being made twice at once; try again.") from None
    raise AssertionError("unreachable")


def live_link(conn, org_id: str, invoice_id: str, now: datetime | None = None) -> dict:
    """The invoice's live link (without its address) or 404 (also for another org's invoice)."""
    _invoice(conn, org_id, invoice_id)
    live = _live_for_invoice(conn, org_id, invoice_id, now or _now())
    if live is None:
        raise NotFound("This invoice has no live payment link.")
    return _shown(live)


def _shown(row) -> dict:
    m = row if isinstance(row, dict) else row._mapping
    return {k: m[k] for k in ("payment_link_id", "invoice_id", "customer_id", "created_at", "expires_at")}


# --- anyone holding the token -----------------------------------------------------------------

def summary(conn, org_id: str, token: str, now: datetime | None = None) -> dict:
    """What the public page shows: the invoice in brief, and whether there is anything to pay."""
    link = _by_token(conn, org_id, token, now or _now())
    inv = _invoice(conn, org_id, link.invoice_id)
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
    }


def start_payment(rt, org_id: str, token: str, method: str, email: str | None = None,
                  return_url: str = "", gateway: str | None = None) -> tuple[str, bool]:
    """Pay the invoice's amount due through the link: (payment id, created), as
    payments.start_payment answers (409 from its guard while a payment is in flight)."""
    now = _now()
    with rt.engine.connect() as conn:
        link = _by_token(conn, org_id, token, now)
    cmd = StartPayment(org_id=org_id, customer_id=link.customer_id, invoices=((link.invoice_id, None),),
                       method=method, return_url=return_url, gateway=gateway, email=email,
                       payer_email=email)
    payment_id, created = payments.start_payment(rt, cmd)
    with rt.engine.begin() as conn:
        conn.execute(upsert_insert(conn, payment_link_payments).values(
            payment_id=payment_id, org_id=org_id, payment_link_id=link.payment_link_id,
            invoice_id=link.invoice_id, payer_email=email, started_at=_iso(now))
            .on_conflict_do_nothing(index_elements=["payment_id"]))
    return payment_id, created


def link_payment(conn, org_id: str, token: str, payment_id: str, now: datetime | None = None) -> dict:
    """A payment started through this link, for its status page; any other is a 404."""
    link = _by_token(conn, org_id, token, now or _now())
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


def cancel_payment(rt, org_id: str, token: str, payment_id: str) -> dict:
    """The payer came back through the gateway's cancel URL (Stripe's names billing's payment
    id): a payment of this link still `initiated` is failed ("cancelled") and its checkout
    closed, so the invoice can be paid again at once; anything else is left as it is.
    Answers the payment's status; another link's payment is a 404."""
    from services.billing import returns
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


# --- reading --------------------------------------------------------------------------------

def _by_token(conn, org_id: str, token: str, now: datetime):
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotFound(LINK_GONE)
    c = payment_links.c
    row = conn.execute(select(payment_links).where(c.token_hash == token_hash(token), c.org_id == org_id)).first()
    if row is None or row.revoked_at is not None or row.expires_at <= _iso(now):
        raise NotFound(LINK_GONE)
    return row


def _live_for_invoice(conn, org_id: str, invoice_id: str, now: datetime):
    c = payment_links.c
    row = conn.execute(select(payment_links).where(c.org_id == org_id, c.invoice_id == invoice_id,
                                                   c.revoked_at.is_(None))).first()
    return row if row is not None and row.expires_at > _iso(now) else None


def _invoice(conn, org_id: str, invoice_id: str, lock: bool = False):
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
    return payments.in_progress(payable, row).detail if row is not None else None


def _settings(conn, org_id: str) -> dict:
    return orgs.settings(conn, org_id)
