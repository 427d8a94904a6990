"""An org's logo image, served by digest so that browsers may cache it for good."""
from __future__ import annotations

from sqlalchemy import select

from services.chassis.errors import NotFound
from services.identity.tables import org_logos


def logo(rt, org_id: str):
    with rt.engine.connect() as conn:
        row = conn.execute(select(org_logos).where(org_logos.c.org_id == org_id)).first()
    if row is None:
        raise NotFound("This organization has no logo.")
    return row
