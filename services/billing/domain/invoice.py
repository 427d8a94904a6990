"""The Invoice aggregate: a draft, then issued, maybe paid in parts, or voided.

A draft is the staff's private working copy. It records no event: nobody outside billing
hears of an invoice before it is issued (InvoiceIssued is "final and visible to the
customer"), so the draft lives as a row that the handlers save (`draft_row`) and load
(`from_draft`). From `issue()` on, the invoice is event-sourced: InvoiceIssued carries its
whole content, then InvoiceUpdated / InvoiceVoided / InvoiceViewed; its state is the fold.

Amounts paid and due: `amount_paid_minor` is what settled payments pay towards the invoice,
less the refunds that reopened it (a reversed payment; a plain refund leaves it paid),
plus the credit applied to it from credit notes. Those are the Payment and CreditNote
aggregates' events (their own streams, see payment.py and credit_note.py), so
the handler that loads an invoice tells it with `account_for_payments`, reading the same
`payment_allocations` and `credit_applications` rows the `invoices` read model sums
(projections.paid_on): aggregate and read model agree.
`amount_due_minor = total - paid`; the status follows from them (`stored_status`).
"""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError
from services.billing.domain import money

MAX_LINES = 500
MAX_BATCH = 500                # invoices in one push (CreateInvoices)
NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
AUTO_NUMBER = re.compile(r"^INV-(\d{1,15})$", re.IGNORECASE)   # numbers compare case-insensitively
CUSTOMER_STATUSES = ("sent", "partially_paid", "paid", "overdue", "void")
STORED_STATUSES = ("draft", "sent", "partially_paid", "paid", "void")   # overdue is derived


def auto_number(sequence: int) -> str:
    """The number billing gives when staff give none: INV-000123, per org."""
    return f"INV-{sequence:06d}"


def number_sequence(number: str | None) -> int | None:
    """The sequence of an INV-000123 style number (given by staff or by us, in any case), else None."""
    found = AUTO_NUMBER.match(number or "")
    return int(found.group(1)) if found else None


def check_number(number) -> str:
    if not isinstance(number, str) or not NUMBER.match(number.strip()):
        raise DomainError("An invoice number is 1 to 40 letters, digits, '.', '_', '/' or '-'.",
                          field="number")
    return number.strip()


def check_due_date(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise DomainError("The due date must be a date (YYYY-MM-DD).", field="due_date") from None


def check_notes(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 5000:
        raise DomainError("Notes are text of at most 5000 characters.", field="notes")
    return value.strip() or None


def price_lines(lines) -> tuple[list[dict], money.Totals]:
    """Check and price lines given as dicts (the API's shape); at least one, at most 500."""
    if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_LINES:
        raise DomainError(f"An invoice has 1 to {MAX_LINES} lines.", field="lines")
    priced = []
    for i, given in enumerate(lines):
        if not isinstance(given, dict):
            raise DomainError(f"Line {i + 1} must be an object.", field="lines")
        try:
            line = money.Line.of(given.get("description"), given.get("quantity"),
                                 given.get("unit_price_minor"), given.get("tax_rate", 0),
                                 given.get("discount_percent"), given.get("discount_fixed_minor"))
        except DomainError as exc:      # named like marshmallow names a nested field's error
            field = exc.extensions.get("field") or "line"
            raise DomainError(f"Line {i + 1}: {exc.detail}", field="lines",
                              errors={"json": {"lines": {str(i): {field: [exc.detail]}}}}) from None
        priced.append(line.price())
    return [p.as_dict() for p in priced], money.totals(priced)


class Invoice(Aggregate):
    aggregate_type = "Invoice"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.customer_id = ""
        self.state = "draft"                 # draft | issued | void
        self.number: str | None = None
        self.currency = ""
        self.lines: list[dict] = []
        self.totals = money.Totals(0, 0, 0, 0, 0)
        self.due_date: str | None = None
        self.notes: str | None = None
        self.external_ref: str | None = None
        self.sales_order_id: str | None = None       # the orders service's order it bills
        self.issued_at: str | None = None
        self.amount_paid_minor = 0
        self.reminded: set[int] = set()               # the reminder steps sent (days from due)

    # --- what it is ---------------------------------------------------------------------

    @property
    def amount_due_minor(self) -> int:
        """What is still owed; nothing on a void invoice."""
        if self.state == "void":
            return 0
        return max(self.totals.total_minor - self.amount_paid_minor, 0)

    @property
    def status(self) -> str:
        """The stored status; `status_on(today)` adds overdue, which depends on the day."""
        return stored_status(self.state, self.totals.total_minor, self.amount_paid_minor)

    def status_on(self, today: date) -> str:
        return shown_status(self.status, self.due_date, self.amount_due_minor, today)

    def account_for_payments(self, paid_minor: int) -> None:
        """What settled payments (less reversals) and applied credit notes pay towards this
        invoice (projections.paid_on); not an event of its own."""
        self.amount_paid_minor = paid_minor

    # --- commands -----------------------------------------------------------------------

    @classmethod
    def draft(cls, org_id: str, customer_id: str, currency: str, lines: list[dict],
              due_date=None, notes=None, number=None, external_ref=None,
              invoice_id: str | None = None, sales_order_id: str | None = None) -> "Invoice":
        if not isinstance(customer_id, str) or not customer_id.strip() or len(customer_id) > 64:
            raise DomainError("An invoice needs a customer.", field="customer_id")
        money.exponent(currency)
        if external_ref is not None and (not isinstance(external_ref, str)
                                         or not 1 <= len(external_ref.strip()) <= 200):
            raise DomainError("external_ref is 1 to 200 characters.", field="external_ref")
        if sales_order_id is not None and (not isinstance(sales_order_id, str)
                                           or not 1 <= len(sales_order_id.strip()) <= 64):
            raise DomainError("sales_order_id is 1 to 64 characters.", field="sales_order_id")
        invoice = cls(invoice_id or str(uuid.uuid4()), org_id)
        invoice.customer_id, invoice.currency = customer_id.strip(), currency
        invoice.lines, invoice.totals = price_lines(lines)
        invoice.due_date, invoice.notes = check_due_date(due_date), check_notes(notes)
        invoice.number = None if number is None else check_number(number)
        invoice.external_ref = None if external_ref is None else external_ref.strip()
        invoice.sales_order_id = None if sales_order_id is None else sales_order_id.strip()
        return invoice

    def issue(self, number: str | None, issued_at: str) -> None:
        """Make it final and visible to the customer; `number` is required by now."""
        if self.state != "draft":
            raise DomainError("This invoice is already issued.", code="already_issued")
        number = check_number(number if number is not None else self.number)
        self.record("InvoiceIssued", {
            "invoice_id": self.id, "customer_id": self.customer_id, "number": number,
            "currency": self.currency, "total_minor": self.totals.total_minor,
            "tax_minor": self.totals.tax_minor, "due_date": self.due_date, "issued_at": issued_at,
            "external_ref": self.external_ref, "lines": self.lines,
            "subtotal_minor": self.totals.subtotal_minor, "discount_minor": self.totals.discount_minor,
            "notes": self.notes, "sales_order_id": self.sales_order_id})

    def update(self, changes: dict) -> list[str]:
        """Change lines, due date, notes (and, on a draft, currency and number). Returns what
        changed; an issued invoice records InvoiceUpdated, a draft records nothing."""
        if self.state == "void":
            raise DomainError("A void invoice cannot be changed.", code="void")
        if self.state == "issued" and self.status == "paid":
            raise DomainError("A paid invoice cannot be changed.", code="paid")
        allowed = {"lines", "due_date", "notes"} | ({"currency", "number"} if self.state == "draft" else set())
        refused = sorted(set(changes) - allowed)
        if refused:
            raise DomainError(f"An issued invoice's {', '.join(refused)} cannot change.", field=refused[0])
        new = {"due_date": self.due_date, "notes": self.notes, "lines": self.lines,
               "currency": self.currency, "number": self.number}
        totals = self.totals
        if "currency" in changes:
            money.exponent(changes["currency"])
            new["currency"] = changes["currency"]
        if "number" in changes:
            new["number"] = None if changes["number"] is None else check_number(changes["number"])
        if "due_date" in changes:
            new["due_date"] = check_due_date(changes["due_date"])
        if "notes" in changes:
            new["notes"] = check_notes(changes["notes"])
        if "lines" in changes:
            new["lines"], totals = price_lines(changes["lines"])
            if totals.total_minor < self.amount_paid_minor:
                raise DomainError("The total cannot go below what was already paid.", field="lines")
        current = {"due_date": self.due_date, "notes": self.notes, "lines": self.lines,
                   "currency": self.currency, "number": self.number}
        changed = [k for k in ("lines", "due_date", "notes", "currency", "number") if new[k] != current[k]]
        if not changed:
            return []
        if self.state == "draft":
            self.lines, self.totals, self.due_date, self.notes = new["lines"], totals, new["due_date"], new["notes"]
            self.currency, self.number = new["currency"], new["number"]
            return changed
        self.record("InvoiceUpdated", {
            "invoice_id": self.id, "customer_id": self.customer_id, "changed": changed,
            "currency": self.currency, "total_minor": totals.total_minor, "tax_minor": totals.tax_minor,
            "amount_due_minor": max(totals.total_minor - self.amount_paid_minor, 0),
            "due_date": new["due_date"], "lines": new["lines"], "subtotal_minor": totals.subtotal_minor,
            "discount_minor": totals.discount_minor, "notes": new["notes"]})
        return changed

    def void(self, reason: str | None = None) -> None:
        if self.state == "draft":
            raise DomainError("A draft was never issued: discard it instead.", code="draft")
        if self.state == "void":
            raise DomainError("This invoice is already void.", code="void")
        if self.amount_paid_minor > 0:
            raise DomainError("An invoice with a payment on it cannot be voided; reverse the payment (a refund "
                              "that reopens the invoice) or credit it.",
                              code="paid")
        if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
            raise DomainError("The reason is text of at most 500 characters.", field="reason")
        self.record("InvoiceVoided", {"invoice_id": self.id, "customer_id": self.customer_id,
                                      "reason": (reason or "").strip() or None})

    def remind(self, days_from_due: int, today: date) -> bool:
        """Send the reminder of this step of the schedule (ReminderSent), if the invoice is
        still owed, has a due date and that step's day has come; never twice."""
        if (self.state != "issued" or self.amount_due_minor <= 0 or not self.due_date
                or days_from_due in self.reminded
                or date.fromisoformat(self.due_date) + timedelta(days=days_from_due) > today):
            return False
        self.record("ReminderSent", {
            "invoice_id": self.id, "customer_id": self.customer_id, "number": self.number,
            "currency": self.currency, "amount_due_minor": self.amount_due_minor, "due_date": self.due_date,
            "days_from_due": days_from_due})
        return True

    def record_view(self, contact_id: str) -> None:
        """A contact opened it; the caller decides how often this is worth recording."""
        if self.state == "draft":
            raise DomainError("Contacts never see drafts.")
        self.record("InvoiceViewed", {"invoice_id": self.id, "customer_id": self.customer_id,
                                      "contact_id": contact_id})

    # --- drafts as rows ---------------------------------------------------------------------

    def draft_row(self) -> dict:
        return {"invoice_id": self.id, "org_id": self.org_id, "customer_id": self.customer_id,
                "number": self.number, "currency": self.currency, "lines": self.lines,
                "due_date": self.due_date, "notes": self.notes, "external_ref": self.external_ref,
                "sales_order_id": self.sales_order_id,
                **self.totals.as_dict()}

    @classmethod
    def from_draft(cls, row) -> "Invoice":
        invoice = cls(row["invoice_id"], row["org_id"])
        invoice.customer_id, invoice.number, invoice.currency = row["customer_id"], row["number"], row["currency"]
        invoice.lines = list(row["lines"])
        invoice.totals = _totals(row["lines"])
        invoice.due_date, invoice.notes, invoice.external_ref = row["due_date"], row["notes"], row["external_ref"]
        invoice.sales_order_id = row["sales_order_id"]
        return invoice

    # --- folding events -------------------------------------------------------------------

    def when_InvoiceIssued(self, d: dict) -> None:
        self.state = "issued"
        self.customer_id, self.number, self.currency = d["customer_id"], d["number"], d["currency"]
        self.lines = list(d.get("lines") or [])
        self.totals = _totals(self.lines, d)
        self.due_date, self.issued_at, self.external_ref = d["due_date"], d["issued_at"], d["external_ref"]
        self.notes = d.get("notes")
        self.sales_order_id = d.get("sales_order_id")

    def when_ReminderSent(self, d: dict) -> None:
        self.reminded.add(d["days_from_due"])

    def when_InvoiceUpdated(self, d: dict) -> None:
        if "lines" in d:
            self.lines = list(d["lines"])
        self.totals = _totals(self.lines, d)
        self.due_date = d["due_date"]
        if "notes" in d:
            self.notes = d["notes"]

    def when_InvoiceVoided(self, d: dict) -> None:
        self.state = "void"


def _totals(lines: list[dict], event: dict | None = None) -> money.Totals:
    """Totals as recorded (never re-priced: a later change of rounding rules leaves history alone)."""
    sums = {k: sum(line[k] for line in lines)
            for k in ("subtotal_minor", "discount_minor", "net_minor", "tax_minor", "total_minor")}
    if event is not None:
        sums.update({k: event[k] for k in ("subtotal_minor", "discount_minor", "tax_minor", "total_minor")
                     if k in event})
    return money.Totals(sums["subtotal_minor"], sums["discount_minor"], sums["net_minor"],
                        sums["tax_minor"], sums["total_minor"])


def stored_status(state: str, total_minor: int, paid_minor: int) -> str:
    """draft, void, or from the amounts: paid (nothing due), partially_paid, sent."""
    if state in ("draft", "void"):
        return state
    if total_minor - paid_minor <= 0:
        return "paid"
    return "partially_paid" if paid_minor > 0 else "sent"


def shown_status(stored: str, due_date: str | None, amount_due_minor: int, today: date) -> str:
    """What a customer sees: overdue once the due date has passed with money still due."""
    if stored in ("sent", "partially_paid") and due_date and amount_due_minor > 0 \
            and date.fromisoformat(due_date) < today:
        return "overdue"
    return stored
