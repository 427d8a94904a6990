"""identity: contacts, staff, and the private credential tables (sessions, MFA, invitations).

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
        "contacts",
        sa.Column("contact_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False, index=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("permissions", sa.JSON, nullable=False),
        sa.Column("modules", sa.JSON, nullable=False),
        sa.Column("mfa_enabled", sa.Boolean, nullable=False),
        sa.Column("phone", sa.String(50)),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("address", sa.JSON, nullable=False),
        sa.Column("notify", sa.JSON, nullable=False),
    )
    op.create_table(
        "staff",
        sa.Column("staff_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False, index=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("mfa_enabled", sa.Boolean, nullable=False),
    )
    op.create_table(
        "credentials",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("mfa_secret", sa.String(64)),
        sa.Column("mfa_pending_secret", sa.String(64)),
        sa.Column("mfa_last_step", sa.BigInteger, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.UniqueConstraint("org_id", "kind", "email", name="uq_credentials_login"),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("code_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False, index=True),
        sa.Column("code_hash", sa.String(200), nullable=False),
        sa.Column("used_at", sa.Float),
    )
    op.create_table(
        "sessions",
        sa.Column("session_id", sa.String(36), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("mfa_passed", sa.Boolean, nullable=False),
        sa.Column("mfa_failures", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_seen", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float),
        sa.Column("ip", sa.String(64)),
        sa.Column("user_agent", sa.String(300)),
    )
    op.create_index("ix_sessions_user", "sessions", ["user_id", "ended_at"])
    op.create_table(
        "invitations",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("contact_id", sa.String(64), nullable=False, index=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("used_at", sa.Float),
        sa.Column("voided", sa.Boolean, nullable=False),
    )
    op.create_table(
        "throttle",
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("window_start", sa.Float, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("blocked_until", sa.Float, nullable=False),
    )
    op.create_table(
        "mail_outbox",
        sa.Column("outbox_id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("sent_at", sa.Float),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String(500)),
    )
    op.create_index("ix_mail_outbox_unsent", "mail_outbox", ["sent_at", "created_at"])


def downgrade() -> None:
    for name in ("mail_outbox", "throttle", "invitations", "sessions", "recovery_codes",
                 "credentials", "staff", "contacts"):
        op.drop_table(name)
