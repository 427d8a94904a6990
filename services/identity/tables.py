"""identity's own tables (every table that is not a projection's): secrets and short-lived
security state.

They are deliberately *not* event-sourced: password hashes, MFA secrets, recovery codes,
session, invitation, reset and sign-up tokens must never travel in an event (events go to
Kafka and to internal systems). Each row is written in the same transaction as the event
that says what happened (PasswordChanged, MfaEnabled, ContactInvited ...), so the two
never disagree; `rebuild-projections` leaves these tables alone."""
from sqlalchemy import (JSON, BigInteger, Boolean, Column, Float, Index, Integer, LargeBinary, MetaData, String,
                        Table, UniqueConstraint)

# One MetaData for the whole service: the projections' tables (projections/) join it, so
# Alembic and `rebuild-projections` see every table.
metadata = MetaData()

credentials = Table(
    "credentials", metadata,
    Column("user_id", String(64), primary_key=True),          # contact_id or staff_id
    Column("org_id", String(64), nullable=False),
    Column("kind", String(10), nullable=False),               # contact | staff
    Column("email", String(320), nullable=False),
    Column("password_hash", String(200)),
    Column("mfa_secret", String(255)),             # sealed ("enc:...") under IDENTITY_SECRETS_KEY
    Column("mfa_pending_secret", String(255)),
    Column("mfa_last_step", BigInteger, nullable=False, default=0),
    Column("active", Boolean, nullable=False, default=False),
    UniqueConstraint("org_id", "kind", "email", name="uq_credentials_login"),
)

recovery_codes = Table(
    "recovery_codes", metadata,
    Column("code_id", String(36), primary_key=True),
    Column("user_id", String(64), nullable=False, index=True),
    Column("code_hash", String(200), nullable=False),
    Column("used_at", Float),
)

sessions = Table(
    "sessions", metadata,
    Column("session_id", String(36), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", String(64), nullable=False),
    Column("org_id", String(64), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("mfa_passed", Boolean, nullable=False, default=False),
    Column("mfa_failures", Integer, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("ended_at", Float),
    Column("ip", String(64)),
    Column("user_agent", String(300)),
    Index("ix_sessions_user", "user_id", "ended_at"),
)

invitations = Table(
    "invitations", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("contact_id", String(64), nullable=False, index=True),
    Column("org_id", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float),
    Column("voided", Boolean, nullable=False, default=False),
)

throttle = Table(
    "throttle", metadata,
    Column("key", String(400), primary_key=True),
    Column("window_start", Float, nullable=False),
    Column("failures", Integer, nullable=False, default=0),
    Column("blocked_until", Float, nullable=False, default=0),
)

mail_outbox = Table(
    "mail_outbox", metadata,
    Column("outbox_id", String(36), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("body", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("sent_at", Float),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(500)),
    Index("ix_mail_outbox_unsent", "sent_at", "created_at"),
)

password_resets = Table(
    "password_resets", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("org_id", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float),
    Column("voided", Boolean, nullable=False, default=False),
    Column("ip", String(64)),                                  # who asked, for the record
    Index("ix_password_resets_user", "user_id", "used_at"),
)

signups = Table(
    "signups", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("company", String(200)),
    Column("password_hash", String(200)),                     # wiped once used or voided
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float),
    Column("voided", Boolean, nullable=False, default=False),
    Column("ip", String(64)),
    Index("ix_signups_email", "org_id", "email"),
)

api_keys = Table(
    "api_keys", metadata,
    Column("key_id", String(36), primary_key=True),
    Column("org_id", String(64), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("prefix", String(20), nullable=False),
    Column("secret_hash", String(64), nullable=False, unique=True),   # sha256 of the whole key
    Column("scopes", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("created_by", String(64)),
    Column("last_used_at", Float),
    Column("revoked_at", Float),
)


# An org's logo: a small image, not a secret, kept here beside the event that names it
# (PortalSettingsChanged with settings.logo = version) and written in the same transaction.
org_logos = Table(
    "org_logos", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("version", String(64), nullable=False),            # sha256 of the image
    Column("content_type", String(40), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("updated_at", Float, nullable=False),
)


# The last DNS look-up of each custom domain ("Check now"): when, and what was found (an
# outcome the gateway words for staff, and the TXT values seen). Not an event: a look-up that
# finds nothing changes nothing; a found record is DomainVerified. The domains themselves are a projection (projections/domains.py).
domain_checks = Table(
    "domain_checks", metadata,
    Column("domain", String(253), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("checked_at", Float, nullable=False),
    Column("outcome", String(20), nullable=False),     # verified | no_name | no_record | mismatch | no_answer
    Column("found", JSON, nullable=False),             # the TXT values that were there
)
