"""Payments' read models (see domain/payment.py), kept in step with their events.

`payments` has one row each (lists and detail); `payment_allocations` (paid.py) one row per
payment and invoice; `invoice_payment_locks` is the duplicate-payment guard: an invoice's row
exists while a payment for it is initiated or pending; its primary key is the invoice id,
inserted with PaymentInitiated in the same transaction, so a second in-flight payment for an
invoice cannot be committed, whatever the timing. Settling and refunding recompute the
invoice's amount paid, amount due and status (`paid.refresh_paid`): a refund changes them
only when it reopens the invoice (`reopens_invoice`, domain/payment.py).
"""
from sqlalchemy import JSON, Column, Index, String, Table, Text, delete, insert, select, update

from services.billing.domain.payment import owed_again
from services.billing.projections.paid import payment_allocations, refresh_paid
from services.billing.tables import Money, metadata
from services.chassis.projections import Projection

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
             "reopened_minor": 0, "status": "initiated", "initiated_at": at} for a in d["allocations"]])
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

    def when_PaymentReceivedAfterFailure(self, conn, e):
        # Money taken after billing failed the payment, owed by no invoice any more: it pays
        # nothing (paid_on counts settled and refunded allocations only); staff refund it.
        self._status(conn, e, "received_late")

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
        reopens = owed_again(d)
        for invoice_id in sorted(split):
            c = payment_allocations.c
            conn.execute(update(payment_allocations)
                         .where(c.payment_id == d["payment_id"], c.invoice_id == invoice_id)
                         .values(refunded_minor=c.refunded_minor + split[invoice_id],
                                 reopened_minor=c.reopened_minor + (split[invoice_id] if reopens else 0)))
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

