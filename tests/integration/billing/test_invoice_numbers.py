"""Invoice numbers from each org's counter (services/billing/handlers/numbers.py), on SQLite
and PostgreSQL: a rolled-back transaction gives its numbers back, numbers staff gave move the
counter up, numbers already used are passed over, and migration 0014 seeds the counter from
the invoices made before it."""
from __future__ import annotations

from sqlalchemy import column, create_engine, insert, select, table

from services.billing.bootstrap import SPEC
from services.billing.domain.commands import CreateInvoice, IssueInvoice
from services.billing.handlers import invoices as handlers
from services.billing.handlers import numbers
from services.billing.projections.invoices import invoices
from services.billing.tables import invoice_numbers
from services.chassis import migrate

ORG = "org-acme"
LINE = {"description": "Consulting", "quantity": "1", "unit_price_minor": 10000, "tax_rate": "20"}


def create(rt, org_id=ORG, **kw):
    invoice_id, _ = handlers.create_invoice(rt, CreateInvoice(org_id, "cust-1", "EUR", [LINE], **kw))
    with rt.engine.connect() as conn:
        return conn.execute(select(invoices.c.number).where(invoices.c.invoice_id == invoice_id)).scalar_one()


def test_a_rolled_back_transaction_gives_its_numbers_back(make_runtime, db_kind):
    rt = make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1")
    assert create(rt, issue=True) == "INV-000001"
    with rt.store.unit_of_work() as uow:
        assert numbers.take(uow.conn, ORG, 3) == ["INV-000002", "INV-000003", "INV-000004"]
        # no commit: rolled back
    assert create(rt, issue=True) == "INV-000002"
    assert create(rt, issue=True, org_id="org-other") == "INV-000001"         # a counter per org


def test_given_numbers_move_the_counter_up_and_used_ones_are_passed_over(make_runtime, db_kind):
    rt = make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1")
    assert create(rt, issue=True, number="inv-000007") == "inv-000007"      # our form, any case
    assert create(rt, issue=True) == "INV-000008"
    draft = handlers.create_invoice(rt, CreateInvoice(ORG, "cust-1", "EUR", [LINE], number="INV-000020"))[0]
    assert create(rt, issue=True) == "INV-000021"
    handlers.issue_invoice(rt, IssueInvoice(ORG, draft))
    assert create(rt, issue=True, number="ACME-1") == "ACME-1"              # not our form: no move
    with rt.engine.begin() as conn:                                       # a row older than the counter
        conn.execute(invoice_numbers.update().values(last_seq=5))
    with rt.store.unit_of_work() as uow:
        assert numbers.take(uow.conn, ORG, 2) == ["INV-000006", "INV-000009"]   # 7 and 8 are used


BEFORE = table("invoices", *map(column, (
    "invoice_id", "org_id", "customer_id", "number", "number_key", "number_seq", "status", "currency",
    "subtotal_minor", "discount_minor", "tax_minor", "total_minor", "amount_paid_minor", "amount_due_minor",
    "listed_at", "due_key", "lines", "created_at", "updated_at")))


def _row(invoice_id, org_id, number, seq):
    return {"invoice_id": invoice_id, "org_id": org_id, "customer_id": "cust-1", "number": number,
            "number_key": (number or "").lower(), "number_seq": seq, "status": "sent", "currency": "EUR",
            "subtotal_minor": 100, "discount_minor": 0, "tax_minor": 0, "total_minor": 100,
            "amount_paid_minor": 0, "amount_due_minor": 100, "listed_at": "2026-01-05T10:00:00+00:00",
            "due_key": "9999-12-31", "lines": "[]", "created_at": "2026-01-05T10:00:00+00:00",
            "updated_at": "2026-01-05T10:00:00+00:00"}


def _insert_before_0014(url, rows):
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(BEFORE), rows)
    finally:
        engine.dispose()


def test_migration_0014_seeds_each_orgs_counter_from_its_highest_number(make_db_url, make_runtime, db_kind):
    url = make_db_url(db_kind)
    migrate.upgrade(SPEC, url, "0013")
    _insert_before_0014(url, [
        _row("i1", "org-a", "INV-000012", 12), _row("i2", "org-a", "INV-000003", 3),
        _row("i3", "org-b", "inv-000040", None),            # given in lower case: no sequence before 0014
        _row("i4", "org-b", "INV-000009", 9), _row("i5", "org-c", "ACME-1", None), _row("i6", "org-c", None, None)])
    rt = make_runtime(SPEC, database_url=url)                   # upgrades to the head
    with rt.engine.connect() as conn:
        counters = dict(conn.execute(select(invoice_numbers.c.org_id, invoice_numbers.c.last_seq)).all())
        assert counters == {"org-a": 12, "org-b": 40}
        assert numbers.take(conn, "org-a", 1) == ["INV-000013"]
        assert numbers.take(conn, "org-c", 1) == ["INV-000001"]           # no counter yet: starts one
