"""The CreditNote aggregate: money the business owes a customer, in one currency, used up
by applying it to the customer's invoices or by paying it back.

Staff issue a note for a customer, optionally against one of its invoices, with lines
priced exactly like invoice lines (domain/money.py) or a plain amount (kept as one line
without tax, so every note has lines and the same totals). Issued notes are final: there
are no drafts and no edits; a mistake is put right with another document.

    CreditNoteIssued -> CreditApplied* / CreditRefunded*      (each uses part of the note)

`remaining_minor = total - applied - refunded` never goes below zero. Applying credit to an
invoice (of the same customer and currency, issued, not void) lowers what is due on it,
never below zero: the invoice's amount paid counts applied credit the way it counts settled
payments (projections.paid_on). A refund records money paid back out of band (a bank
transfer by the business): nothing is sent anywhere, the note's remaining credit goes down.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError, NotFound
from services.billing.domain import money
from services.billing.domain.invoice import price_lines

AUTO_NUMBER = re.compile(r"^CN-(\d{1,15})$")
STATUSES = ("open", "partially_used", "used")


def auto_number(sequence: int) -> str:
    """Credit notes are numbered by billing, per org: CN-000001, CN-000002 ..."""
    return f"CN-{sequence:06d}"


def number_sequence(number: str | None) -> int | None:
    found = AUTO_NUMBER.match(number or "")
    return int(found.group(1)) if found else None


def status_of(total_minor: int, remaining_minor: int) -> str:
    """open (nothing used yet), partially_used, used (nothing left)."""
    if remaining_minor <= 0:
        return "used"
    return "open" if remaining_minor == total_minor else "partially_used"


@dataclass(frozen=True)
class Creditable:
    """What a credit note needs to know of an invoice (read by the handler, checked here)."""
    invoice_id: str
    customer_id: str
    number: str | None
    currency: str
    status: str                 # the stored status: draft sent partially_paid paid void
    total_minor: int
    amount_due_minor: int


def _text(value, field: str, what: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise DomainError(f"The {what} is text of at most {limit} characters.", field=field)
    return value.strip() or None


def _positive(amount_minor, field: str = "amount_minor") -> int:
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) \
            or not 0 < amount_minor <= money.MAX_MINOR:
        raise DomainError("The amount must be a positive whole number of minor units.", field=field)
    return amount_minor


def _same_customer(invoice: Creditable | None, customer_id: str) -> Creditable:
    """An invoice of another customer, or one the customer never saw, is not found: ids of
    other customers tell nothing."""
    if invoice is None or invoice.customer_id != customer_id or invoice.status == "draft":
        raise NotFound("No such invoice for this customer.", field="invoice_id")
    return invoice


class CreditNote(Aggregate):
    aggregate_type = "CreditNote"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.customer_id = ""
        self.number = ""
        self.currency = ""
        self.invoice_id: str | None = None
        self.reason: str | None = None
        self.external_ref: str | None = None
        self.issued_at: str | None = None
        self.lines: list[dict] = []
        self.total_minor = 0
        self.applied_minor = 0
        self.refunded_minor = 0
        self.refund_ids: set[str] = set()

    @property
    def remaining_minor(self) -> int:
        return self.total_minor - self.applied_minor - self.refunded_minor

    @property
    def status(self) -> str:
        return status_of(self.total_minor, self.remaining_minor)

    # --- commands -----------------------------------------------------------------------

    @classmethod
    def issue(cls, org_id: str, customer_id: str, currency: str, number: str, issued_at: str,
              lines=None, amount_minor=None, description=None, reason=None,
              invoice: Creditable | None = None, invoice_id: str | None = None,
              external_ref=None, credit_note_id: str | None = None) -> "CreditNote":
        """Issue a note of `lines` (priced like invoice lines) or of a plain `amount_minor`.
        Against an invoice (`invoice_id`, read as `invoice`): the customer's, issued, not
        void, in the note's currency, and the note is at most the invoice's total."""
        if not isinstance(customer_id, str) or not customer_id.strip() or len(customer_id) > 64:
            raise DomainError("A credit note needs a customer.", field="customer_id")
        customer_id = customer_id.strip()
        money.exponent(currency)
        if (lines is None) == (amount_minor is None):
            raise DomainError("Give the credit either as lines or as an amount_minor.", field="lines")
        if lines is None:
            label = _text(description, "description", "description", 500) or "Credit"
            lines = [{"description": label, "quantity": "1", "unit_price_minor": _positive(amount_minor),
                      "tax_rate": 0}]
        elif description is not None:
            raise DomainError("A description goes with a plain amount; lines have their own.",
                              field="description")
        priced, totals = price_lines(lines)
        if totals.total_minor <= 0:
            raise DomainError("A credit note must credit more than nothing.", field="lines")
        if invoice_id is not None:
            invoice = _same_customer(invoice if invoice and invoice.invoice_id == invoice_id else None,
                                     customer_id)
            if invoice.status == "void":
                raise DomainError(f"{invoice.number} is void: there is nothing to credit.", field="invoice_id")
            if invoice.currency != currency:
                raise DomainError(f"{invoice.number} is in {invoice.currency}, not {currency}.", field="currency")
            if totals.total_minor > invoice.total_minor:
                raise DomainError(f"A credit note cannot be more than {invoice.number}'s total.",
                                  field="lines")
        if not isinstance(number, str) or not AUTO_NUMBER.match(number):
            raise DomainError("A credit note is numbered CN-000001 and so on.", field="number")
        note = cls(credit_note_id or str(uuid.uuid4()), org_id)
        note.record("CreditNoteIssued", {
            "credit_note_id": note.id, "customer_id": customer_id, "number": number, "currency": currency,
            "total_minor": totals.total_minor, "invoice_id": invoice_id,
            "reason": _text(reason, "reason", "reason", 1000), "issued_at": issued_at,
            "external_ref": _text(external_ref, "external_ref", "external_ref", 200),
            "lines": priced, "subtotal_minor": totals.subtotal_minor,
            "discount_minor": totals.discount_minor, "tax_minor": totals.tax_minor})
        return note

    def apply(self, invoice: Creditable | None, amount_minor) -> None:
        """Use `amount_minor` of this note to pay `invoice`: never more than the note has
        left, never more than the invoice has due."""
        invoice = _same_customer(invoice, self.customer_id)
        amount = _positive(amount_minor)
        name = invoice.number or invoice.invoice_id
        if invoice.status == "void":
            raise DomainError(f"{name} is void: credit cannot be applied to it.", field="invoice_id")
        if invoice.currency != self.currency:
            raise DomainError(f"{name} is in {invoice.currency}; this credit note is in {self.currency}.",
                              field="invoice_id")
        if self.remaining_minor <= 0:
            raise DomainError(f"Credit note {self.number} has no credit left.", code="used")
        if amount > self.remaining_minor:
            raise DomainError(f"Credit note {self.number} has only {self._money(self.remaining_minor)} left.",
                              field="amount_minor")
        if invoice.amount_due_minor <= 0:
            raise DomainError(f"{name} has nothing left to pay.", field="invoice_id")
        if amount > invoice.amount_due_minor:
            raise DomainError(f"Only {self._money(invoice.amount_due_minor)} is due on {name}.", field="amount_minor")
        self.record("CreditApplied", {
            "credit_note_id": self.id, "customer_id": self.customer_id, "invoice_id": invoice.invoice_id,
            "amount_minor": amount, "currency": self.currency, "remaining_minor": self.remaining_minor - amount})

    def refund(self, amount_minor, reason=None, refund_id: str | None = None) -> bool:
        """Record that `amount_minor` of the note was paid back to the customer (out of band).
        The same refund id twice changes nothing (False)."""
        if refund_id is not None and refund_id in self.refund_ids:
            return False
        amount = _positive(amount_minor)
        if self.remaining_minor <= 0:
            raise DomainError(f"Credit note {self.number} has no credit left.", code="used")
        if amount > self.remaining_minor:
            raise DomainError(f"Credit note {self.number} has only {self._money(self.remaining_minor)} left.",
                              field="amount_minor")
        self.record("CreditRefunded", {
            "credit_note_id": self.id, "customer_id": self.customer_id, "amount_minor": amount,
            "currency": self.currency, "remaining_minor": self.remaining_minor - amount,
            "refund_id": refund_id or str(uuid.uuid4()), "reason": _text(reason, "reason", "reason", 500)})
        return True

    def _money(self, amount_minor: int) -> str:
        """"30.00 EUR": a refusal's amount as people read it (never minor units)."""
        return f"{money.format_major(amount_minor, self.currency)} {self.currency}"

    # --- folding events -------------------------------------------------------------------

    def when_CreditNoteIssued(self, d: dict) -> None:
        self.customer_id, self.number, self.currency = d["customer_id"], d["number"], d["currency"]
        self.invoice_id, self.reason, self.external_ref = d["invoice_id"], d["reason"], d["external_ref"]
        self.issued_at, self.total_minor = d["issued_at"], d["total_minor"]
        self.lines = list(d.get("lines") or [])

    def when_CreditApplied(self, d: dict) -> None:
        self.applied_minor += d["amount_minor"]

    def when_CreditRefunded(self, d: dict) -> None:
        self.refunded_minor += d["amount_minor"]
        if d.get("refund_id"):
            self.refund_ids.add(d["refund_id"])
