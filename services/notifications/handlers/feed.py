"""The staff activity feed's read markers: a staff member marks their org's feed read.
Operational state keyed by (org, staff id); the staff id is the internal token's principal,
so nobody marks another person's marker (queries/feed.py reads them)."""
from __future__ import annotations

from sqlalchemy import func, select

from services.chassis import orgs
from services.chassis.db import upsert_insert
from services.chassis.events import utc_now
from services.notifications.domain.commands import MarkFeedRead
from services.notifications.queries.feed import last_read
from services.notifications.tables import activity, activity_reads


def mark_feed_read(rt, cmd: MarkFeedRead) -> None:
    """Everything of the org up to `up_to` (default: all there is now) counts as read.
    The marker never moves back: an older page marked read later changes nothing."""
    org_id, staff_id = cmd.org_id, cmd.staff_id
    with rt.engine.begin() as conn:
        orgs.get(conn, org_id)
        newest = conn.execute(select(func.max(activity.c.id)).where(activity.c.org_id == org_id)).scalar() or 0
        target = newest if cmd.up_to is None else min(cmd.up_to, newest)
        if target <= last_read(conn, org_id, staff_id):
            return
        ins = upsert_insert(conn, activity_reads).values(org_id=org_id, staff_id=staff_id,
                                                          last_read_id=target, read_at=utc_now())
        conn.execute(ins.on_conflict_do_update(
            index_elements=["org_id", "staff_id"], set_={"last_read_id": target, "read_at": utc_now()},
            where=activity_reads.c.last_read_id < target))      # two tabs at once: the higher wins
