"""What pays an invoice, and the invoice's amounts from it: settled payments (less the
refunds that reopened the invoice) through `payment_allocations` (one row per payment and
invoice: also the invoice's payment history), and credit notes through `credit_applications`.
A refund that did not reopen the invoice (the default, domain/payment.py) leaves it paid:
`refunded_minor` counts every refund, `reopened_minor` only the part owed again. Settling, refunding and
applying credit recompute the invoice's amount paid, amount due and status from these
(`refresh_paid`), and the handlers give the Invoice aggregate the same sum (`paid_on`).
Written by payments.PaymentList and credit_notes.CreditNoteList.
"""
from sqlalchemy import Column, Index, String, Table, func, select, update

from services.billing.domain.invoice import stored_status
from services.billing.projections.invoices import invoices
from services.billing.tables import Money, metadata

payment_allocations = Table(
    "payment_allocations", metadata,
    Column("payment_id", String(64), primary_key=True),
    Column("invoice_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("amount_minor", Money, nullable=False),
    Column("refunded_minor", Money, nullable=False),     # every refund off this invoice
    Column("reopened_minor", Money, nullable=False),     # the part of it the invoice owes again
    Column("status", String(20), nullable=False),
    Column("initiated_at", String(40), nullable=False),
    Index("ix_payment_allocations_invoice", "invoice_id", "initiated_at", "payment_id"),
)

# Credit notes applied to invoices (one row per CreditApplied, its event id as key): with
# the settled payments, what an invoice's amount paid is summed from (`paid_on`). Written by
# credit_notes.CreditNoteList.
credit_applications = Table(
    "credit_applications", metadata,
    Column("application_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("credit_note_id", String(64), nullable=False),
    Column("invoice_id", String(64), nullable=False),
    Column("amount_minor", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("applied_at", String(40), nullable=False),
    Index("ix_credit_applications_invoice", "invoice_id", "applied_at"),
    Index("ix_credit_applications_note", "credit_note_id", "applied_at"),
)


def paid_on(conn, invoice_id: str) -> int:
    """What settled payments, less the refunds that reopened it, and applied credit notes pay
    towards an invoice."""
    c, k = payment_allocations.c, credit_applications.c
    paid = conn.execute(select(func.coalesce(func.sum(c.amount_minor - c.reopened_minor), 0)).where(
        c.invoice_id == invoice_id, c.status.in_(("settled", "refunded")))).scalar_one()
    credited = conn.execute(select(func.coalesce(func.sum(k.amount_minor), 0))
                            .where(k.invoice_id == invoice_id)).scalar_one()
    return int(paid) + int(credited)        # numeric on PG


def refunded_on(conn, invoice_id: str) -> int:
    """What went back to the customer off an invoice's payments without reopening it: the
    invoice stays paid, and is worth that much less to the customer."""
    c = payment_allocations.c
    return int(conn.execute(select(func.coalesce(func.sum(c.refunded_minor - c.reopened_minor), 0))
                            .where(c.invoice_id == invoice_id)).scalar_one())


def refresh_paid(conn, invoice_id: str, at: str) -> None:
    """The invoice's amount paid, amount due and status, from its allocations."""
    row = conn.execute(select(invoices.c.total_minor, invoices.c.status)
                       .where(invoices.c.invoice_id == invoice_id)).first()
    if row is None:
        return
    paid = paid_on(conn, invoice_id)
    state = "void" if row.status == "void" else "issued"
    conn.execute(update(invoices).where(invoices.c.invoice_id == invoice_id).values(
        amount_paid_minor=paid, amount_due_minor=0 if state == "void" else max(row.total_minor - paid, 0),
        status=stored_status(state, row.total_minor, paid), updated_at=at))

