"""Credit notes, the application service: issue one (numbered CN-000001 per org), apply
its credit to the customer's invoices, record refunds made from it.

**Numbers** are race-safe without a lock, like invoice numbers (invoices.py): the next is
one past the org's highest, and the unique index `uq_credit_notes_number` refuses a second
note with it; the request that lost the race runs again and takes the next one.

**Applying credit** reads the invoice's row FOR UPDATE (PostgreSQL; SQLite serialises
writers), exactly as starting a payment and changing an invoice do, so a credit and a
payment for one invoice take turns and the amount due they check is the current one
(`paid_on`). An invoice with a payment in flight takes no credit (409): that payment was
started for the amount due as it was. The note's own stream refuses a concurrent second
use (ConcurrencyConflict), and the command runs again on the fresh state, so two requests
can never use more credit than the note has.

**One refund per request**, as for payments (refunds.py): the caller may name its request
(`request_id`: the console's form sends the same one however often it is sent); the refund id
is derived from the org, the note and that id, and the note records a refund id once.
"""
from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.billing.domain.commands import ApplyCredit, IssueCreditNote, RefundCredit
from services.billing.domain.credit_note import Creditable, CreditNote, auto_number
from services.billing.domain.payment_guard import PaymentInProgress
from services.billing.projections.credit_notes import credit_notes
from services.billing.projections.invoices import invoices
from services.billing.projections.paid import paid_on
from services.billing.queries.payments import in_flight_payment
from services.chassis.errors import ConcurrencyConflict, NotFound, retry_on_conflict
from services.chassis.events import utc_now

ATTEMPTS = 10          # each lost race means another note took a number: n racers need at most n tries
REFUNDS = uuid.UUID("0c5b7d0e-53d4-4c1e-9d0c-6a4f4f1c2e71")     # the namespace of refund ids from request ids


def next_number(conn, org_id: str) -> str:
    highest = conn.execute(select(func.max(credit_notes.c.number_seq))
                           .where(credit_notes.c.org_id == org_id)).scalar()
    return auto_number((highest or 0) + 1)


def by_external_ref(conn, org_id: str, external_ref) -> str | None:
    if not isinstance(external_ref, str) or not external_ref.strip():
        return None
    return conn.execute(select(credit_notes.c.credit_note_id).where(
        credit_notes.c.org_id == org_id, credit_notes.c.external_ref == external_ref.strip())).scalar()


def creditable(conn, org_id: str, invoice_id: str | None, lock: bool = False) -> Creditable | None:
    """The invoice as a credit note sees it (None outside the org); its amount due is
    computed afresh from what pays it (`paid_on`)."""
    if not invoice_id:
        return None
    query = select(invoices).where(invoices.c.invoice_id == invoice_id, invoices.c.org_id == org_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        return None
    due = 0 if row.status in ("void", "draft") else max(row.total_minor - paid_on(conn, invoice_id), 0)
    return Creditable(row.invoice_id, row.customer_id, row.number, row.currency, row.status,
                      row.total_minor, due)


def issue_credit_note(rt, cmd: IssueCreditNote) -> tuple[str, bool]:
    """(credit note id, created). Pushing an external_ref again answers the note it made."""
    for attempt in range(ATTEMPTS):
        try:
            with rt.store.unit_of_work() as uow:
                existing = by_external_ref(uow.conn, cmd.org_id, cmd.external_ref)
                if existing:
                    return existing, False
                note = CreditNote.issue(
                    cmd.org_id, cmd.customer_id, cmd.currency, next_number(uow.conn, cmd.org_id), utc_now(),
                    lines=cmd.lines, amount_minor=cmd.amount_minor, description=cmd.description,
                    reason=cmd.reason, invoice=creditable(uow.conn, cmd.org_id, cmd.invoice_id),
                    invoice_id=cmd.invoice_id, external_ref=cmd.external_ref)
                uow.add(note)
                uow.commit()
            return note.id, True
        except IntegrityError:
            # Another request took the number (or the external_ref) between our read and write.
            with rt.engine.connect() as conn:
                existing = by_external_ref(conn, cmd.org_id, cmd.external_ref)
            if existing:
                return existing, False
            if attempt == ATTEMPTS - 1:
                raise ConcurrencyConflict("Could not number the credit note; try again.") from None
    raise AssertionError("unreachable")


def apply_credit(rt, cmd: ApplyCredit) -> None:
    def run():
        with rt.store.unit_of_work() as uow:
            note = _load(uow, cmd.org_id, cmd.credit_note_id)
            invoice = creditable(uow.conn, cmd.org_id, cmd.invoice_id, lock=True)
            if invoice is not None and invoice.customer_id == note.customer_id:
                payment_id = in_flight_payment(uow.conn, invoice.invoice_id)
                if payment_id:
                    raise PaymentInProgress(f"A payment for {invoice.number} is being processed; apply "
                                            "credit once it has settled or failed.", payment_id=payment_id)
            note.apply(invoice, cmd.amount_minor)
            uow.add(note)
            uow.commit()
    retry_on_conflict(run)


def refund_credit(rt, cmd: RefundCredit) -> None:
    refund_id = (str(uuid.uuid5(REFUNDS, f"{cmd.org_id}|{cmd.credit_note_id}|{cmd.request_id}"))
                 if cmd.request_id else None)

    def run():
        with rt.store.unit_of_work() as uow:
            note = _load(uow, cmd.org_id, cmd.credit_note_id)
            note.refund(cmd.amount_minor, cmd.reason, refund_id=refund_id)
            uow.add(note)
            uow.commit()
    retry_on_conflict(run)


def _load(uow, org_id: str, credit_note_id: str) -> CreditNote:
    try:
        note = uow.load(CreditNote, credit_note_id, org_id)
    except NotFound:
        note = None
    if note is None or not note.number:            # not a credit note's stream (an invoice's id)
        raise NotFound("No such credit note.")
    return note
