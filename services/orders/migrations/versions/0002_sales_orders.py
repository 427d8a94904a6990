"""orders: sales orders and shipments (read models of their events).

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sales_orders",
        sa.Column("sales_order_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("number_key", sa.String(40), nullable=False),
        sa.Column("number_seq", sa.BigInteger),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("subtotal_minor", sa.BigInteger, nullable=False),
        sa.Column("tax_minor", sa.BigInteger, nullable=False),
        sa.Column("total_minor", sa.BigInteger, nullable=False),
        sa.Column("lines", sa.JSON, nullable=False),
        sa.Column("ordered_on", sa.String(10), nullable=False),
        sa.Column("notes", sa.Text),
        sa.Column("external_ref", sa.String(200)),
        sa.Column("invoice_ids", sa.JSON, nullable=False),
        sa.Column("cancel_reason", sa.Text),
        sa.Column("placed_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("uq_sales_orders_number", "sales_orders", ["org_id", "number_key"], unique=True)
    op.create_index("uq_sales_orders_external_ref", "sales_orders", ["org_id", "external_ref"], unique=True)
    op.create_index("ix_sales_orders_seq", "sales_orders", ["org_id", "number_seq"])
    op.create_index("ix_sales_orders_customer", "sales_orders", ["org_id", "customer_id", "ordered_on", "sales_order_id"])
    op.create_index("ix_sales_orders_customer_status", "sales_orders",
                    ["org_id", "customer_id", "status", "ordered_on", "sales_order_id"])
    op.create_index("ix_sales_orders_org", "sales_orders", ["org_id", "ordered_on", "sales_order_id"])
    op.create_table(
        "shipments",
        sa.Column("shipment_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("sales_order_id", sa.String(64), nullable=False),
        sa.Column("order_number", sa.String(40), nullable=False),
        sa.Column("carrier", sa.String(200)),
        sa.Column("tracking_number", sa.String(200)),
        sa.Column("tracking_url", sa.String(2000)),
        sa.Column("expected_on", sa.String(10)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_at", sa.String(40), nullable=False),
        sa.Column("timeline", sa.JSON, nullable=False),
        sa.Column("external_ref", sa.String(200)),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("uq_shipments_external_ref", "shipments", ["org_id", "external_ref"], unique=True)
    op.create_index("ix_shipments_order", "shipments", ["sales_order_id", "created_at"])
    op.create_index("ix_shipments_customer", "shipments", ["org_id", "customer_id", "created_at", "shipment_id"])
    op.create_index("ix_shipments_customer_status", "shipments",
                    ["org_id", "customer_id", "status", "created_at", "shipment_id"])


def downgrade() -> None:
    op.drop_table("shipments")
    op.drop_table("sales_orders")
