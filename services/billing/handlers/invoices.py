"""Invoices: create (draft or issued), update, issue, void, discard a draft, record a view.
Each handler loads the invoice, calls it, and appends its events in one transaction.

Two writers can race on one invoice: the event store refuses the second append
(ConcurrencyConflict) and the command runs again on the fresh state. A unique index
refusing a number or an external_ref (IntegrityError) is sorted out in `create_invoice`
and `_numbered`.

Invoice numbers are unique per org (case-insensitive), given by staff or taken in sequence.
Race-safe without a lock: the next number is one past the highest INV-nnnnnn of the org,
and the unique index `uq_invoices_number` refuses a second invoice with it. Two requests
that pick the same number at once both write; the second write fails at the index (it
waits for the first transaction on PostgreSQL; SQLite serialises writers), and its handler
runs again and takes the next one. A number staff gave that is taken answers 409.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from services.billing.domain.commands import (CreateInvoice, DiscardDraft, IssueInvoice,
                                              RecordInvoiceView, UpdateInvoice, VoidInvoice)
from services.billing.domain.invoice import Invoice, auto_number
from services.billing.domain.payment_guard import PaymentInProgress
from services.billing.projections.invoices import content, invoice_views, invoices, numbered
from services.billing.projections.paid import paid_on
from services.billing.queries.payments import in_flight_payment
from services.chassis.errors import ConcurrencyConflict, DomainError, NotFound, retry_on_conflict
from services.chassis.events import utc_now

ATTEMPTS = 5
VIEW_EVERY = timedelta(hours=1)       # at most one InvoiceViewed per contact, invoice and hour


class NumberTaken(DomainError):
    status = 409
    title = "Conflict"


def by_external_ref(conn, org_id: str, external_ref: str | None) -> str | None:
    if external_ref is None:
        return None
    return conn.execute(select(invoices.c.invoice_id).where(
        invoices.c.org_id == org_id, invoices.c.external_ref == external_ref.strip())).scalar()


def create_invoice(rt, cmd: CreateInvoice) -> tuple[str, bool]:
    """(invoice id, created). Pushing an external_ref again answers the invoice it made."""
    for attempt in range(ATTEMPTS):
        invoice = Invoice.draft(cmd.org_id, cmd.customer_id, cmd.currency, cmd.lines, cmd.due_date,
                                cmd.notes, cmd.number, cmd.external_ref,
                                sales_order_id=cmd.sales_order_id)
        given = invoice.number                # None: we number it (and may retry with the next)
        try:
            with rt.store.unit_of_work() as uow:
                existing = by_external_ref(uow.conn, cmd.org_id, invoice.external_ref)
                if existing:
                    return existing, False
                ensure_free(uow.conn, cmd.org_id, given, invoice.id)
                if cmd.issue:
                    invoice.issue(given or next_number(uow.conn, cmd.org_id), utc_now())
                    uow.add(invoice)
                else:
                    _save_draft(uow.conn, invoice, new=True)
                uow.commit()
            return invoice.id, True
        except IntegrityError:
            # Another request took the external_ref or the number between our check and write.
            with rt.engine.connect() as conn:
                existing = by_external_ref(conn, cmd.org_id, invoice.external_ref)
                if existing:
                    return existing, False
                ensure_free(conn, cmd.org_id, given, invoice.id)
            if attempt == ATTEMPTS - 1:
                raise ConcurrencyConflict("Could not number the invoice; try again.") from None
    raise AssertionError("unreachable")


def update_invoice(rt, cmd: UpdateInvoice) -> list[str]:
    def run():
        with rt.store.unit_of_work() as uow:
            invoice = load_invoice(uow, cmd.org_id, cmd.invoice_id)
            if "lines" in cmd.changes and invoice.state == "issued":
                _ensure_no_payment_in_flight(uow.conn, invoice, "its lines cannot change")
            changed = invoice.update(cmd.changes)
            if invoice.state == "draft":
                ensure_free(uow.conn, cmd.org_id, invoice.number, invoice.id)
                _save_draft(uow.conn, invoice)
            uow.add(invoice)
            uow.commit()
        return changed
    try:
        return retry_on_conflict(run)
    except IntegrityError:
        raise NumberTaken("This invoice number is already used.", field="number") from None


def issue_invoice(rt, cmd: IssueInvoice) -> None:
    def run():
        with rt.store.unit_of_work() as uow:
            invoice = load_invoice(uow, cmd.org_id, cmd.invoice_id)
            if invoice.state != "draft":
                raise DomainError("This invoice is already issued.", code="already_issued")
            given = cmd.number or invoice.number
            ensure_free(uow.conn, cmd.org_id, given, invoice.id)
            invoice.issue(given or next_number(uow.conn, cmd.org_id), utc_now())
            uow.add(invoice)
            uow.commit()
    _numbered(run, given=cmd.number is not None)


def void_invoice(rt, cmd: VoidInvoice) -> None:
    def run():
        with rt.store.unit_of_work() as uow:
            invoice = load_invoice(uow, cmd.org_id, cmd.invoice_id)
            if invoice.state == "issued":
                _ensure_no_payment_in_flight(uow.conn, invoice, "it cannot be voided")
            invoice.void(cmd.reason)
            uow.add(invoice)
            uow.commit()
    retry_on_conflict(run)


def discard_draft(rt, cmd: DiscardDraft) -> None:
    """A draft nobody outside billing ever saw is simply removed (an issued one is voided)."""
    with rt.store.unit_of_work() as uow:
        gone = uow.conn.execute(delete(invoices).where(
            invoices.c.invoice_id == cmd.invoice_id, invoices.c.org_id == cmd.org_id,
            invoices.c.status == "draft")).rowcount
        if not gone:
            load_invoice(uow, cmd.org_id, cmd.invoice_id)            # 404 when there is no such invoice
            raise DomainError("Only a draft can be discarded; void an issued invoice.", code="issued")
        uow.commit()


def record_view(rt, cmd: RecordInvoiceView, now: datetime | None = None) -> bool:
    """Record InvoiceViewed unless this contact opened this invoice less than an hour ago.
    Two opens at once append the same stream version: one wins, the other, retried, sees
    the first in `invoice_views` and stops. Returns whether an event was recorded."""
    now = now or datetime.now(timezone.utc)

    def run():
        with rt.store.unit_of_work() as uow:
            if recently_viewed(uow.conn, cmd, now):
                return False
            invoice = uow.load(Invoice, cmd.invoice_id, cmd.org_id)
            invoice.record_view(cmd.contact_id)
            uow.add(invoice)
            uow.commit()
            return True
    return retry_on_conflict(run)


def recently_viewed(conn, cmd: RecordInvoiceView, now: datetime | None = None) -> bool:
    """A read-only check first, so most opens never start a write transaction."""
    now = now or datetime.now(timezone.utc)
    last = conn.execute(select(invoice_views.c.last_viewed_at).where(
        invoice_views.c.org_id == cmd.org_id, invoice_views.c.invoice_id == cmd.invoice_id,
        invoice_views.c.contact_id == cmd.contact_id)).scalar()
    return bool(last) and now - datetime.fromisoformat(last) < VIEW_EVERY


# --- numbers ------------------------------------------------------------------------------

def next_number(conn, org_id: str) -> str:
    highest = conn.execute(select(func.max(invoices.c.number_seq))
                           .where(invoices.c.org_id == org_id)).scalar()
    return auto_number((highest or 0) + 1)


def is_free(conn, org_id: str, number: str, invoice_id: str) -> bool:
    """True unless another invoice of the org has this number (in any case)."""
    found = conn.execute(select(invoices.c.invoice_id).where(
        invoices.c.org_id == org_id, invoices.c.number_key == number.lower(),
        invoices.c.invoice_id != invoice_id)).first()
    return found is None


def ensure_free(conn, org_id: str, number: str | None, invoice_id: str) -> None:
    if number is not None and not is_free(conn, org_id, number, invoice_id):
        raise NumberTaken(f"Invoice number {number} is already used.", field="number")


# --- helpers ------------------------------------------------------------------------------

def _numbered(run, given: bool) -> None:
    """Run an issue; a number taken meanwhile: 409 if staff gave it, else take the next one."""
    for attempt in range(ATTEMPTS):
        try:
            return retry_on_conflict(run)
        except IntegrityError:
            if given:
                raise NumberTaken("This invoice number is already used.", field="number") from None
            if attempt == ATTEMPTS - 1:
                raise ConcurrencyConflict("Could not number the invoice; try again.") from None


def load_invoice(uow, org_id: str, invoice_id: str) -> Invoice:
    """The invoice, from its draft row or from its events, with what payments paid towards
    it; locks the row (PostgreSQL) so two commands on one invoice, and a payment starting
    or settling, take turns. Another org's invoice is a 404."""
    row = uow.conn.execute(select(invoices).where(
        invoices.c.invoice_id == invoice_id, invoices.c.org_id == org_id).with_for_update()).first()
    if row is None:
        raise NotFound("No such invoice.")
    if row.status == "draft":
        return Invoice.from_draft(row._mapping)
    invoice = uow.load(Invoice, invoice_id, org_id)
    invoice.account_for_payments(paid_on(uow.conn, invoice_id))
    return invoice


def _ensure_no_payment_in_flight(conn, invoice: Invoice, what: str) -> None:
    """A payment started for the amount due must find the invoice as it was (409 until it
    settles or fails)."""
    payment_id = in_flight_payment(conn, invoice.id)
    if payment_id:
        raise PaymentInProgress(f"A payment for {invoice.number} is being processed, so {what} now.",
                                payment_id=payment_id)


def _save_draft(conn, invoice: Invoice, new: bool = False) -> None:
    now = utc_now()
    data = {**invoice.draft_row(), "issued_at": None}
    values = {**content(data), **numbered(invoice.number), "customer_id": invoice.customer_id,
              "currency": invoice.currency, "external_ref": invoice.external_ref,
              "sales_order_id": invoice.sales_order_id, "updated_at": now}
    if new:
        conn.execute(insert(invoices).values(
            invoice_id=invoice.id, org_id=invoice.org_id, status="draft", issued_at=None, listed_at=now,
            amount_paid_minor=0, amount_due_minor=invoice.totals.total_minor, created_at=now, **values))
    else:
        conn.execute(update(invoices).where(invoices.c.invoice_id == invoice.id, invoices.c.status == "draft")
                     .values(amount_due_minor=invoice.totals.total_minor, **values))
