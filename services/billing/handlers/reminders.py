"""Payment reminders: each org's schedule and the customers left out of it (staff set both:
`set_schedule`, `set_customer`), and the sweep that sends what is due (`sweep`, run by a loop
in billing's worker every BILLING_REMINDER_SWEEP_S, default 600; the day injectable for tests).

The sweep takes, per org whose reminders are on, the invoices still owed whose due date puts
one of the schedule's steps within the catch-up window (domain/reminders.py), of customers not
left out, with no payment in progress (a reminder must never ask to pay what is being paid),
and not yet sent that step (projections/reminders.py). Each is then loaded in its own unit of
work, with what pays it, and the Invoice records ReminderSent only if it is still owed and
that step was never sent: two sweeps at once collide on the stream's version, and the loser
reloads and finds the step sent. notifications mails the customer's contacts.
"""
from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import delete, select

from services.billing.domain import reminders
from services.billing.handlers.invoices import load_invoice
from services.billing.projections.invoices import invoices
from services.billing.projections.payments import invoice_payment_locks
from services.billing.projections.reminders import invoice_reminders
from services.billing.queries.payments import in_flight_payment
from services.billing.tables import reminder_optouts, reminder_schedules
from services.chassis.db import upsert_insert
from services.chassis.errors import retry_on_conflict
from services.chassis.events import utc_now
from services.chassis.sweeps import every

log = logging.getLogger(__name__)
BATCH = 500                       # invoices per org and sweep; the next sweep takes the rest


def set_schedule(rt, org_id: str, enabled: bool, days, by: str | None) -> dict:
    values = {"enabled": bool(enabled), "days": reminders.check_steps(days), "updated_at": utc_now(),
              "updated_by": by}
    with rt.engine.begin() as conn:
        conn.execute(upsert_insert(conn, reminder_schedules).values(org_id=org_id, **values)
                     .on_conflict_do_update(index_elements=["org_id"], set_=values))
    return values


def set_customer(rt, org_id: str, customer_id: str, enabled: bool, by: str | None) -> None:
    """Leave a customer out of reminders (enabled False), or take it back in."""
    o = reminder_optouts.c
    with rt.engine.begin() as conn:
        if enabled:
            conn.execute(delete(reminder_optouts).where(o.org_id == org_id, o.customer_id == customer_id))
        else:
            values = {"updated_at": utc_now(), "updated_by": by}
            conn.execute(upsert_insert(conn, reminder_optouts).values(org_id=org_id, customer_id=customer_id, **values)
                         .on_conflict_do_update(index_elements=["org_id", "customer_id"], set_=values))


def sweep(rt, today: date | None = None) -> int:
    """Send every reminder due today; answers how many were sent."""
    today = today or datetime.now(timezone.utc).date()
    with rt.engine.connect() as conn:
        schedules = conn.execute(select(reminder_schedules).where(reminder_schedules.c.enabled.is_(True))).all()
    sent = 0
    for schedule in schedules:
        for invoice_id, step in _candidates(rt, schedule.org_id, schedule.days, today):
            try:
                sent += _remind(rt, schedule.org_id, invoice_id, step, today)
            except Exception:  # noqa: BLE001 - one invoice's trouble must not stop the others
                log.exception("could not send reminder %s of invoice %s", step, invoice_id)
    return sent


def _candidates(rt, org_id: str, steps: list[int], today: date) -> list[tuple[str, int]]:
    """(invoice, step) pairs due today, cheaply filtered in SQL, exactly in domain/reminders."""
    c, o, r, locks = invoices.c, reminder_optouts.c, invoice_reminders.c, invoice_payment_locks.c
    earliest = (today - timedelta(days=max(steps) + reminders.CATCH_UP_DAYS)).isoformat()
    latest = (today - timedelta(days=min(steps))).isoformat()
    left_out = select(o.customer_id).where(o.org_id == org_id, o.customer_id == c.customer_id)
    paying = select(locks.invoice_id).where(locks.invoice_id == c.invoice_id)
    with rt.engine.connect() as conn:
        rows = conn.execute(
            select(c.invoice_id, c.due_date, c.issued_at)
            .where(c.org_id == org_id, c.status.in_(("sent", "partially_paid")), c.amount_due_minor > 0,
                   c.due_date.is_not(None), c.due_date >= earliest, c.due_date <= latest,
                   ~left_out.exists(), ~paying.exists())
            .order_by(c.due_date, c.invoice_id).limit(BATCH)).all()
        found = []
        for row in rows:
            step = reminders.step_due(date.fromisoformat(row.due_date), date.fromisoformat(row.issued_at[:10]),
                                      steps, today)
            if step is not None:
                found.append((row.invoice_id, step))
        if not found:
            return []
        done = set(conn.execute(select(r.invoice_id, r.days_from_due).where(
            r.invoice_id.in_([i for i, _ in found]))).all())
    return [(i, step) for i, step in found if (i, step) not in done]


def _remind(rt, org_id: str, invoice_id: str, step: int, today: date) -> int:
    def run():
        with rt.store.unit_of_work() as uow:
            invoice = load_invoice(uow, org_id, invoice_id)
            if in_flight_payment(uow.conn, invoice_id) or not invoice.remind(step, today):
                return 0
            uow.add(invoice)
            uow.commit()
            return 1
    return retry_on_conflict(run)


def loop(rt, stop: threading.Event) -> None:
    every(rt.config.setting_float("REMINDER_SWEEP_S", 600.0), lambda: sweep(rt), stop, "payment reminders sent")
