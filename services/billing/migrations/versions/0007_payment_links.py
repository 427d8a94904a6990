"""billing: payment links (the SHA-256 of each link's token, never the token) and the
payments started through them (services/billing/payment_links.py).

Revision ID: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_links",
        sa.Column("payment_link_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("invoice_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("expires_at", sa.String(40), nullable=False),
        sa.Column("revoked_at", sa.String(40)),
        sa.Column("created_by_kind", sa.String(20), nullable=False),
        sa.Column("created_by_id", sa.String(200)),
    )
    # one unrevoked link per invoice: two concurrent creates make one link
    op.create_index("uq_payment_links_live", "payment_links", ["org_id", "invoice_id"], unique=True,
                    postgresql_where=sa.text("revoked_at IS NULL"), sqlite_where=sa.text("revoked_at IS NULL"))

    op.create_table(
        "payment_link_payments",
        sa.Column("payment_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("payment_link_id", sa.String(64), nullable=False),
        sa.Column("invoice_id", sa.String(64), nullable=False),
        sa.Column("payer_email", sa.String(320)),
        sa.Column("started_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_payment_link_payments_payment_link_id", "payment_link_payments", ["payment_link_id"])


def downgrade() -> None:
    op.drop_index("ix_payment_link_payments_payment_link_id", table_name="payment_link_payments")
    op.drop_table("payment_link_payments")
    op.drop_index("uq_payment_links_live", table_name="payment_links")
    op.drop_table("payment_links")
