"""Comments on invoices and invoice forwarding: read models, command handlers and reads.

Read models (projections of CommentPosted and InvoiceForwarded, rebuilt from the events):
`invoice_comments` (the conversation under each invoice) and `invoice_forwards` (who
forwarded what to whom, and when: it also counts a contact's forwards for the rate limit).

Who sees what: contacts see their customer's comments that are `visible_to_customer`
(their own and staff's "show in portal" ones); staff see every comment with its `internal`
flag. Another customer's or org's invoice, or a draft, is a 404 for contacts; staff
comment on issued invoices only (a draft has no stream and no audience yet).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Boolean, Column, Index, String, Table, Text, func, insert, select

from services.billing.domain import conversation
from services.billing.domain.invoice import Invoice
from services.billing.projections import invoices, metadata, paid_on
from services.chassis import auth, orgs
from services.chassis.errors import NotFound, PortalError, retry_on_conflict
from services.chassis.projections import Projection

FORWARDS_PER_HOUR = 20              # per contact: forwarding sends mail to any address, so it is capped
FORWARD_WINDOW = timedelta(hours=1)
MAX_COMMENTS = 500                  # a conversation's answer (newest 500, oldest first)

invoice_comments = Table(
    "invoice_comments", metadata,
    Column("comment_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("invoice_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("author_kind", String(20), nullable=False),      # contact | staff
    Column("author_id", String(200), nullable=False),
    Column("author_name", String(200)),
    Column("body", Text, nullable=False),
    Column("visible_to_customer", Boolean, nullable=False),
    Column("posted_at", String(40), nullable=False),
    Index("ix_invoice_comments_invoice", "org_id", "invoice_id", "posted_at", "comment_id"),
)

invoice_forwards = Table(
    "invoice_forwards", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("invoice_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("contact_id", String(200), nullable=False),
    Column("recipient_email", String(320), nullable=False),
    Column("forwarded_at", String(40), nullable=False),
    Index("ix_invoice_forwards_contact", "org_id", "contact_id", "forwarded_at"),
    Index("ix_invoice_forwards_invoice", "org_id", "invoice_id", "forwarded_at"),
)


class TooManyForwards(PortalError):
    status = 429
    title = "Too many requests"


class ForwardingOff(PortalError):
    status = 403
    title = "Forbidden"


class Conversation(Projection):
    tables = (invoice_comments, invoice_forwards)

    def when_CommentPosted(self, conn, e):
        d = e.data
        conn.execute(insert(invoice_comments).values(
            comment_id=d["comment_id"], org_id=e.org_id, invoice_id=d["invoice_id"], customer_id=d["customer_id"],
            author_kind=d["author_kind"], author_id=d["author_id"], author_name=d.get("author_name"),
            body=d["body"], visible_to_customer=bool(d.get("visible_to_customer", False)),
            posted_at=e.occurred_at))

    def when_InvoiceForwarded(self, conn, e):
        d = e.data
        conn.execute(insert(invoice_forwards).values(
            event_id=e.event_id, org_id=e.org_id, invoice_id=d["invoice_id"], customer_id=d["customer_id"],
            contact_id=d["contact_id"], recipient_email=d["recipient_email"], forwarded_at=e.occurred_at))


# --- commands -----------------------------------------------------------------------------

@dataclass(frozen=True)
class PostComment:
    org_id: str
    invoice_id: str
    text: str
    author_kind: str                    # contact | staff
    author_id: str
    author_name: str | None = None
    visible_to_customer: bool = True
    customer_id: str | None = None      # contacts: their customer (another's invoice is a 404)


@dataclass(frozen=True)
class ForwardInvoice:
    org_id: str
    customer_id: str
    invoice_id: str
    contact_id: str
    email: str
    message: str | None = None
    contact_name: str | None = None


def _load_issued(uow, org_id: str, invoice_id: str, customer_id: str | None) -> Invoice:
    """The issued invoice (with what was paid on it) or a 404: another org's or customer's,
    and a draft, are not there for anyone commenting or forwarding."""
    c = invoices.c
    query = select(c.invoice_id).where(c.org_id == org_id, c.invoice_id == invoice_id, c.status != "draft")
    if customer_id is not None:
        query = query.where(c.customer_id == customer_id)
    if uow.conn.execute(query).first() is None:
        raise NotFound("No such invoice.")
    invoice = uow.load(Invoice, invoice_id, org_id)
    invoice.account_for_payments(paid_on(uow.conn, invoice_id))
    return invoice


def post_comment(rt, cmd: PostComment) -> str:
    """Record CommentPosted; returns the comment's id. A concurrent write to the invoice's
    stream (another comment, an update) makes it run again on the fresh stream."""
    def run():
        with rt.store.unit_of_work() as uow:
            invoice = _load_issued(uow, cmd.org_id, cmd.invoice_id, cmd.customer_id)
            data = conversation.post_comment(invoice, cmd.author_kind, cmd.author_id, cmd.text,
                                             cmd.visible_to_customer, cmd.author_name)
            uow.add(invoice)
            uow.commit()
            return data["comment_id"]
    return retry_on_conflict(run)


def forward_invoice(rt, cmd: ForwardInvoice, now: datetime | None = None) -> dict:
    """Record InvoiceForwarded where the org allows forwarding and the contact is under the
    hourly cap; returns the event's data. Nothing else changes: no access is granted."""
    def run():
        with rt.store.unit_of_work() as uow:
            if not forwarding_allowed(uow.conn, cmd.org_id):
                raise ForwardingOff("Forwarding invoices is not enabled for this portal.", code="forwarding_off")
            _ensure_under_cap(uow.conn, cmd.org_id, cmd.contact_id, now or datetime.now(timezone.utc))
            invoice = _load_issued(uow, cmd.org_id, cmd.invoice_id, cmd.customer_id)
            data = conversation.forward(invoice, cmd.contact_id, cmd.email, cmd.message, cmd.contact_name)
            uow.add(invoice)
            uow.commit()
            return data
    return retry_on_conflict(run)


def forwarding_allowed(conn, org_id: str) -> bool:
    """The org's `forward_documents` switch, from billing's copy of identity's settings; an org
    billing has not heard of yet does not forward (deny by default)."""
    return bool(orgs.settings(conn, org_id).get("forward_documents"))


def _ensure_under_cap(conn, org_id: str, contact_id: str, now: datetime) -> None:
    c = invoice_forwards.c
    since = (now - FORWARD_WINDOW).isoformat(timespec="microseconds")
    rows = conn.execute(select(func.count(), func.min(c.forwarded_at)).where(
        c.org_id == org_id, c.contact_id == contact_id, c.forwarded_at > since)).one()
    if rows[0] >= FORWARDS_PER_HOUR:
        oldest = datetime.fromisoformat(rows[1])
        wait_s = max(int((oldest + FORWARD_WINDOW - now).total_seconds()) + 1, 1)
        raise TooManyForwards(
            f"You have forwarded {FORWARDS_PER_HOUR} invoices in the last hour, the most we send. "
            f"Please try again in {max(wait_s // 60, 1)} minutes.", retry_after_s=wait_s)


# --- reads --------------------------------------------------------------------------------

def comments(conn, org_id: str, invoice_id: str, for_customer: bool, customer_id: str | None = None,
             caller: auth.Principal | None = None) -> list[dict]:
    """The invoice's conversation, oldest first. `for_customer`: only what the customer may
    see (and the invoice must be theirs and issued, else 404); staff get every comment with
    its `internal` flag and the author's id."""
    c = invoices.c
    query = auth.scoped(select(c.invoice_id).where(c.org_id == org_id, c.invoice_id == invoice_id),
                        invoices, caller)
    if customer_id is not None:
        query = query.where(c.customer_id == customer_id)
    if for_customer:
        query = query.where(c.status != "draft")
    if conn.execute(query).first() is None:
        raise NotFound("No such invoice.")
    k = invoice_comments.c
    rows = select(invoice_comments).where(k.org_id == org_id, k.invoice_id == invoice_id)
    if for_customer:
        rows = rows.where(k.visible_to_customer.is_(True))
    found = conn.execute(rows.order_by(k.posted_at.desc(), k.comment_id.desc()).limit(MAX_COMMENTS)).all()
    return [_shown(r, for_customer) for r in reversed(found)]


def comment(conn, org_id: str, comment_id: str, for_customer: bool) -> dict:
    row = conn.execute(select(invoice_comments).where(invoice_comments.c.org_id == org_id,
                                                      invoice_comments.c.comment_id == comment_id)).one()
    return _shown(row, for_customer)


def _shown(row, for_customer: bool) -> dict:
    item = {"comment_id": row.comment_id, "invoice_id": row.invoice_id, "author_kind": row.author_kind,
            "author_name": row.author_name, "text": row.body, "posted_at": row.posted_at}
    if not for_customer:
        item.update(author_id=row.author_id, internal=not row.visible_to_customer)
    return item
