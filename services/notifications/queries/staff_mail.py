"""Each staff member's activity mail choice per kind of activity (off by default)."""
from __future__ import annotations

from sqlalchemy import select

from services.notifications.domain.activity_kinds import ACTIVITY_KINDS
from services.notifications.tables import staff_mail_prefs


def preferences(conn, org_id: str, staff_id: str) -> dict[str, str]:
    chosen = dict(conn.execute(select(staff_mail_prefs.c.kind, staff_mail_prefs.c.mode).where(
        staff_mail_prefs.c.org_id == org_id, staff_mail_prefs.c.staff_id == staff_id)).all())
    return {kind: chosen.get(kind, "off") for kind in ACTIVITY_KINDS}
