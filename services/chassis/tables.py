"""The tables every service database has, beside its own read models.

`events` is both the event store and the outbox: a row is published when the
broker's delivery report for it came back, and not before.
"""
from sqlalchemy import (JSON, BigInteger, Boolean, Column, Index, Integer, MetaData,
                        String, Table, UniqueConstraint, false, text)

metadata = MetaData()

Position = BigInteger().with_variant(Integer, "sqlite")

events = Table(
    "events", metadata,
    Column("position", Position, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("stream_id", String(64), nullable=False),
    Column("stream_type", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(100), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("org_id", String(64), nullable=False, index=True),
    Column("occurred_at", String(40), nullable=False),
    Column("data", JSON, nullable=False),
    Column("meta", JSON, nullable=False),
    Column("published", Boolean, nullable=False, server_default=false()),
    Column("kafka_partition", Integer),
    Column("kafka_offset", BigInteger),
    UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    Index("ix_events_unpublished", "position",
          postgresql_where=text("NOT published"), sqlite_where=text("published = 0")),
)

handled_events = Table(
    "handled_events", metadata,
    Column("event_id", String(36), primary_key=True),
    Column("topic", String(200), nullable=False),
    Column("type", String(100), nullable=False),
    Column("handled_at", String(40), nullable=False),
)

# Small key/value facts a process must remember across restarts (e.g. the broker's
# id of the topic the relay publishes to).
chassis_state = Table(
    "chassis_state", metadata,
    Column("key", String(200), primary_key=True),
    Column("value", String(400), nullable=False),
)
