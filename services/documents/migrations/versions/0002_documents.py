"""documents: documents, their versions and activity (read models of their events), the
evidence of decisions, who viewed what, and the names of who acted.

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
        "documents",
        sa.Column("document_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("contact_ids", sa.JSON),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("needs_approval", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64)),
        sa.Column("number", sa.String(40)),
        sa.Column("currency", sa.String(3)),
        sa.Column("amount_minor", sa.BigInteger),
        sa.Column("valid_until", sa.String(10)),
        sa.Column("external_ref", sa.String(200)),
        sa.Column("subject_type", sa.String(20)),
        sa.Column("subject_id", sa.String(200)),
        sa.Column("uploaded_by", sa.String(10)),
        sa.Column("author_id", sa.String(200)),
        sa.Column("author_name", sa.String(200)),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", sa.String(40)),
        sa.Column("decision_note", sa.Text),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("uq_documents_external_ref", "documents", ["org_id", "external_ref"], unique=True)
    op.create_index("ix_documents_customer", "documents", ["org_id", "customer_id", "created_at", "document_id"])
    op.create_index("ix_documents_org", "documents", ["org_id", "created_at", "document_id"])
    op.create_index("ix_documents_subject", "documents", ["org_id", "subject_type", "subject_id"])
    op.create_table(
        "document_audience",
        sa.Column("document_id", sa.String(64), primary_key=True),
        sa.Column("contact_id", sa.String(200), primary_key=True),
    )
    op.create_index("ix_document_audience_contact", "document_audience", ["contact_id", "document_id"])
    op.create_table(
        "document_versions",
        sa.Column("document_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64)),
        sa.Column("note", sa.Text),
        sa.Column("added_by_name", sa.String(200)),
        sa.Column("added_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "document_activity",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("document_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("what", sa.String(20), nullable=False),
        sa.Column("actor_kind", sa.String(20)),
        sa.Column("actor_id", sa.String(200)),
        sa.Column("version", sa.Integer),
        sa.Column("detail", sa.Text),
        sa.Column("at", sa.String(40), nullable=False),
    )
    op.create_index("ix_document_activity_document", "document_activity", ["document_id", "at"])
    op.create_table(
        "decision_evidence",
        sa.Column("document_id", sa.String(64), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("document_sha256", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(200), nullable=False),
        sa.Column("contact_name", sa.String(200)),
        sa.Column("signer_name", sa.String(200)),
        sa.Column("comment", sa.Text),
        sa.Column("ip", sa.String(64)),
        sa.Column("user_agent", sa.String(500)),
        sa.Column("at", sa.String(40), nullable=False),
    )
    op.create_table(
        "document_views",
        sa.Column("document_id", sa.String(64), primary_key=True),
        sa.Column("contact_id", sa.String(200), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("first_at", sa.String(40), nullable=False),
        sa.Column("last_at", sa.String(40), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "people",
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    for table in ("people", "document_views", "decision_evidence", "document_activity", "document_versions",
                  "document_audience", "documents"):
        op.drop_table(table)
