"""Which reminder steps each invoice was sent (ReminderSent), so that the reminders sweep
picks only invoices still due a step in SQL; the Invoice aggregate itself refuses a step
twice (handlers/reminders.py)."""
from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from services.billing.tables import metadata
from services.chassis.db import upsert_insert
from services.chassis.projections import Projection

invoice_reminders = Table(
    "invoice_reminders", metadata,
    Column("invoice_id", String(64), primary_key=True),
    Column("days_from_due", Integer, primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("sent_at", String(40), nullable=False),
)


class ReminderList(Projection):
    tables = (invoice_reminders,)

    def when_ReminderSent(self, conn, e):
        d = e.data
        conn.execute(upsert_insert(conn, invoice_reminders)
                     .values(invoice_id=d["invoice_id"], days_from_due=d["days_from_due"], org_id=e.org_id,
                             sent_at=e.occurred_at)
                     .on_conflict_do_nothing(index_elements=["invoice_id", "days_from_due"]))
