"""Reading an org's payment reminder schedule and the customers left out of it
(handlers/reminders.py writes them)."""
from __future__ import annotations

from sqlalchemy import select

from services.billing.domain.reminders import DEFAULT_STEPS, STEPS
from services.billing.queries.customers import names
from services.billing.tables import reminder_optouts, reminder_schedules


def schedule(conn, org_id: str) -> dict:
    """{enabled, days, steps, customers_left_out}: off, on the default days, until staff turn it on."""
    row = conn.execute(select(reminder_schedules).where(reminder_schedules.c.org_id == org_id)).first()
    o = reminder_optouts.c
    left_out = [dict(r._mapping) for r in conn.execute(
        select(o.customer_id, o.updated_at, o.updated_by).where(o.org_id == org_id).order_by(o.updated_at))]
    known = names(conn, org_id, [r["customer_id"] for r in left_out])
    for r in left_out:
        r["customer_name"] = known.get(r["customer_id"])
    return {"enabled": bool(row and row.enabled), "days": list(row.days) if row else list(DEFAULT_STEPS),
            "steps": list(STEPS), "customers_left_out": left_out}
