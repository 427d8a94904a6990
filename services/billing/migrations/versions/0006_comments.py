"""billing: invoice comments and forwards (read models of CommentPosted and InvoiceForwarded).

Revision ID: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_comments",
        sa.Column("comment_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("invoice_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("author_kind", sa.String(20), nullable=False),
        sa.Column("author_id", sa.String(200), nullable=False),
        sa.Column("author_name", sa.String(200)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("visible_to_customer", sa.Boolean, nullable=False),
        sa.Column("posted_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_invoice_comments_invoice", "invoice_comments",
                    ["org_id", "invoice_id", "posted_at", "comment_id"])

    op.create_table(
        "invoice_forwards",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("invoice_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(200), nullable=False),
        sa.Column("recipient_email", sa.String(320), nullable=False),
        sa.Column("forwarded_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_invoice_forwards_contact", "invoice_forwards", ["org_id", "contact_id", "forwarded_at"])
    op.create_index("ix_invoice_forwards_invoice", "invoice_forwards", ["org_id", "invoice_id", "forwarded_at"])


def downgrade() -> None:
    op.drop_index("ix_invoice_forwards_invoice", table_name="invoice_forwards")
    op.drop_index("ix_invoice_forwards_contact", table_name="invoice_forwards")
    op.drop_table("invoice_forwards")
    op.drop_index("ix_invoice_comments_invoice", table_name="invoice_comments")
    op.drop_table("invoice_comments")
