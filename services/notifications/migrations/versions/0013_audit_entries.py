"""notifications: the audit log (projections/audit.py): who changed which settings, access,
API keys, templates, webhooks and customer details, and when, from the events.

Revision ID: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("area", sa.String(20), nullable=False),
        sa.Column("what", sa.String(500), nullable=False),
        sa.Column("subject", sa.String(200)),
        sa.Column("subject_id", sa.String(64)),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(64)),
        sa.Column("actor_name", sa.String(200)),
    )
    op.create_index("ix_audit_entries_org_at", "audit_entries", ["org_id", "at", "event_id"])
    op.create_index("ix_audit_entries_org_actor", "audit_entries", ["org_id", "actor_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_org_actor", table_name="audit_entries")
    op.drop_index("ix_audit_entries_org_at", table_name="audit_entries")
    op.drop_table("audit_entries")
