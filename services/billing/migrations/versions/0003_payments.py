"""billing: payments, their allocations to invoices, the in-flight guard, gateway references,
applied gateway events, refunds asked of a gateway, and the simulated gateway's own books.

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("payment_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("gateway", sa.String(20), nullable=False),
        sa.Column("method", sa.String(40)),
        sa.Column("gateway_reference", sa.String(200)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("refunded_minor", sa.BigInteger, nullable=False),
        sa.Column("allocations", sa.JSON, nullable=False),
        sa.Column("failure_reason", sa.String(100)),
        sa.Column("failure_message", sa.Text),
        sa.Column("initiated_at", sa.String(40), nullable=False),
        sa.Column("pending_at", sa.String(40)),
        sa.Column("settled_at", sa.String(40)),
        sa.Column("failed_at", sa.String(40)),
        sa.Column("refunded_at", sa.String(40)),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_payments_customer", "payments", ["org_id", "customer_id", "initiated_at", "payment_id"])
    op.create_index("ix_payments_org", "payments", ["org_id", "initiated_at", "payment_id"])
    op.create_index("ix_payments_org_status", "payments", ["org_id", "status", "initiated_at", "payment_id"])
    op.create_index("ix_payments_org_gateway", "payments", ["org_id", "gateway", "initiated_at", "payment_id"])

    op.create_table(
        "payment_allocations",
        sa.Column("payment_id", sa.String(64), primary_key=True),
        sa.Column("invoice_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("refunded_minor", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("initiated_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_payment_allocations_invoice", "payment_allocations",
                    ["invoice_id", "initiated_at", "payment_id"])

    op.create_table(
        "invoice_payment_locks",
        sa.Column("invoice_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("payment_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("gateway", sa.String(20), nullable=False),
        sa.Column("method", sa.String(40)),
        sa.Column("started_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_invoice_payment_locks_payment_id", "invoice_payment_locks", ["payment_id"])

    op.create_table(
        "payment_gateway_refs",
        sa.Column("payment_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("gateway", sa.String(20), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("redirect_url", sa.Text),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("uq_payment_gateway_refs_reference", "payment_gateway_refs", ["gateway", "reference"],
                    unique=True)

    op.create_table(
        "gateway_events",
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("payment_id", sa.String(64)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("processed_at", sa.String(40), nullable=False),
    )

    op.create_table(
        "refund_requests",
        sa.Column("refund_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("payment_id", sa.String(64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("gateway_refund_id", sa.String(200)),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_refund_requests_payment_id", "refund_requests", ["payment_id"])

    op.create_table(
        "simulated_gateway_payments",
        sa.Column("reference", sa.String(64), primary_key=True),
        sa.Column("payment_id", sa.String(64), nullable=False, unique=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("method", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger, nullable=False),
        sa.Column("refunds", sa.JSON, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    for table in ("simulated_gateway_payments", "refund_requests", "gateway_events", "payment_gateway_refs",
                  "invoice_payment_locks", "payment_allocations", "payments"):
        op.drop_table(table)
