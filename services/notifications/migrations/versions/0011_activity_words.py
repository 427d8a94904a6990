"""notifications: activity entries say what and who (the thing's number or title, its customer,
the person who acted).

Revision ID: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activity") as batch:
        batch.add_column(sa.Column("subject", sa.String(200)))
        batch.add_column(sa.Column("customer_id", sa.String(64)))
        batch.add_column(sa.Column("actor_name", sa.String(200)))


def downgrade() -> None:
    with op.batch_alter_table("activity") as batch:
        for column in ("actor_name", "customer_id", "subject"):
            batch.drop_column(column)
