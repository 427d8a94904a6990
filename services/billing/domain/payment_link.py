"""The PaymentLink aggregate: a public link to pay one issued invoice without signing in.

Pure rules, no I/O:

- The link's URL carries a random token (`secrets.token_urlsafe(32)`, 256 bits). Only its
  SHA-256 is ever stored (services/billing/handlers/payment_links.py), so a copy of the database
  gives no working link; the token is shown once, to whoever created the link.
- A link is for an issued invoice with something due: not a draft, not void, not paid.
  Later, voiding or paying the invoice in full does not break the link: it shows
  "nothing to pay" (the invoice is read afresh each time).
- It expires `days` after creation: the org's `payment_link_days` setting where identity
  carries one, else DEFAULT_DAYS (30), at most MAX_DAYS.
- PaymentLinkCreated says which invoice, customer, amount and expiry; never the token or
  its hash (contracts/events/billing.py). Rotating (staff asking for a new link) revokes
  the old one in billing's own table and creates a new link with its own event.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError

DEFAULT_DAYS = 30
MAX_DAYS = 365
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 100          # what a token from a URL may be before it is even hashed
PAY_PATH = "/pay/"              # the gateway's public page of a link: <portal>/pay/<token>


def page_path(token: str) -> str:
    return PAY_PATH + token


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_days(settings: dict | None, asked: int | None = None) -> int:
    """How long a new link lives: what the caller asked, else the org's setting, else 30 days."""
    for value in (asked, (settings or {}).get("payment_link_days")):
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_DAYS:
            return value
    return DEFAULT_DAYS


def nothing_to_pay(status: str, amount_due_minor: int) -> bool:
    return status in ("void", "paid") or amount_due_minor <= 0


class PaymentLink(Aggregate):
    aggregate_type = "PaymentLink"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.customer_id = ""
        self.invoice_ids: list[str] = []
        self.expires_at: str | None = None

    @classmethod
    def create(cls, org_id: str, invoice: dict, now: datetime, days: int,
               link_id: str | None = None) -> "PaymentLink":
        """`invoice`: its row (invoice_id, customer_id, status, currency, amount_due_minor)."""
        if invoice["status"] == "draft":
            raise DomainError("A draft has no payment link: issue the invoice first.", code="draft")
        if nothing_to_pay(invoice["status"], invoice["amount_due_minor"]):
            raise DomainError("Nothing is due on this invoice, so it needs no payment link.", code="nothing_due")
        link = cls(link_id or str(uuid.uuid4()), org_id)
        link.record("PaymentLinkCreated", {
            "payment_link_id": link.id, "customer_id": invoice["customer_id"],
            "invoice_ids": [invoice["invoice_id"]], "amount_minor": invoice["amount_due_minor"],
            "currency": invoice["currency"],
            "expires_at": (now + timedelta(days=days)).isoformat(timespec="seconds")})
        return link

    def when_PaymentLinkCreated(self, d: dict) -> None:
        self.customer_id, self.invoice_ids, self.expires_at = d["customer_id"], list(d["invoice_ids"]), d["expires_at"]
