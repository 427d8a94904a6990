"""What the portal's home page says about a customer's money, in one read: per currency, the
balance due, how much of it is overdue and on how many invoices, the next due date; and the
overdue invoices a "Pay all overdue" button offers (oldest due first, those with a payment in
progress left out, at most one payment's worth).

Every figure is a sum over the same `invoices` rows the invoice list shows (issued, not void,
money still due), so the home page and the list never disagree. Overdue is decided as the
list decides it (domain/invoice.shown_status): the due date passed on the UTC day `today`.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select

from services.billing.projections.invoices import NO_DUE_DATE, invoices
from services.billing.projections.payments import invoice_payment_locks

OPEN = ("sent", "partially_paid")
MOST_IN_ONE_PAYMENT = 100             # billing's own limit of invoices in one payment


def account_summary(conn, org_id: str, customer_id: str | None, today: date) -> dict:
    """One customer's summary; with `customer_id` None the whole org's (the console's home),
    without the invoices to pay."""
    c = invoices.c
    day = today.isoformat()
    owing = (c.org_id == org_id, c.status.in_(OPEN), c.amount_due_minor > 0,
             *((c.customer_id == customer_id,) if customer_id is not None else ()))
    late = c.due_key < day                            # NO_DUE_DATE sorts after every real day
    rows = conn.execute(
        select(c.currency, func.count().label("open_invoices"), func.sum(c.amount_due_minor).label("due"),
               func.sum(case((late, c.amount_due_minor), else_=0)).label("overdue"),
               func.sum(case((late, 1), else_=0)).label("overdue_count"),
               func.min(case((late, None), else_=c.due_key)).label("next_due"))
        .where(*owing).group_by(c.currency).order_by(func.sum(c.amount_due_minor).desc(), c.currency)).all()
    balances = [{"currency": r.currency, "open_invoices": r.open_invoices, "balance_due_minor": int(r.due),
                 "overdue_minor": int(r.overdue), "overdue_invoices": int(r.overdue_count),
                 "next_due_date": None if r.next_due in (None, NO_DUE_DATE) else r.next_due} for r in rows]
    locked = select(invoice_payment_locks.c.invoice_id).where(invoice_payment_locks.c.invoice_id == c.invoice_id)
    in_progress = conn.execute(
        select(func.count()).select_from(invoices).where(*owing, locked.exists())).scalar_one()
    if customer_id is None:
        return {"balances": balances, "payments_in_progress": in_progress, "overdue_to_pay": []}
    overdue = conn.execute(
        select(c.invoice_id, c.number, c.currency, c.amount_due_minor, c.due_date)
        .where(*owing, late, ~locked.exists())
        .order_by(c.due_key, c.invoice_id).limit(MOST_IN_ONE_PAYMENT)).all()
    return {"balances": balances, "payments_in_progress": in_progress,
            "overdue_to_pay": [dict(r._mapping) for r in overdue]}
