"""billing: credit notes, the credit applied to invoices, and refunds made from notes.

Revision ID: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_notes",
        sa.Column("credit_note_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("number_seq", sa.BigInteger),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("invoice_id", sa.String(64)),
        sa.Column("reason", sa.Text),
        sa.Column("lines", sa.JSON, nullable=False),
        sa.Column("subtotal_minor", sa.BigInteger, nullable=False),
        sa.Column("discount_minor", sa.BigInteger, nullable=False),
        sa.Column("tax_minor", sa.BigInteger, nullable=False),
        sa.Column("total_minor", sa.BigInteger, nullable=False),
        sa.Column("applied_minor", sa.BigInteger, nullable=False),
        sa.Column("refunded_minor", sa.BigInteger, nullable=False),
        sa.Column("remaining_minor", sa.BigInteger, nullable=False),
        sa.Column("external_ref", sa.String(200)),
        sa.Column("issued_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("uq_credit_notes_number", "credit_notes", ["org_id", "number"], unique=True)
    op.create_index("uq_credit_notes_external_ref", "credit_notes", ["org_id", "external_ref"], unique=True)
    op.create_index("ix_credit_notes_number_seq", "credit_notes", ["org_id", "number_seq"])
    op.create_index("ix_credit_notes_customer", "credit_notes", ["org_id", "customer_id", "issued_at", "credit_note_id"])
    op.create_index("ix_credit_notes_org", "credit_notes", ["org_id", "issued_at", "credit_note_id"])

    op.create_table(
        "credit_applications",
        sa.Column("application_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("credit_note_id", sa.String(64), nullable=False),
        sa.Column("invoice_id", sa.String(64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("applied_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_credit_applications_invoice", "credit_applications", ["invoice_id", "applied_at"])
    op.create_index("ix_credit_applications_note", "credit_applications", ["credit_note_id", "applied_at"])

    op.create_table(
        "credit_refunds",
        sa.Column("refund_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("credit_note_id", sa.String(64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("refunded_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_credit_refunds_note", "credit_refunds", ["credit_note_id", "refunded_at"])


def downgrade() -> None:
    for table in ("credit_refunds", "credit_applications", "credit_notes"):
        op.drop_table(table)
