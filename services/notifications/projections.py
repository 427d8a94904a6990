"""notifications' read models. The staff activity feed is fed by every other
service's events (a consumer-fed model: it is rebuilt by replaying the topics)."""
from sqlalchemy import Column, Integer, MetaData, String, Table, Index

metadata = MetaData()

activity = Table(
    "activity", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("org_id", String(64), nullable=False),
    Column("service", String(40), nullable=False),
    Column("type", String(100), nullable=False),
    Column("aggregate_type", String(64), nullable=False),
    Column("aggregate_id", String(64), nullable=False),
    Column("actor_kind", String(20), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Index("ix_activity_org_id_id", "org_id", "id"),
)


def all_projections():
    return []
