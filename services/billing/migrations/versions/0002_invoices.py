"""billing: the invoices read model (drafts included) and the last view of each contact.

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SORTS = {"listed": ["listed_at", "invoice_id"], "due": ["due_key", "invoice_id"],
         "number": ["number_key", "invoice_id"], "total": ["total_minor", "invoice_id"],
         "status": ["status", "listed_at", "invoice_id"]}


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("invoice_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("number", sa.String(40)),
        sa.Column("number_key", sa.String(40), nullable=False),
        sa.Column("number_seq", sa.BigInteger),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("subtotal_minor", sa.BigInteger, nullable=False),
        sa.Column("discount_minor", sa.BigInteger, nullable=False),
        sa.Column("tax_minor", sa.BigInteger, nullable=False),
        sa.Column("total_minor", sa.BigInteger, nullable=False),
        sa.Column("amount_paid_minor", sa.BigInteger, nullable=False),
        sa.Column("amount_due_minor", sa.BigInteger, nullable=False),
        sa.Column("issued_at", sa.String(40)),
        sa.Column("listed_at", sa.String(40), nullable=False),
        sa.Column("due_date", sa.String(10)),
        sa.Column("due_key", sa.String(10), nullable=False),
        sa.Column("external_ref", sa.String(200)),
        sa.Column("notes", sa.Text),
        sa.Column("lines", sa.JSON, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("uq_invoices_number", "invoices", ["org_id", "number_key"], unique=True,
                    postgresql_where=sa.text("number_key <> ''"), sqlite_where=sa.text("number_key <> ''"))
    op.create_index("uq_invoices_external_ref", "invoices", ["org_id", "external_ref"], unique=True)
    op.create_index("ix_invoices_number_seq", "invoices", ["org_id", "number_seq"])
    for name, columns in SORTS.items():
        op.create_index(f"ix_invoices_customer_{name}", "invoices", ["org_id", "customer_id", *columns])
        op.create_index(f"ix_invoices_org_{name}", "invoices", ["org_id", *columns])
    op.create_table(
        "invoice_views",
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("invoice_id", sa.String(64), primary_key=True),
        sa.Column("contact_id", sa.String(64), primary_key=True),
        sa.Column("last_viewed_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("invoice_views")
    op.drop_table("invoices")
