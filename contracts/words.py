"""The words people read for the statuses the contracts carry, so that the portal, the
console, the payment link page, PDFs and mails all say the same for one state (a customer
should never read "Sent" on the PDF, "Due" in the portal and "Open" on the pay link for one
invoice). Services and the gateway take them from here."""
from __future__ import annotations

INVOICE_STATUS = {"draft": "Draft", "sent": "Unpaid", "partially_paid": "Partly paid", "overdue": "Overdue",
                  "paid": "Paid", "void": "Void"}
PAYMENT_IN_PROGRESS = "Payment in progress"


def invoice_status(status: str, payment_in_progress: bool = False) -> str:
    """What an invoice's status reads; one whose payment is being processed says so instead
    of "Unpaid"/"Overdue", so nobody pays it twice."""
    if payment_in_progress and status in ("sent", "partially_paid", "overdue"):
        return PAYMENT_IN_PROGRESS
    return INVOICE_STATUS.get(status, status.replace("_", " ").capitalize())
