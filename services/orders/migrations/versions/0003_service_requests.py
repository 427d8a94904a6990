"""orders: service requests and their updates (read models of their events).

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
        "service_requests",
        sa.Column("service_request_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("number_seq", sa.BigInteger),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("category", sa.String(100)),
        sa.Column("assignee_id", sa.String(64)),
        sa.Column("assignee_name", sa.String(200)),
        sa.Column("opened_by_kind", sa.String(20), nullable=False),
        sa.Column("opened_by_id", sa.String(64)),
        sa.Column("external_ref", sa.String(200)),
        sa.Column("update_count", sa.Integer, nullable=False),
        sa.Column("opened_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("uq_service_requests_number", "service_requests", ["org_id", "number"], unique=True)
    op.create_index("uq_service_requests_external_ref", "service_requests", ["org_id", "external_ref"], unique=True)
    op.create_index("ix_service_requests_seq", "service_requests", ["org_id", "number_seq"])
    op.create_index("ix_service_requests_customer", "service_requests",
                    ["org_id", "customer_id", "updated_at", "service_request_id"])
    op.create_index("ix_service_requests_customer_status", "service_requests",
                    ["org_id", "customer_id", "status", "updated_at", "service_request_id"])
    op.create_index("ix_service_requests_org", "service_requests", ["org_id", "updated_at", "service_request_id"])
    op.create_index("ix_service_requests_org_status", "service_requests",
                    ["org_id", "status", "updated_at", "service_request_id"])
    op.create_table(
        "service_request_updates",
        sa.Column("update_id", sa.String(64), primary_key=True),
        sa.Column("service_request_id", sa.String(64), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author_kind", sa.String(20), nullable=False),
        sa.Column("author_name", sa.String(200)),
        sa.Column("posted_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_service_request_updates_request", "service_request_updates",
                    ["service_request_id", "posted_at"])


def downgrade() -> None:
    op.drop_table("service_request_updates")
    op.drop_table("service_requests")
