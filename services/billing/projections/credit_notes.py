"""Credit notes' read models, kept in step with their events in the append's transaction.

`credit_notes` is one row per note (lists, detail, the PDF): its content and what is
applied, refunded and left. `credit_applications` (defined in paid.py, because the
invoices' amount paid is summed from it by `paid_on`) has a row per CreditApplied, keyed by
the event's id; `credit_refunds` a row per CreditRefunded. Applying credit recomputes the
invoice's amount paid, amount due and status (`refresh_paid`), exactly as a settled
payment does. Everything here is rebuilt from the events (`rebuild-projections`).

Numbers: `uq_credit_notes_number` makes CN-000123 unique per org; the handler takes one
past the highest `number_seq` and, when another request took it first, the index refuses
the second write and the handler tries the next (handlers/credit_notes.py).
"""
from sqlalchemy import BigInteger, Column, Index, JSON, String, Table, Text, insert, select, update

from services.billing.domain.credit_note import number_sequence, status_of
from services.billing.projections.paid import credit_applications, refresh_paid
from services.billing.tables import Money, metadata
from services.chassis.projections import Projection

credit_notes = Table(
    "credit_notes", metadata,
    Column("credit_note_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("number", String(40), nullable=False),
    Column("number_seq", BigInteger),
    Column("status", String(20), nullable=False),          # open partially_used used
    Column("currency", String(3), nullable=False),
    Column("invoice_id", String(64)),                      # issued against this invoice, if any
    Column("reason", Text),
    Column("lines", JSON, nullable=False),
    Column("subtotal_minor", Money, nullable=False),
    Column("discount_minor", Money, nullable=False),
    Column("tax_minor", Money, nullable=False),
    Column("total_minor", Money, nullable=False),
    Column("applied_minor", Money, nullable=False),
    Column("refunded_minor", Money, nullable=False),
    Column("remaining_minor", Money, nullable=False),
    Column("external_ref", String(200)),
    Column("issued_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Index("uq_credit_notes_number", "org_id", "number", unique=True),
    Index("uq_credit_notes_external_ref", "org_id", "external_ref", unique=True),
    Index("ix_credit_notes_number_seq", "org_id", "number_seq"),
    Index("ix_credit_notes_customer", "org_id", "customer_id", "issued_at", "credit_note_id"),
    Index("ix_credit_notes_org", "org_id", "issued_at", "credit_note_id"),
)

credit_refunds = Table(
    "credit_refunds", metadata,
    Column("refund_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("credit_note_id", String(64), nullable=False),
    Column("amount_minor", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("reason", Text),
    Column("refunded_at", String(40), nullable=False),
    Index("ix_credit_refunds_note", "credit_note_id", "refunded_at"),
)


class CreditNoteList(Projection):
    tables = (credit_refunds, credit_applications, credit_notes)

    def when_CreditNoteIssued(self, conn, e):
        d = e.data
        lines = d.get("lines") or []
        conn.execute(insert(credit_notes).values(
            credit_note_id=d["credit_note_id"], org_id=e.org_id, customer_id=d["customer_id"],
            number=d["number"], number_seq=number_sequence(d["number"]), status="open",
            currency=d["currency"], invoice_id=d["invoice_id"], reason=d["reason"], lines=lines,
            subtotal_minor=d.get("subtotal_minor", d["total_minor"]),
            discount_minor=d.get("discount_minor", 0), tax_minor=d.get("tax_minor", 0),
            total_minor=d["total_minor"], applied_minor=0, refunded_minor=0, remaining_minor=d["total_minor"],
            external_ref=d["external_ref"], issued_at=d["issued_at"], updated_at=e.occurred_at))

    def when_CreditApplied(self, conn, e):
        d = e.data
        conn.execute(insert(credit_applications).values(
            application_id=e.event_id, org_id=e.org_id, customer_id=d["customer_id"],
            credit_note_id=d["credit_note_id"], invoice_id=d["invoice_id"], amount_minor=d["amount_minor"],
            currency=d["currency"], applied_at=e.occurred_at))
        self._used(conn, e, applied_minor=credit_notes.c.applied_minor + d["amount_minor"])
        refresh_paid(conn, d["invoice_id"], e.occurred_at)

    def when_CreditRefunded(self, conn, e):
        d = e.data
        conn.execute(insert(credit_refunds).values(
            refund_id=d.get("refund_id") or e.event_id, org_id=e.org_id, customer_id=d["customer_id"],
            credit_note_id=d["credit_note_id"], amount_minor=d["amount_minor"], currency=d["currency"],
            reason=d.get("reason"), refunded_at=e.occurred_at))
        self._used(conn, e, refunded_minor=credit_notes.c.refunded_minor + d["amount_minor"])

    @staticmethod
    def _used(conn, e, **values) -> None:
        d = e.data
        total = conn.execute(select(credit_notes.c.total_minor)
                             .where(credit_notes.c.credit_note_id == d["credit_note_id"])).scalar_one()
        conn.execute(update(credit_notes).where(credit_notes.c.credit_note_id == d["credit_note_id"]).values(
            remaining_minor=d["remaining_minor"], status=status_of(total, d["remaining_minor"]),
            updated_at=e.occurred_at, **values))
