"""notifications: what mail to customers needs from other services' events (contacts,
who started each payment, invoice numbers).

Revision ID: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_contacts",
        sa.Column("contact_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("notify", sa.JSON, nullable=False),
    )
    op.create_index("ix_known_contacts_customer_id", "known_contacts", ["customer_id"])
    op.create_table(
        "payment_payers",
        sa.Column("payment_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "invoice_numbers",
        sa.Column("invoice_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("invoice_numbers")
    op.drop_table("payment_payers")
    op.drop_index("ix_known_contacts_customer_id", table_name="known_contacts")
    op.drop_table("known_contacts")
