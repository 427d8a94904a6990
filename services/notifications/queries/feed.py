"""The staff activity feed and its read markers: how far each staff member has read their
org's feed (the highest activity id they have seen). The unread count is what came after it.
The staff id is the internal token's principal, so nobody reads another person's marker,
and nothing crosses orgs."""
from __future__ import annotations

from sqlalchemy import func, select

from services.notifications.tables import activity, activity_reads


def listing(conn, org_id: str, limit: int, before: int | None = None) -> list:
    """Newest first; page back with `before` (an activity id)."""
    query = select(activity).where(activity.c.org_id == org_id)
    if before:
        query = query.where(activity.c.id < before)
    return [r._mapping for r in conn.execute(query.order_by(activity.c.id.desc()).limit(limit))]


def last_read(conn, org_id: str, staff_id: str) -> int:
    return conn.execute(select(activity_reads.c.last_read_id).where(
        activity_reads.c.org_id == org_id, activity_reads.c.staff_id == staff_id)).scalar() or 0


def unread(conn, org_id: str, staff_id: str) -> dict:
    seen = last_read(conn, org_id, staff_id)
    count = conn.execute(select(func.count()).select_from(activity).where(
        activity.c.org_id == org_id, activity.c.id > seen)).scalar()
    return {"unread": count, "last_read_id": seen}
