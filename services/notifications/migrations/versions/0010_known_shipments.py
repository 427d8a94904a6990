"""notifications: the shipments of customers' orders, as orders' ShipmentDispatched tells them
(order number, carrier, tracking), for the mails about their deliveries
(services/notifications/handlers/delivery_mail.py).

Revision ID: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_shipments",
        sa.Column("shipment_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("sales_order_id", sa.String(64), nullable=False),
        sa.Column("order_number", sa.Text, nullable=False),
        sa.Column("carrier", sa.Text),
        sa.Column("tracking_number", sa.Text),
        sa.Column("tracking_url", sa.Text),
        sa.Column("expected_on", sa.String(10)),
    )


def downgrade() -> None:
    op.drop_table("known_shipments")
