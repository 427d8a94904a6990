"""Migration 0012 on a database with refunds made before it, on SQLite and PostgreSQL: every
refund reopened its invoice then, and still does (the same as rebuilding the read models
from those events gives: a PaymentRefunded without `reopens_invoice` reopens), and a refund
left open at the gateway is finished as it was asked."""
from sqlalchemy import column, create_engine, insert, select, table

from services.billing.bootstrap import SPEC
from services.billing.projections.paid import paid_on, payment_allocations, refunded_on
from services.billing.tables import refund_requests
from services.chassis import migrate

# the two tables as 0011 left them
BEFORE_ALLOCATIONS = table("payment_allocations", *map(column, (
    "payment_id", "invoice_id", "org_id", "customer_id", "amount_minor", "refunded_minor", "status", "initiated_at")))
BEFORE_REQUESTS = table("refund_requests", *map(column, (
    "refund_id", "org_id", "payment_id", "amount_minor", "status", "created_at")))


def test_refunds_from_before_0012_keep_reopening_their_invoices(make_db_url, db_kind):
    url = make_db_url(db_kind)
    migrate.upgrade(SPEC, url, "0011")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(BEFORE_ALLOCATIONS).values(
                payment_id="pay-1", invoice_id="inv-1", org_id="org-1", customer_id="cust-1", amount_minor=58500,
                refunded_minor=8500, status="refunded", initiated_at="2026-01-05T10:00:00+00:00"))
            conn.execute(insert(BEFORE_REQUESTS).values(
                refund_id="ref-1", org_id="org-1", payment_id="pay-1", amount_minor=100, status="requested",
                created_at="2026-01-05T10:00:00+00:00"))
        migrate.upgrade(SPEC, url)
        with engine.connect() as conn:
            assert conn.execute(select(payment_allocations.c.reopened_minor)).scalar_one() == 8500
            assert (paid_on(conn, "inv-1"), refunded_on(conn, "inv-1")) == (50000, 0)   # owed again, as before
            assert conn.execute(select(refund_requests.c.reopens_invoice)).scalar_one() is True
    finally:
        engine.dispose()
