"""The conversation under an invoice, as the API answers it.

Who sees what: contacts see their customer's comments that are `visible_to_customer`
(their own and staff's "show in portal" ones); staff see every comment with its `internal`
flag and the author's id. Another customer's or org's invoice, or a draft, is a 404 for
contacts.
"""
from __future__ import annotations

from sqlalchemy import select

from services.billing.projections.conversation import invoice_comments
from services.billing.projections.invoices import invoices
from services.chassis import auth
from services.chassis.errors import NotFound

MAX_COMMENTS = 500                  # a conversation's answer (newest 500, oldest first)


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

