"""Comments on invoices and invoice forwarding: the command handlers.

Contacts comment on their customer's issued invoices (visible to the customer); staff
comment on issued invoices only (a draft has no stream and no audience yet), as internal
notes or "shown in the portal". Another customer's or org's invoice, or a draft, is a 404
for contacts. Forwarding records InvoiceForwarded (notifications mails the link) where the
org allows it, at most FORWARDS_PER_HOUR per contact. The reads: queries/comments.py.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from services.billing.domain import conversation
from services.billing.domain.commands import ForwardInvoice, PostComment
from services.billing.domain.invoice import Invoice
from services.billing.projections.conversation import invoice_forwards
from services.billing.projections.invoices import invoices
from services.billing.projections.paid import paid_on
from services.chassis import orgs
from services.chassis.errors import NotFound, PortalError, retry_on_conflict

FORWARDS_PER_HOUR = 20              # per contact: forwarding sends mail to any address, so it is capped
FORWARD_WINDOW = timedelta(hours=1)


class TooManyForwards(PortalError):
    status = 429
    title = "Too many requests"


class ForwardingOff(PortalError):
    status = 403
    title = "Forbidden"



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

