"""billing's read models, kept in step with its events in the append's transaction.

`invoices` is what every list and detail page reads. It also holds the drafts, which have
no events (see domain/invoice.py): the handlers write a draft's row themselves, and
InvoiceIssued turns it into an issued one. So that `rebuild-projections` cannot lose a
draft, the table is not emptied on a rebuild: every handler here writes the values its
event fully determines (InvoiceIssued upserts the whole row), so replaying the events
over the existing rows gives the same rows as a fresh table would.

Sorting and keyset pagination need non-null keys: `listed_at` is the issue time (a draft's
creation time), `due_key` the due date or "9999-12-31", `number_key` the lower-cased number
or "" (a draft without a number). Dates and times are ISO text, which sorts in time order.

Payments (see domain/payment.py) keep `payments` (one row each, lists and detail),
`payment_allocations` (one row per payment and invoice: the invoice's payment history, and
what its amount paid is summed from) and `invoice_payment_locks` (the duplicate-payment
guard: an invoice's row exists while a payment for it is initiated or pending; its primary
key is the invoice id, inserted with PaymentInitiated in the same transaction, so a second
in-flight payment for an invoice cannot be committed, whatever the timing). Settling and
refunding recompute the invoice's amount paid, amount due and status from the allocations
(`refresh_paid`), and the handlers give the Invoice aggregate the same sum (`paid_on`).

Tables that are not projections (not emptied on a rebuild, written by payments.py):
`payment_gateway_refs` (the gateway's reference and checkout URL of each online payment,
known before any event carries it), `gateway_events` (gateway event ids already applied)
and `refund_requests` (refunds asked of the gateway and not yet recorded).
"""
from sqlalchemy import (JSON, BigInteger, Column, Index, MetaData, String, Table, Text, delete,
                        func, insert, select, text, update)

from services.chassis.db import upsert_insert
from services.chassis.projections import Projection
from services.billing.domain.invoice import number_sequence, stored_status

metadata = MetaData()
NO_DUE_DATE = "9999-12-31"
Money = BigInteger

invoices = Table(
    "invoices", metadata,
    Column("invoice_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("number", String(40)),
    Column("number_key", String(40), nullable=False),
    Column("number_seq", BigInteger),
    Column("status", String(20), nullable=False),       # draft sent partially_paid paid void
    Column("currency", String(3), nullable=False),
    Column("subtotal_minor", Money, nullable=False),
    Column("discount_minor", Money, nullable=False),
    Column("tax_minor", Money, nullable=False),
    Column("total_minor", Money, nullable=False),
    Column("amount_paid_minor", Money, nullable=False),
    Column("amount_due_minor", Money, nullable=False),
    Column("issued_at", String(40)),
    Column("listed_at", String(40), nullable=False),
    Column("due_date", String(10)),
    Column("due_key", String(10), nullable=False),
    Column("external_ref", String(200)),
    Column("notes", Text),
    Column("lines", JSON, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Index("uq_invoices_number", "org_id", "number_key", unique=True,
          postgresql_where=text("number_key <> ''"), sqlite_where=text("number_key <> ''")),
    Index("uq_invoices_external_ref", "org_id", "external_ref", unique=True),
    Index("ix_invoices_number_seq", "org_id", "number_seq"),
    # a customer's list (10k invoices), one index per sort, the id breaking ties
    Index("ix_invoices_customer_listed", "org_id", "customer_id", "listed_at", "invoice_id"),
    Index("ix_invoices_customer_status", "org_id", "customer_id", "status", "listed_at", "invoice_id"),
    Index("ix_invoices_customer_due", "org_id", "customer_id", "due_key", "invoice_id"),
    Index("ix_invoices_customer_number", "org_id", "customer_id", "number_key", "invoice_id"),
    Index("ix_invoices_customer_total", "org_id", "customer_id", "total_minor", "invoice_id"),
    # an org's list (1M invoices), the same sorts
    Index("ix_invoices_org_listed", "org_id", "listed_at", "invoice_id"),
    Index("ix_invoices_org_status", "org_id", "status", "listed_at", "invoice_id"),
    Index("ix_invoices_org_due", "org_id", "due_key", "invoice_id"),
    Index("ix_invoices_org_number", "org_id", "number_key", "invoice_id"),
    Index("ix_invoices_org_total", "org_id", "total_minor", "invoice_id"),
)

# When each contact last opened each invoice: it keeps InvoiceViewed to one an hour.
invoice_views = Table(
    "invoice_views", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("invoice_id", String(64), primary_key=True),
    Column("contact_id", String(64), primary_key=True),
    Column("last_viewed_at", String(40), nullable=False),
)


payments = Table(
    "payments", metadata,
    Column("payment_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("gateway", String(20), nullable=False),
    Column("method", String(40)),
    Column("gateway_reference", String(200)),
    Column("status", String(20), nullable=False),        # initiated pending settled failed refunded
    Column("currency", String(3), nullable=False),
    Column("amount_minor", Money, nullable=False),
    Column("refunded_minor", Money, nullable=False),
    Column("allocations", JSON, nullable=False),         # [{invoice_id, amount_minor, refunded_minor}]
    Column("failure_reason", String(100)),
    Column("failure_message", Text),
    Column("initiated_at", String(40), nullable=False),
    Column("pending_at", String(40)),
    Column("settled_at", String(40)),
    Column("failed_at", String(40)),
    Column("refunded_at", String(40)),
    Column("updated_at", String(40), nullable=False),
    Index("ix_payments_customer", "org_id", "customer_id", "initiated_at", "payment_id"),
    Index("ix_payments_org", "org_id", "initiated_at", "payment_id"),
    Index("ix_payments_org_status", "org_id", "status", "initiated_at", "payment_id"),
    Index("ix_payments_org_gateway", "org_id", "gateway", "initiated_at", "payment_id"),
)

payment_allocations = Table(
    "payment_allocations", metadata,
    Column("payment_id", String(64), primary_key=True),
    Column("invoice_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("amount_minor", Money, nullable=False),
    Column("refunded_minor", Money, nullable=False),
    Column("status", String(20), nullable=False),
    Column("initiated_at", String(40), nullable=False),
    Index("ix_payment_allocations_invoice", "invoice_id", "initiated_at", "payment_id"),
)

# Credit notes applied to invoices (one row per CreditApplied, its event id as key): with
# the settled payments, what an invoice's amount paid is summed from (`paid_on`). Written by
# credit_projections.CreditNoteList.
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

invoice_payment_locks = Table(
    "invoice_payment_locks", metadata,
    Column("invoice_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("payment_id", String(64), nullable=False, index=True),
    Column("customer_id", String(64), nullable=False),
    Column("gateway", String(20), nullable=False),
    Column("method", String(40)),
    Column("started_at", String(40), nullable=False),
)

payment_gateway_refs = Table(
    "payment_gateway_refs", metadata,
    Column("payment_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("gateway", String(20), nullable=False),
    Column("reference", String(200), nullable=False),
    Column("redirect_url", Text),
    Column("updated_at", String(40), nullable=False),
    Index("uq_payment_gateway_refs_reference", "gateway", "reference", unique=True),
)

gateway_events = Table(
    "gateway_events", metadata,
    Column("event_id", String(200), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("payment_id", String(64)),
    Column("status", String(20), nullable=False),
    Column("outcome", String(20), nullable=False),       # applied, unchanged
    Column("processed_at", String(40), nullable=False),
)

refund_requests = Table(
    "refund_requests", metadata,
    Column("refund_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("payment_id", String(64), nullable=False, index=True),
    Column("amount_minor", Money, nullable=False),
    Column("reason", Text),
    Column("status", String(20), nullable=False),        # requested, done, failed
    Column("gateway_refund_id", String(200)),
    Column("created_at", String(40), nullable=False),
)


def content(data: dict) -> dict:
    """The columns an InvoiceIssued / InvoiceUpdated (or a draft) sets from its content."""
    lines = data.get("lines") or []
    return {
        "lines": lines, "due_date": data["due_date"], "due_key": data["due_date"] or NO_DUE_DATE,
        "notes": data.get("notes"), "total_minor": data["total_minor"], "tax_minor": data["tax_minor"],
        "subtotal_minor": data.get("subtotal_minor", sum(line["subtotal_minor"] for line in lines)),
        "discount_minor": data.get("discount_minor", sum(line["discount_minor"] for line in lines)),
    }


def numbered(number: str | None) -> dict:
    return {"number": number, "number_key": (number or "").lower(), "number_seq": number_sequence(number)}


class InvoiceList(Projection):
    tables = ()             # not emptied on a rebuild: the table also holds the drafts (above)

    def when_InvoiceIssued(self, conn, e):
        d = e.data
        row = {**content(d), **numbered(d["number"]), "customer_id": d["customer_id"],
               "currency": d["currency"], "external_ref": d["external_ref"], "issued_at": d["issued_at"],
               "listed_at": d["issued_at"], "amount_paid_minor": 0, "amount_due_minor": d["total_minor"],
               "status": stored_status("issued", d["total_minor"], 0), "updated_at": e.occurred_at}
        conn.execute(upsert_insert(conn, invoices)
                     .values(invoice_id=d["invoice_id"], org_id=e.org_id, created_at=e.occurred_at, **row)
                     .on_conflict_do_update(index_elements=["invoice_id"], set_=row))

    def when_InvoiceUpdated(self, conn, e):
        d = e.data
        paid = conn.execute(select(invoices.c.amount_paid_minor)
                            .where(invoices.c.invoice_id == d["invoice_id"])).scalar_one()
        conn.execute(update(invoices).where(invoices.c.invoice_id == d["invoice_id"]).values(
            **content(d), amount_due_minor=d["amount_due_minor"], updated_at=e.occurred_at,
            status=stored_status("issued", d["total_minor"], paid)))

    def when_InvoiceVoided(self, conn, e):
        conn.execute(update(invoices).where(invoices.c.invoice_id == e.data["invoice_id"])
                     .values(status="void", amount_due_minor=0, updated_at=e.occurred_at))


class InvoiceViews(Projection):
    tables = (invoice_views,)

    def when_InvoiceViewed(self, conn, e):
        d = e.data
        conn.execute(upsert_insert(conn, invoice_views)
                     .values(org_id=e.org_id, invoice_id=d["invoice_id"], contact_id=d["contact_id"],
                             last_viewed_at=e.occurred_at)
                     .on_conflict_do_update(index_elements=["org_id", "invoice_id", "contact_id"],
                                            set_={"last_viewed_at": e.occurred_at}))


def paid_on(conn, invoice_id: str) -> int:
    """What settled payments, less refunds, and applied credit notes pay towards an invoice."""
    c, k = payment_allocations.c, credit_applications.c
    paid = conn.execute(select(func.coalesce(func.sum(c.amount_minor - c.refunded_minor), 0)).where(
        c.invoice_id == invoice_id, c.status.in_(("settled", "refunded")))).scalar_one()
    credited = conn.execute(select(func.coalesce(func.sum(k.amount_minor), 0))
                            .where(k.invoice_id == invoice_id)).scalar_one()
    return int(paid) + int(credited)        # numeric on PG


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


class PaymentList(Projection):
    """`payments`, `payment_allocations`, the invoices' amounts paid, and the in-flight locks."""

    tables = (invoice_payment_locks, payment_allocations, payments)

    def when_PaymentInitiated(self, conn, e):
        d, at = e.data, e.occurred_at
        conn.execute(insert(payments).values(
            payment_id=d["payment_id"], org_id=e.org_id, customer_id=d["customer_id"], gateway=d["gateway"],
            method=d.get("method"), status="initiated", currency=d["currency"], amount_minor=d["amount_minor"],
            refunded_minor=0, allocations=[{**a, "refunded_minor": 0} for a in d["allocations"]],
            initiated_at=at, updated_at=at))
        conn.execute(insert(payment_allocations), [
            {"payment_id": d["payment_id"], "invoice_id": a["invoice_id"], "org_id": e.org_id,
             "customer_id": d["customer_id"], "amount_minor": a["amount_minor"], "refunded_minor": 0,
             "status": "initiated", "initiated_at": at} for a in d["allocations"]])
        # The guard: a second in-flight payment for one of these invoices fails here
        # (IntegrityError), in the transaction that would have recorded it.
        for a in sorted(d["allocations"], key=lambda a: a["invoice_id"]):
            conn.execute(insert(invoice_payment_locks).values(
                invoice_id=a["invoice_id"], org_id=e.org_id, payment_id=d["payment_id"],
                customer_id=d["customer_id"], gateway=d["gateway"], method=d.get("method"), started_at=at))

    def when_PaymentPending(self, conn, e):
        self._status(conn, e, "pending", pending_at=e.occurred_at)

    def when_PaymentSettled(self, conn, e):
        self._status(conn, e, "settled", settled_at=e.occurred_at)
        self._unlock(conn, e)
        for a in sorted(e.data["allocations"], key=lambda a: a["invoice_id"]):
            refresh_paid(conn, a["invoice_id"], e.occurred_at)

    def when_PaymentFailed(self, conn, e):
        self._status(conn, e, "failed", failed_at=e.occurred_at, failure_reason=e.data["reason"],
                     failure_message=e.data["message"])
        self._unlock(conn, e)

    def when_PaymentRefunded(self, conn, e):
        d = e.data
        row = conn.execute(select(payments.c.allocations, payments.c.refunded_minor)
                           .where(payments.c.payment_id == d["payment_id"])).first()
        split = {a["invoice_id"]: a["amount_minor"] for a in d.get("allocations") or ()}
        if not split:           # recorded before refunds named their invoices: last allocation first
            left = d["amount_minor"]
            for a in reversed(row.allocations):
                take = min(a["amount_minor"] - a["refunded_minor"], left)
                if take > 0:
                    split[a["invoice_id"]], left = take, left - take
        allocations = [{**a, "refunded_minor": a["refunded_minor"] + split.get(a["invoice_id"], 0)}
                       for a in row.allocations]
        self._status(conn, e, "refunded", refunded_at=e.occurred_at, allocations=allocations,
                     refunded_minor=row.refunded_minor + d["amount_minor"])
        for invoice_id in sorted(split):
            c = payment_allocations.c
            conn.execute(update(payment_allocations)
                         .where(c.payment_id == d["payment_id"], c.invoice_id == invoice_id)
                         .values(refunded_minor=c.refunded_minor + split[invoice_id]))
            refresh_paid(conn, invoice_id, e.occurred_at)

    @staticmethod
    def _status(conn, e, status: str, **values) -> None:
        payment_id = e.data["payment_id"]
        if "gateway_reference" in e.data and e.data["gateway_reference"]:
            values["gateway_reference"] = e.data["gateway_reference"]
        conn.execute(update(payments).where(payments.c.payment_id == payment_id)
                     .values(status=status, updated_at=e.occurred_at, **values))
        conn.execute(update(payment_allocations).where(payment_allocations.c.payment_id == payment_id)
                     .values(status=status))

    @staticmethod
    def _unlock(conn, e) -> None:
        conn.execute(delete(invoice_payment_locks)
                     .where(invoice_payment_locks.c.payment_id == e.data["payment_id"]))


def all_projections():
    from services.billing.credit_projections import CreditNoteList
    from services.billing.comments import Conversation
    return [InvoiceList(), InvoiceViews(), PaymentList(), CreditNoteList(), Conversation()]
