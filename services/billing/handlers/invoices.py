"""Invoices: create (draft or issued), update, issue, void, discard a draft, record a view.
Each handler loads the invoice, calls it, and appends its events in one transaction.
Creating is pushing: one invoice is a push of one, and an ERP's batch (up to 500) is
checked, numbered, appended and projected in one transaction as well (`create_invoices`).

Two writers can race on one invoice: the event store refuses the second append
(ConcurrencyConflict) and the command runs again on the fresh state.

Invoice numbers are unique per org (case-insensitive), given by staff or taken in sequence
from the org's counter (numbers.py). A create with something to check (an external_ref, a
given number), and every numbering, takes that counter first in its transaction: they take
turns there, so the checks after it (this external_ref pushed before? this number free?)
hold until commit, and a number is never refused by the unique index `uq_invoices_number`
nor lost to a rollback. A number staff gave that is taken answers 409; the index still
stands behind every check.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from services.billing.domain.commands import (CreateInvoice, CreateInvoices, DiscardDraft, IssueInvoice,
                                              RecordInvoiceView, UpdateInvoice, VoidInvoice)
from services.billing.domain.invoice import MAX_BATCH, Invoice
from services.billing.domain.payment_guard import PaymentInProgress
from services.billing.handlers import numbers
from services.billing.projections.invoices import content, invoice_views, invoices, numbered
from services.billing.projections.paid import paid_on
from services.billing.queries.payments import in_flight_payment
from services.chassis.errors import (ConcurrencyConflict, DomainError, NotFound, PortalError,
                                    retry_on_conflict)
from services.chassis.events import utc_now

VIEW_EVERY = timedelta(hours=1)       # at most one InvoiceViewed per contact, invoice and hour


class NumberTaken(DomainError):
    status = 409
    title = "Conflict"


class TooManyInvoices(DomainError):
    status = 413
    title = "Content Too Large"


def by_external_ref(conn, org_id: str, external_ref: str | None) -> str | None:
    if external_ref is None:
        return None
    return by_external_refs(conn, org_id, [external_ref]).get(external_ref.strip())


def by_external_refs(conn, org_id: str, refs) -> dict[str, str]:
    """{external_ref: invoice id} for those of `refs` the org has pushed before."""
    wanted = sorted({ref.strip() for ref in refs if ref})
    if not wanted:
        return {}
    return dict(conn.execute(select(invoices.c.external_ref, invoices.c.invoice_id).where(
        invoices.c.org_id == org_id, invoices.c.external_ref.in_(wanted))).all())


@dataclass(frozen=True)
class Pushed:
    """What became of one invoice of a push: made now (`created`), found by its external_ref,
    or refused with `error` (and then nothing of it was stored)."""
    invoice_id: str | None = None
    created: bool = False
    error: PortalError | None = None


def create_invoice(rt, cmd: CreateInvoice) -> tuple[str, bool]:
    """(invoice id, created). Pushing an external_ref again answers the invoice it made."""
    [pushed] = create_invoices(rt, CreateInvoices(cmd.org_id, (cmd,)))
    if pushed.error is not None:
        raise pushed.error
    return pushed.invoice_id, pushed.created


def create_invoices(rt, cmd: CreateInvoices) -> list[Pushed]:
    """Every item of the push in one transaction, a `Pushed` for each in order. An item that
    is refused (bad content, a given number that is taken) is left out, the others go in; an
    external_ref pushed before, or earlier in the same push, answers that invoice."""
    ensure_batch_size(len(cmd.invoices))
    if any(item.org_id != cmd.org_id for item in cmd.invoices):
        raise ValueError("every invoice of a push belongs to its org")
    return retry_on_conflict(lambda: _push(rt, cmd))


def ensure_batch_size(count: int) -> None:
    if count > MAX_BATCH:
        raise TooManyInvoices(f"A push takes at most {MAX_BATCH} invoices; send the rest in another.",
                              field="invoices")


def _push(rt, cmd: CreateInvoices) -> list[Pushed]:
    results: list[Pushed | None] = [None] * len(cmd.invoices)
    made: list[tuple[int, Invoice]] = []
    for i, item in enumerate(cmd.invoices):
        try:
            made.append((i, draft_of(item)))
        except DomainError as exc:
            results[i] = Pushed(error=exc)
    with rt.store.unit_of_work() as uow:
        conn = uow.conn
        if any(invoice.external_ref or invoice.number for _, invoice in made):
            numbers.lock(conn, cmd.org_id)        # first: the checks below hold until commit
        # (nothing to check: `take` below takes the counter when it numbers)
        known = by_external_refs(conn, cmd.org_id, [invoice.external_ref for _, invoice in made])
        used = numbers.taken(conn, cmd.org_id, [invoice.number for _, invoice in made])
        accepted: list[tuple[int, Invoice]] = []
        for i, invoice in made:
            if invoice.external_ref in known:
                results[i] = Pushed(known[invoice.external_ref])
            elif invoice.number is not None and invoice.number.lower() in used:
                results[i] = Pushed(error=NumberTaken(f"Invoice number {invoice.number} is already used.",
                                                      field="number"))
            else:
                if invoice.external_ref:
                    known[invoice.external_ref] = invoice.id
                if invoice.number:
                    used.add(invoice.number.lower())
                accepted.append((i, invoice))
                results[i] = Pushed(invoice.id, created=True)
        if not accepted:
            return results                           # nothing to store: the counter is given back
        numbers.claim(conn, cmd.org_id, [invoice.number for _, invoice in accepted])
        to_number = [invoice for i, invoice in accepted if cmd.invoices[i].issue and invoice.number is None]
        given = iter(numbers.take(conn, cmd.org_id, len(to_number)))
        now = utc_now()
        for i, invoice in accepted:
            if cmd.invoices[i].issue:
                invoice.issue(invoice.number or next(given), now)
                uow.add(invoice)
            else:
                _save_draft(conn, invoice, new=True)
        try:
            uow.commit()
        except IntegrityError as exc:            # only a writer that skipped the counter gets here
            raise ConcurrencyConflict("An invoice number or external_ref was taken meanwhile.") from exc
    return results


def draft_of(cmd: CreateInvoice) -> Invoice:
    """The command's invoice, checked (DomainError) and priced, not yet stored."""
    return Invoice.draft(cmd.org_id, cmd.customer_id, cmd.currency, cmd.lines, cmd.due_date, cmd.notes,
                         cmd.number, cmd.external_ref, sales_order_id=cmd.sales_order_id)


def update_invoice(rt, cmd: UpdateInvoice) -> list[str]:
    def run():
        with rt.store.unit_of_work() as uow:
            invoice = load_invoice(uow, cmd.org_id, cmd.invoice_id)
            if "lines" in cmd.changes and invoice.state == "issued":
                _ensure_no_payment_in_flight(uow.conn, invoice, "its lines cannot change")
            changed = invoice.update(cmd.changes)
            if invoice.state == "draft":
                if "number" in changed and invoice.number is not None:
                    numbers.lock(uow.conn, cmd.org_id)
                    numbers.claim(uow.conn, cmd.org_id, [invoice.number])
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
            if given is None:
                number = numbers.take(uow.conn, cmd.org_id, 1)[0]
            else:
                numbers.lock(uow.conn, cmd.org_id)
                numbers.claim(uow.conn, cmd.org_id, [given])
                ensure_free(uow.conn, cmd.org_id, given, invoice.id)
                number = given
            invoice.issue(number, utc_now())
            uow.add(invoice)
            uow.commit()
    try:
        retry_on_conflict(run)
    except IntegrityError:
        raise NumberTaken("This invoice number is already used.", field="number") from None


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
