"""The chassis tables as of schema version 1, for each service's first migration.
Frozen: a later change to the chassis tables gets a new function and a new
migration in every service, never an edit here."""
import sqlalchemy as sa


def create_chassis_tables(op) -> None:
    position = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "events",
        sa.Column("position", position, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("stream_id", sa.String(64), nullable=False),
        sa.Column("stream_type", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("occurred_at", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("published", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("kafka_partition", sa.Integer),
        sa.Column("kafka_offset", sa.BigInteger),
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    )
    op.create_index("ix_events_org_id", "events", ["org_id"])
    op.create_index("ix_events_unpublished", "events", ["position"],
                    postgresql_where=sa.text("NOT published"), sqlite_where=sa.text("published = 0"))
    op.create_table(
        "handled_events",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("handled_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "chassis_state",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.String(400), nullable=False),
    )


def drop_chassis_tables(op) -> None:
    op.drop_table("chassis_state")
    op.drop_table("handled_events")
    op.drop_index("ix_events_unpublished", table_name="events")
    op.drop_index("ix_events_org_id", table_name="events")
    op.drop_table("events")


def create_known_orgs(op) -> None:
    op.create_table(
        "known_orgs",
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("host", sa.String(255)),
        sa.Column("settings", sa.JSON, nullable=False),
    )
