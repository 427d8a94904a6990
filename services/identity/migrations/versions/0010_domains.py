"""identity: an org's own domain names (pending until their DNS TXT record is found, then
served) and the last DNS look-up of each.

Revision ID: 0010
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision = "0010", "0009"


def upgrade() -> None:
    op.create_table(
        "org_domains",
        sa.Column("domain", sa.String(253), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("record_value", sa.String(100), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("added_at", sa.String(40), nullable=False),
        sa.Column("verified_at", sa.String(40)),
    )
    op.create_index("ix_org_domains_org_id", "org_domains", ["org_id"])
    op.create_table(
        "domain_checks",
        sa.Column("domain", sa.String(253), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("checked_at", sa.Float, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("found", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("domain_checks")
    op.drop_index("ix_org_domains_org_id", table_name="org_domains")
    op.drop_table("org_domains")
