"""Reading the audit log: one org's entries, newest first, filtered (area, the person who
acted, a date range, words in what was done, its subject or the person's name), a keyset page
at a time; every filtered entry for the CSV export, in batches; and who appears in the log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterator

from sqlalchemy import func, or_, select

from services.chassis import cursors
from services.chassis.db import read_only
from services.notifications.projections.audit import audit_entries as t

KIND = "audit"
COLUMNS = (t.c.event_id, t.c.at, t.c.area, t.c.what, t.c.subject, t.c.subject_id, t.c.type, t.c.service,
           t.c.actor_kind, t.c.actor_id, t.c.actor_name)


@dataclass(frozen=True)
class AuditFilter:
    org_id: str
    area: str | None = None
    actor: str | None = None          # an actor id
    since: date | None = None         # from this day on (UTC)
    until: date | None = None         # up to and including this day (UTC)
    q: str | None = None              # words in what, subject or the actor's name


def _like(words: str) -> str:
    escaped = words.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _query(f: AuditFilter):
    query = select(*COLUMNS).where(t.c.org_id == f.org_id)
    if f.area:
        query = query.where(t.c.area == f.area)
    if f.actor:
        query = query.where(t.c.actor_id == f.actor)
    if f.since:
        query = query.where(t.c.at >= f.since.isoformat())
    if f.until:
        query = query.where(t.c.at < (f.until + timedelta(days=1)).isoformat())
    if f.q and f.q.strip():
        pattern = _like(f.q.strip())
        query = query.where(or_(*(func.lower(c).like(pattern, escape="\\")
                                  for c in (t.c.what, t.c.subject, t.c.actor_name))))
    return query


def page(conn, f: AuditFilter, after: str | None, limit: int) -> dict:
    """{"items": [...], "next_cursor": str | None}: `after` is the previous page's next_cursor."""
    return cursors.page(conn, _query(f), t.c.at, t.c.event_id, KIND, after, limit, dict)


def every(engine, f: AuditFilter, batch: int = 500) -> Iterator[dict]:
    """Every entry the filter keeps, newest first, one short read per batch (a long export
    holds no connection or lock between batches)."""
    after = None
    while True:
        with read_only(engine) as conn:
            found = page(conn, f, after, batch)
        yield from found["items"]
        after = found["next_cursor"]
        if after is None:
            return


def actors(conn, org_id: str) -> list[dict]:
    """Everyone who appears in the org's log as having acted (staff, contacts, API keys), by
    name where it was known; the system (no id) is not a person to filter by."""
    rows = conn.execute(select(t.c.actor_id, t.c.actor_kind, func.max(t.c.actor_name).label("name"))
                        .where(t.c.org_id == org_id, t.c.actor_id.is_not(None))
                        .group_by(t.c.actor_id, t.c.actor_kind))
    found = [{"id": r.actor_id, "kind": r.actor_kind, "name": r.name} for r in rows]
    return sorted(found, key=lambda a: ((a["name"] or "").lower(), a["id"]))
