"""The conversation under each invoice, as read models of CommentPosted and InvoiceForwarded
(rebuilt from the events): `invoice_comments` (the comments) and `invoice_forwards` (who
forwarded what to whom, and when: it also counts a contact's forwards for the rate limit,
handlers/comments.py).
"""
from sqlalchemy import Boolean, Column, Index, String, Table, Text, insert

from services.billing.tables import metadata
from services.chassis.projections import Projection

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

