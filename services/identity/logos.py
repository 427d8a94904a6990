"""An org's logo: checked by its content, stored beside the PortalSettingsChanged event that
names it (one transaction), served by digest so that browsers may cache it for good."""
from __future__ import annotations

import hashlib
import time

from sqlalchemy import delete, select

from services.chassis.errors import NotFound
from services.identity.credentials import org_logos
from services.identity.domain.branding import logo_type
from services.identity.domain.organization import Organization


def put(rt, org_id: str, data: bytes) -> dict:
    content_type = logo_type(data)
    version = hashlib.sha256(data).hexdigest()[:32]
    with rt.store.unit_of_work() as uow:
        org = uow.load(Organization, org_id, org_id)
        uow.conn.execute(delete(org_logos).where(org_logos.c.org_id == org_id))
        uow.conn.execute(org_logos.insert().values(org_id=org_id, version=version, content_type=content_type,
                                                   data=data, updated_at=time.time()))
        org.set_logo(version)
        uow.add(org)
        uow.commit()
    return {"version": version, "content_type": content_type, "size": len(data)}


def remove(rt, org_id: str) -> None:
    with rt.store.unit_of_work() as uow:
        org = uow.load(Organization, org_id, org_id)
        uow.conn.execute(delete(org_logos).where(org_logos.c.org_id == org_id))
        org.set_logo(None)
        uow.add(org)
        uow.commit()


def get(rt, org_id: str):
    with rt.engine.connect() as conn:
        row = conn.execute(select(org_logos).where(org_logos.c.org_id == org_id)).first()
    if row is None:
        raise NotFound("This organization has no logo.")
    return row
