"""Talking about an invoice: comments (CommentPosted) and forwarding it by mail (InvoiceForwarded).

Both are recorded on the Invoice's own stream (they are about that invoice and keep its
order), through the aggregate's `record`; they change none of its state, so Invoice needs
no `when_` for them. Pure rules here, no I/O:

- A comment is plain text, 1 to 5000 characters after trimming; control characters other
  than line breaks and tabs are dropped (PostgreSQL text cannot hold NUL, and they are
  never meant). Pages show it escaped, as text.
- A contact's comment is always visible to their customer. A staff comment is internal
  unless staff tick "show in portal"; an internal comment never reaches the customer
  (not in the portal, the customer API, or a customer-facing mail): its CommentPosted says
  `visible_to_customer: false` for the consumers (notifications) to honour.
- Forwarding names an address and, maybe, a short message; it grants nothing: the mail
  links to the invoice's portal page, where the recipient must sign in as a contact of the
  customer. It never touches what the first contact holds.
- Drafts have no stream and no audience: nothing is said about them.
"""
from __future__ import annotations

import re
import uuid

from services.chassis import text
from services.chassis.errors import DomainError
from services.chassis.text import excerpt

MAX_TEXT = 5000
MAX_MESSAGE = 1000
AUTHOR_KINDS = ("contact", "staff")
EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def portal_path(invoice_id: str) -> str:
    """Where the invoice lives in the portal, for the links in mails (the org's host in front)."""
    return f"/invoices/{invoice_id}"


def clean_text(value, field: str = "text", limit: int = MAX_TEXT, required: bool = True) -> str | None:
    """A comment's or message's text by the chassis rule (services/chassis/text.py)."""
    return text.clean_text(value, field, limit, required,
                           empty="Write something first: an empty comment is not sent.")


def check_email(value) -> str:
    if not isinstance(value, str) or len(value.strip()) > 254 or not EMAIL.match(value.strip()):
        raise DomainError("Give the e-mail address to forward the invoice to, like name@example.com.",
                          field="email")
    local, domain = value.strip().rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _ensure_issued(invoice) -> None:
    if invoice.state == "draft" or not invoice.number:
        raise DomainError("This invoice is not issued yet.", code="draft")


def post_comment(invoice, author_kind: str, author_id: str, text, visible_to_customer: bool,
                 author_name: str | None = None, comment_id: str | None = None) -> dict:
    """Record CommentPosted on the invoice; returns the event's data."""
    _ensure_issued(invoice)
    if author_kind not in AUTHOR_KINDS:
        raise DomainError("Only contacts and staff comment on invoices.", code="author")
    if author_kind == "contact" and not visible_to_customer:
        raise DomainError("A customer's comment is always visible to the customer.", code="visibility")
    body = clean_text(text)
    data = {"comment_id": comment_id or str(uuid.uuid4()), "invoice_id": invoice.id,
            "customer_id": invoice.customer_id, "author_kind": author_kind, "author_id": author_id,
            "author_name": (author_name or "").strip()[:200] or None, "body": body,
            "visible_to_customer": bool(visible_to_customer), "invoice_number": invoice.number,
            "excerpt": excerpt(body), "portal_path": portal_path(invoice.id)}
    invoice.record("CommentPosted", data)
    return data


def forward(invoice, contact_id: str, email, message=None, contact_name: str | None = None) -> dict:
    """Record InvoiceForwarded: a contact sends the invoice's link to `email`."""
    _ensure_issued(invoice)
    data = {"invoice_id": invoice.id, "customer_id": invoice.customer_id, "contact_id": contact_id,
            "recipient_email": check_email(email),
            "message": clean_text(message, field="message", limit=MAX_MESSAGE, required=False),
            "contact_name": (contact_name or "").strip()[:200] or None, "invoice_number": invoice.number,
            "portal_path": portal_path(invoice.id), "currency": invoice.currency,
            "total_minor": invoice.totals.total_minor, "amount_due_minor": invoice.amount_due_minor,
            "due_date": invoice.due_date}
    invoice.record("InvoiceForwarded", data)
    return data
