"""The invoices' read model, kept in step with their events in the append's transaction.

`invoices` is what every list and detail page reads. It also holds the drafts, which have
no events (see domain/invoice.py): the handlers write a draft's row themselves, and
InvoiceIssued turns it into an issued one. So that `rebuild-projections` cannot lose a
draft, the table is not emptied on a rebuild: every handler here writes the values its
event fully determines (InvoiceIssued upserts the whole row), so replaying the events
over the existing rows gives the same rows as a fresh table would.

Sorting and keyset pagination need non-null keys: `listed_at` is the issue time (a draft's
creation time), `due_key` the due date or "9999-12-31", `number_key` the lower-cased number
or "" (a draft without a number). Dates and times are ISO text, which sorts in time order.

What pays an invoice (payments and credit notes) and its amounts from them: paid.py.
"""
from sqlalchemy import JSON, BigInteger, Column, Index, String, Table, Text, select, text, update

from services.billing.domain.invoice import number_sequence, stored_status
from services.billing.tables import Money, metadata
from services.chassis.db import upsert_insert
from services.chassis.projections import Projection

NO_DUE_DATE = "9999-12-31"

invoices = Table(
    "invoices", metadata,
    Column("invoice_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("number", String(40)),
    Column("number_key", String(40), nullable=False),
    Column("number_seq", BigInteger),
    Column("status", String(20), nullable=False),       # draft sent partially_paid paid void
    Column("currency", String(3), nullable=False),
    Column("subtotal_minor", Money, nullable=False),
    Column("discount_minor", Money, nullable=False),
    Column("tax_minor", Money, nullable=False),
    Column("total_minor", Money, nullable=False),
    Column("amount_paid_minor", Money, nullable=False),
    Column("amount_due_minor", Money, nullable=False),
    Column("issued_at", String(40)),
    Column("listed_at", String(40), nullable=False),
    Column("due_date", String(10)),
    Column("due_key", String(10), nullable=False),
    Column("external_ref", String(200)),
    Column("sales_order_id", String(64)),
    Column("notes", Text),
    Column("lines", JSON, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Index("uq_invoices_number", "org_id", "number_key", unique=True,
          postgresql_where=text("number_key <> ''"), sqlite_where=text("number_key <> ''")),
    Index("uq_invoices_external_ref", "org_id", "external_ref", unique=True),
    Index("ix_invoices_number_seq", "org_id", "number_seq"),
    # a customer's list (10k invoices), one index per sort, the id breaking ties
    Index("ix_invoices_customer_listed", "org_id", "customer_id", "listed_at", "invoice_id"),
    Index("ix_invoices_customer_status", "org_id", "customer_id", "status", "listed_at", "invoice_id"),
    Index("ix_invoices_customer_due", "org_id", "customer_id", "due_key", "invoice_id"),
    Index("ix_invoices_customer_number", "org_id", "customer_id", "number_key", "invoice_id"),
    Index("ix_invoices_customer_total", "org_id", "customer_id", "total_minor", "invoice_id"),
    # an org's list (1M invoices), the same sorts
    Index("ix_invoices_org_listed", "org_id", "listed_at", "invoice_id"),
    Index("ix_invoices_org_status", "org_id", "status", "listed_at", "invoice_id"),
    Index("ix_invoices_org_due", "org_id", "due_key", "invoice_id"),
    Index("ix_invoices_org_number", "org_id", "number_key", "invoice_id"),
    Index("ix_invoices_org_total", "org_id", "total_minor", "invoice_id"),
)

# When each contact last opened each invoice: it keeps InvoiceViewed to one an hour.
invoice_views = Table(
    "invoice_views", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("invoice_id", String(64), primary_key=True),
    Column("contact_id", String(64), primary_key=True),
    Column("last_viewed_at", String(40), nullable=False),
)


def content(data: dict) -> dict:
    """The columns an InvoiceIssued / InvoiceUpdated (or a draft) sets from its content."""
    lines = data.get("lines") or []
    return {
        "lines": lines, "due_date": data["due_date"], "due_key": data["due_date"] or NO_DUE_DATE,
        "notes": data.get("notes"), "total_minor": data["total_minor"], "tax_minor": data["tax_minor"],
        "subtotal_minor": data.get("subtotal_minor", sum(line["subtotal_minor"] for line in lines)),
        "discount_minor": data.get("discount_minor", sum(line["discount_minor"] for line in lines)),
    }


def numbered(number: str | None) -> dict:
    return {"number": number, "number_key": (number or "").lower(), "number_seq": number_sequence(number)}


def issued_row(e) -> dict:
    """The whole row an InvoiceIssued determines."""
    d = e.data
    return {"invoice_id": d["invoice_id"], "org_id": e.org_id, "created_at": e.occurred_at,
            **content(d), **numbered(d["number"]), "customer_id": d["customer_id"],
            "currency": d["currency"], "external_ref": d["external_ref"], "issued_at": d["issued_at"],
            "sales_order_id": d.get("sales_order_id"),
            "listed_at": d["issued_at"], "amount_paid_minor": 0, "amount_due_minor": d["total_minor"],
            "status": stored_status("issued", d["total_minor"], 0), "updated_at": e.occurred_at}


class InvoiceList(Projection):
    tables = ()             # not emptied on a rebuild: the table also holds the drafts (above)

    def when_InvoiceIssued(self, conn, e):
        self.when_many_InvoiceIssued(conn, [e])

    def when_many_InvoiceIssued(self, conn, events):
        """One upsert for a run of them (a pushed batch); a draft's row becomes the issued one."""
        rows = [issued_row(e) for e in events]
        stmt = upsert_insert(conn, invoices)
        kept = ("invoice_id", "org_id", "created_at")
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["invoice_id"], set_={k: stmt.excluded[k] for k in rows[0] if k not in kept}), rows)

    def when_InvoiceUpdated(self, conn, e):
        d = e.data
        paid = conn.execute(select(invoices.c.amount_paid_minor)
                            .where(invoices.c.invoice_id == d["invoice_id"])).scalar_one()
        conn.execute(update(invoices).where(invoices.c.invoice_id == d["invoice_id"]).values(
            **content(d), amount_due_minor=d["amount_due_minor"], updated_at=e.occurred_at,
            status=stored_status("issued", d["total_minor"], paid)))

    def when_InvoiceVoided(self, conn, e):
        conn.execute(update(invoices).where(invoices.c.invoice_id == e.data["invoice_id"])
                     .values(status="void", amount_due_minor=0, updated_at=e.occurred_at))


class InvoiceViews(Projection):
    tables = (invoice_views,)

    def when_InvoiceViewed(self, conn, e):
        d = e.data
        conn.execute(upsert_insert(conn, invoice_views)
                     .values(org_id=e.org_id, invoice_id=d["invoice_id"], contact_id=d["contact_id"],
                             last_viewed_at=e.occurred_at)
                     .on_conflict_do_update(index_elements=["org_id", "invoice_id", "contact_id"],
                                            set_={"last_viewed_at": e.occurred_at}))

