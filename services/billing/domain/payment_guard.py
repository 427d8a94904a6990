"""The duplicate-payment guard's refusal (409), in words a customer understands: while an
invoice has an initiated or pending payment, a new payment, a change of its lines, a void
or applying credit is refused, naming the invoice and the blocking payment
(handlers/payments.py says how the guard holds)."""
from __future__ import annotations

from datetime import datetime

from services.billing.domain.payment import Payable
from services.chassis.errors import PortalError

METHOD_NAMES = {"card": "card payment", "card_declined": "card payment", "bank_debit": "bank debit",
                "bank_transfer": "bank transfer", "cash": "cash payment", "cheque": "cheque"}


class PaymentInProgress(PortalError):
    """An invoice of the request has a payment that is initiated or pending (the guard)."""
    status = 409
    title = "Conflict"


def in_progress(invoice: Payable, row) -> PaymentInProgress:
    """The guard's refusal, in words a customer understands."""
    name = invoice.number or invoice.invoice_id
    how = METHOD_NAMES.get(row.method or "", "payment")
    day = _day(row.initiated_at)
    if row.status == "pending":
        detail = (f"A payment for {name} is still being processed ({how} started {day}). "
                  "You can pay again if it fails.")
    else:
        detail = (f"A payment for {name} was started {day} and is not finished yet ({how}). "
                  "Finish it, or pay again once it has failed or expired.")
    return PaymentInProgress(detail, payment_id=row.payment_id, invoice_id=invoice.invoice_id,
                             number=invoice.number)


def _day(iso: str) -> str:
    """"25 Nov" for an ISO time (UTC)."""
    moment = datetime.fromisoformat(iso)
    return f"{moment.day} {moment:%b}"
