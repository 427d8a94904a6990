"""billing: saved payment methods (payment_methods.py), the setups that save them, the
gateways' customer of each contact, and the simulated gateway's own saved methods.

Revision ID: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ACTIVE_DEFAULT = "is_default AND removed_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "payment_methods",
        sa.Column("method_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(200), nullable=False),
        sa.Column("gateway", sa.String(20), nullable=False),
        sa.Column("gateway_token", sa.String(200), nullable=False),
        sa.Column("gateway_customer", sa.String(200)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("brand", sa.String(40)),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("exp_month", sa.Integer),
        sa.Column("exp_year", sa.Integer),
        sa.Column("is_default", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("removed_at", sa.String(40)),
    )
    op.create_index("uq_payment_methods_token", "payment_methods", ["gateway", "gateway_token"], unique=True)
    op.create_index("ix_payment_methods_contact", "payment_methods",
                    ["org_id", "customer_id", "contact_id", "created_at"])
    op.create_index("uq_payment_methods_default", "payment_methods", ["org_id", "customer_id", "contact_id"],
                    unique=True, postgresql_where=sa.text(ACTIVE_DEFAULT), sqlite_where=sa.text(ACTIVE_DEFAULT))

    op.create_table(
        "payment_method_setups",
        sa.Column("setup_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(200), nullable=False),
        sa.Column("gateway", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reference", sa.String(200)),
        sa.Column("redirect_url", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("method_id", sa.String(64)),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_payment_method_setups_reference", "payment_method_setups", ["gateway", "reference"])

    op.create_table(
        "gateway_customers",
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("gateway", sa.String(20), primary_key=True),
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("contact_id", sa.String(200), primary_key=True),
        sa.Column("gateway_customer", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )

    op.create_table(
        "simulated_gateway_methods",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("setup_id", sa.String(64), nullable=False, unique=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("brand", sa.String(40)),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("exp_month", sa.Integer),
        sa.Column("exp_year", sa.Integer),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("detached_at", sa.String(40)),
    )


def downgrade() -> None:
    op.drop_table("simulated_gateway_methods")
    op.drop_table("gateway_customers")
    op.drop_index("ix_payment_method_setups_reference", table_name="payment_method_setups")
    op.drop_table("payment_method_setups")
    op.drop_index("uq_payment_methods_default", table_name="payment_methods")
    op.drop_index("ix_payment_methods_contact", table_name="payment_methods")
    op.drop_index("uq_payment_methods_token", table_name="payment_methods")
    op.drop_table("payment_methods")
