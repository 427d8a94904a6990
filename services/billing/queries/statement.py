"""A customer's statement of account: for a date range, in one currency, the opening
balance, every invoice, payment, credit note and refund with the running balance after
each, the closing balance, and how old what is still owed is (ageing) at the range's end.

The balance is what the customer owes the business (negative: the business owes the
customer). Each entry moves it by a signed amount:

    invoice            + total         the day it was issued (InvoiceIssued)
    invoice_adjusted   + new - old     the day an issued invoice's total changed (InvoiceUpdated)
    invoice_voided     - total         the day it was voided (InvoiceVoided)
    payment            - amount        the day the money arrived (settled_at); only payments
                                       that settled: initiated, pending, failed ones owe nothing
    payment_refund     + amount        the day each refund was recorded (PaymentRefunded)
    invoice_reduced    - part          with a refund that did not reopen its invoices: each
                                       invoice it came off is worth that much less to the
                                       customer (they stay paid), so the money given back
                                       owes nothing; a reversed payment (`reopens_invoice`)
                                       has no such entry: its invoices owe the amount again
    credit_note        - total         the day the note was issued
    credit_refund      + amount        the day credit was paid back from a note (CreditRefunded)

Applying credit to an invoice (CreditApplied) is not an entry: the note already lowered the
balance when it was issued, and applying it only says which invoice that credit pays, as a
payment's allocations do. Counting it again would take the credit off twice. It does count
in the ageing, which is per invoice. Likewise a refund that leaves its invoices paid is two
entries that net to zero (money back, the invoice reduced by it): the customer sees both,
and the balance stays what they really owe.

Drafts were never sent: they have no events and never appear. A voided invoice appears
twice, issued and voided, netting to zero from the day of the void: a statement for a past
period says what the customer owed then, so the closing balance of one period is always the
opening balance of the next, whenever each was made (the same for a changed total: the
change is its own entry on its own day, and the invoice's first entry keeps its issued
total). The amounts and dates come from the invoices' events, not from the `invoices` read
model, which only knows the latest total; payment refunds too come from their events
(`payments` keeps only the sum and the last date). Everything else is the read models.

Dates: entries carry their UTC timestamp; the range `[starts, ends]` is of UTC calendar days,
both included (billing's `today()` is the UTC day too). The opening balance is the sum of
all entries before `starts`; the entries in the range are sorted by timestamp, then by kind
(in the order of the table above), then by reference and id, so equal timestamps have one
fixed order; `closing = opening + sum(entries in range)` = the balance after the last entry.

Ageing at the end of `ends`: for every invoice issued by then and not voided by then, what
was still due: its total then, less the payments settled by then (less their refunds that
reopened it, by then) and the credit applied by then. Bucketed by days past its due date as it stood at
`ends` (`ends - due_date`; a due date changed later does not change this statement):
`current` (not yet due, due that day, or no due date), 1-30, 31-60, 61-90, over 90. Credit
not yet used at `ends` (issued, less applied and refunded, by then) is `unapplied_credit`;
`ageing total - unapplied_credit == closing balance` always holds, because every payment is
fully allocated to invoices and a voided invoice has nothing paid on it.

Size: a statement is one document, not a paginated list: its range is at most MAX_DAYS, and
the opening balance reads the customer's whole history in the currency (its invoices' own
events, payments, notes: each by an index on the customer or the stream).

Currencies: money in different currencies never adds up, so a statement is in one currency
(`currency`), by default the one most of the customer's invoices are in (ties: the first
alphabetically); `currencies` lists every currency the customer has activity in, so a page
can offer the others.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from services.billing.domain.payment import owed_again
from services.billing.projections.credit_notes import credit_notes, credit_refunds
from services.billing.projections.invoices import invoices
from services.billing.projections.paid import credit_applications
from services.billing.projections.payments import payments
from services.chassis.errors import DomainError
from services.chassis.tables import events

MAX_DAYS = 731                      # two years (one of them leap) in one statement
KINDS = ("invoice", "invoice_adjusted", "invoice_voided", "payment", "payment_refund", "invoice_reduced",
         "credit_note", "credit_refund")
BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "days_over_90")
INVOICE_EVENTS = ("InvoiceIssued", "InvoiceUpdated", "InvoiceVoided")


@dataclass
class Entry:
    at: str                         # UTC timestamp, ISO 8601
    kind: str
    reference: str                  # invoice / credit note number, receipt number
    amount_minor: int               # + raises what the customer owes, - lowers it
    description: str
    invoice_id: str | None = None
    payment_id: str | None = None
    credit_note_id: str | None = None

    def sort_key(self) -> tuple:
        return (self.at, KINDS.index(self.kind), self.reference,
                self.invoice_id or self.payment_id or self.credit_note_id or "")

    def as_dict(self, balance_minor: int) -> dict:
        return {"date": self.at[:10], "at": self.at, "kind": self.kind, "reference": self.reference,
                "description": self.description, "amount_minor": self.amount_minor,
                "debit_minor": max(self.amount_minor, 0), "credit_minor": max(-self.amount_minor, 0),
                "balance_minor": balance_minor, "invoice_id": self.invoice_id,
                "payment_id": self.payment_id, "credit_note_id": self.credit_note_id}


def default_range(today: date) -> tuple[date, date]:
    """The current calendar month and the two before it, up to today."""
    month = today.month - 2
    year = today.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1), today


def check_range(starts: date, ends: date) -> None:
    if starts > ends:
        raise DomainError("The start date must be on or before the end date.", field="from")
    if (ends - starts).days + 1 > MAX_DAYS:
        raise DomainError(f"A statement covers at most {MAX_DAYS} days; choose a shorter range.",
                          field="from")


def receipt_number(payment_id: str) -> str:
    """The receipt's number, as on the receipt PDF (api/documents.py)."""
    return "R-" + payment_id[:8].upper()


def currencies(conn, org_id: str, customer_id: str) -> list[str]:
    """Every currency the customer has an invoice, payment or credit note in, the one most of
    its invoices are in first."""
    i, p, n = invoices.c, payments.c, credit_notes.c
    counts = Counter({r.currency: int(r.n) for r in conn.execute(
        select(i.currency, func.count().label("n"))
        .where(i.org_id == org_id, i.customer_id == customer_id, i.status != "draft").group_by(i.currency))})
    others = set(conn.execute(select(p.currency).where(p.org_id == org_id, p.customer_id == customer_id,
                                                       p.settled_at.is_not(None)).distinct()).scalars())
    others |= set(conn.execute(select(n.currency).where(n.org_id == org_id, n.customer_id == customer_id)
                               .distinct()).scalars())
    for cur in others:
        counts.setdefault(cur, 0)
    return sorted(counts, key=lambda cur: (-counts[cur], cur))


def statement(conn, org_id: str, customer_id: str, starts: date, ends: date,
              currency: str | None = None) -> dict:
    """The statement (API.md "Statement of account"); scoped to the org and the customer."""
    check_range(starts, ends)
    found = currencies(conn, org_id, customer_id)
    currency = currency or (found[0] if found else None)
    entries, ledger = [], _Ledger()
    if currency:
        entries = (_invoice_entries(conn, org_id, customer_id, currency, ledger)
                   + _payment_entries(conn, org_id, customer_id, currency, ledger)
                   + _credit_entries(conn, org_id, customer_id, currency, ledger))
    entries.sort(key=Entry.sort_key)
    first, last = starts.isoformat(), ends.isoformat()
    opening = sum(e.amount_minor for e in entries if e.at[:10] < first)
    balance, shown = opening, []
    for e in entries:
        if first <= e.at[:10] <= last:
            balance += e.amount_minor
            shown.append(e.as_dict(balance))
    ageing, open_invoices = ledger.ageing(ends)
    return {"customer_id": customer_id, "currency": currency, "currencies": found,
            "from": first, "to": last, "opening_balance_minor": opening, "entries": shown,
            "closing_balance_minor": balance, "ageing": ageing, "open_invoices": open_invoices,
            "unapplied_credit_minor": ledger.unapplied_credit(ends)}


class _Ledger:
    """What the ageing needs, gathered while the entries are read: per invoice its dated
    totals and dated amounts paid; per credit note its dated uses."""

    def __init__(self):
        self.invoices: dict[str, dict] = {}                  # id -> {number, issued_at}
        self.due_dates: dict[str, list] = defaultdict(list)  # id -> [(day, due date or None)]
        self.totals: dict[str, list] = defaultdict(list)     # id -> [(day, +/- amount)]
        self.paid: dict[str, list] = defaultdict(list)       # id -> [(day, +/- amount)]
        self.credit: list[tuple[str, int]] = []              # (day, +/- unused credit)

    def ageing(self, ends: date) -> tuple[dict, list[dict]]:
        last = ends.isoformat()
        buckets = dict.fromkeys(BUCKETS, 0)
        items = []
        for invoice_id, info in self.invoices.items():
            total = sum(a for day, a in self.totals[invoice_id] if day <= last)
            due = total - sum(a for day, a in self.paid[invoice_id] if day <= last)
            if due <= 0:
                continue
            due_date = [d for day, d in self.due_dates[invoice_id] if day <= last][-1]     # as it was then
            late = (ends - date.fromisoformat(due_date)).days if due_date else 0
            bucket = _bucket(late)
            buckets[bucket] += due
            items.append({"invoice_id": invoice_id, "number": info["number"], "issued_at": info["issued_at"],
                          "due_date": due_date, "days_overdue": max(late, 0), "bucket": bucket,
                          "amount_due_minor": due})
        items.sort(key=lambda i: (i["due_date"] or "9999-12-31", i["issued_at"], i["invoice_id"]))
        return {**buckets, "total": sum(buckets.values())}, items

    def unapplied_credit(self, ends: date) -> int:
        last = ends.isoformat()
        return sum(a for day, a in self.credit if day <= last)


def _bucket(days_overdue: int) -> str:
    if days_overdue <= 0:
        return "current"
    if days_overdue <= 30:
        return "days_1_30"
    if days_overdue <= 60:
        return "days_31_60"
    return "days_61_90" if days_overdue <= 90 else "days_over_90"


def _invoice_entries(conn, org_id, customer_id, currency, ledger: _Ledger) -> list[Entry]:
    """Issued, changed total, voided: from each of the customer's invoices' own events."""
    i, e = invoices.c, events.c
    rows = conn.execute(
        select(i.invoice_id, i.number, e.type, e.occurred_at, e.data)
        .join(events, e.stream_id == i.invoice_id)
        .where(i.org_id == org_id, i.customer_id == customer_id, i.currency == currency,
               i.status != "draft", e.org_id == org_id, e.type.in_(INVOICE_EVENTS))
        .order_by(i.invoice_id, e.version)).all()
    entries, total = [], {}
    for r in rows:
        number, d = r.number or r.invoice_id, r.data
        if r.type == "InvoiceIssued":
            total[r.invoice_id] = d["total_minor"]
            ledger.invoices[r.invoice_id] = {"number": number, "issued_at": d["issued_at"]}
            ledger.due_dates[r.invoice_id].append((d["issued_at"][:10], d["due_date"]))
            entry = Entry(d["issued_at"], "invoice", number, d["total_minor"], f"Invoice {number}")
        elif r.type == "InvoiceUpdated":
            ledger.due_dates[r.invoice_id].append((r.occurred_at[:10], d["due_date"]))
            change = d["total_minor"] - total.get(r.invoice_id, 0)
            total[r.invoice_id] = d["total_minor"]
            if not change:
                continue
            entry = Entry(r.occurred_at, "invoice_adjusted", number, change, f"Invoice {number}: total changed")
        else:
            entry = Entry(r.occurred_at, "invoice_voided", number, -total.get(r.invoice_id, 0),
                          f"Invoice {number} voided")
            total[r.invoice_id] = 0
        entry.invoice_id = r.invoice_id
        ledger.totals[r.invoice_id].append((entry.at[:10], entry.amount_minor))
        entries.append(entry)
    return entries


def _payment_entries(conn, org_id, customer_id, currency, ledger: _Ledger) -> list[Entry]:
    """Settled payments (their allocations pay invoices) and each refund of one."""
    p, e = payments.c, events.c
    paid = conn.execute(
        select(p.payment_id, p.amount_minor, p.settled_at, p.allocations)
        .where(p.org_id == org_id, p.customer_id == customer_id, p.currency == currency,
               p.settled_at.is_not(None), p.status.in_(("settled", "refunded")))).all()
    names = {invoice_id: info["number"] for invoice_id, info in ledger.invoices.items()}
    allocations, entries = {}, []
    for r in paid:
        allocations[r.payment_id] = r.allocations          # in the payment's own order
        for a in r.allocations:
            ledger.paid[a["invoice_id"]].append((r.settled_at[:10], a["amount_minor"]))
        numbers = ", ".join(names.get(a["invoice_id"], a["invoice_id"]) for a in r.allocations)
        entries.append(Entry(r.settled_at, "payment", receipt_number(r.payment_id), -r.amount_minor,
                             f"Payment for {numbers}", payment_id=r.payment_id))
    refunds = conn.execute(
        select(e.stream_id, e.occurred_at, e.data)
        .join(payments, p.payment_id == e.stream_id)
        .where(p.org_id == org_id, p.customer_id == customer_id, p.currency == currency,
               p.refunded_minor > 0, e.org_id == org_id, e.type == "PaymentRefunded")
        .order_by(e.stream_id, e.version)).all()
    refunded: dict[tuple[str, str], int] = defaultdict(int)
    for r in refunds:
        amount, receipt, reopens = r.data["amount_minor"], receipt_number(r.stream_id), owed_again(r.data)
        split = r.data.get("allocations") or _last_first(allocations.get(r.stream_id, []), refunded,
                                                          r.stream_id, amount)
        entries.append(Entry(r.occurred_at, "payment_refund", receipt, amount, f"Refund of payment {receipt}",
                             payment_id=r.stream_id))
        for part in split:
            refunded[(r.stream_id, part["invoice_id"])] += part["amount_minor"]
            if reopens:                 # the invoice owes it again
                ledger.paid[part["invoice_id"]].append((r.occurred_at[:10], -part["amount_minor"]))
                continue
            number = names.get(part["invoice_id"], part["invoice_id"])
            entries.append(Entry(r.occurred_at, "invoice_reduced", number, -part["amount_minor"],
                                 f"Invoice {number} reduced by the refund of {receipt}",
                                 invoice_id=part["invoice_id"], payment_id=r.stream_id))
    return entries


def _last_first(allocations, refunded, payment_id, amount) -> list[dict]:
    """A refund recorded before refunds named their invoices: off the last allocation first,
    as the projection splits it (projections/payments.PaymentList.when_PaymentRefunded)."""
    split, left = [], amount
    for a in reversed(allocations):
        take = min(a["amount_minor"] - refunded[(payment_id, a["invoice_id"])], left)
        if take > 0:
            split.append({"invoice_id": a["invoice_id"], "amount_minor": take})
            left -= take
    return split


def _credit_entries(conn, org_id, customer_id, currency, ledger: _Ledger) -> list[Entry]:
    """Credit notes issued and refunds paid from them; applications only feed the ageing."""
    n, k, f = credit_notes.c, credit_applications.c, credit_refunds.c
    mine = (n.org_id == org_id, n.customer_id == customer_id, n.currency == currency)    # by the notes' index
    entries = []
    for r in conn.execute(select(n.credit_note_id, n.number, n.total_minor, n.issued_at).where(*mine)):
        entries.append(Entry(r.issued_at, "credit_note", r.number, -r.total_minor, f"Credit note {r.number}",
                             credit_note_id=r.credit_note_id))
        ledger.credit.append((r.issued_at[:10], r.total_minor))
    for r in conn.execute(select(f.credit_note_id, f.amount_minor, f.refunded_at, n.number)
                          .select_from(credit_notes)
                          .join(credit_refunds, f.credit_note_id == n.credit_note_id).where(*mine)):
        entries.append(Entry(r.refunded_at, "credit_refund", r.number, r.amount_minor,
                             f"Refund of credit note {r.number}", credit_note_id=r.credit_note_id))
        ledger.credit.append((r.refunded_at[:10], -r.amount_minor))
    for r in conn.execute(select(k.invoice_id, k.amount_minor, k.applied_at)
                          .select_from(credit_notes)
                          .join(credit_applications, k.credit_note_id == n.credit_note_id).where(*mine)):
        ledger.paid[r.invoice_id].append((r.applied_at[:10], r.amount_minor))
        ledger.credit.append((r.applied_at[:10], -r.amount_minor))
    return entries
