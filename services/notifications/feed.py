"""The staff activity feed's read markers: how far each staff member has read their org's
feed (the highest activity id they have seen). The unread count is what came after it.
Operational state keyed by (org, staff id); the staff id is the internal token's principal,
so nobody marks or reads another person's marker, and nothing crosses orgs."""
from __future__ import annotations

from sqlalchemy import func, select

from services.chassis.db import upsert_insert
from services.chassis.events import utc_now
from services.notifications.projections import activity, activity_reads


def last_read(conn, org_id: str, staff_id: str) -> int:
    return conn.execute(select(activity_reads.c.last_read_id).where(
        activity_reads.c.org_id == org_id, activity_reads.c.staff_id == staff_id)).scalar() or 0


def unread(conn, org_id: str, staff_id: str) -> dict:
    seen = last_read(conn, org_id, staff_id)
    count = conn.execute(select(func.count()).select_from(activity).where(
        activity.c.org_id == org_id, activity.c.id > seen)).scalar()
    return {"unread": count, "last_read_id": seen}


def mark_read(conn, org_id: str, staff_id: str, up_to: int | None = None) -> None:
    """Everything of the org up to `up_to` (default: all there is now) counts as read.
    The marker never moves back: an older page marked read later changes nothing."""
    newest = conn.execute(select(func.max(activity.c.id)).where(activity.c.org_id == org_id)).scalar() or 0
    target = newest if up_to is None else min(up_to, newest)
    if target <= last_read(conn, org_id, staff_id):
        return
    ins = upsert_insert(conn, activity_reads).values(org_id=org_id, staff_id=staff_id,
                                                      last_read_id=target, read_at=utc_now())
    conn.execute(ins.on_conflict_do_update(
        index_elements=["org_id", "staff_id"], set_={"last_read_id": target, "read_at": utc_now()},
        where=activity_reads.c.last_read_id < target))      # two tabs at once: the higher wins
