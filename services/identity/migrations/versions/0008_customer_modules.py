"""identity: the modules a customer's contacts may use, within the org's (null: all of the
org's, as every customer had before).

Revision ID: 0008
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision = "0008", "0007"


def upgrade() -> None:
    with op.batch_alter_table("customers") as table:
        table.add_column(sa.Column("modules", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("customers") as table:
        table.drop_column("modules")
