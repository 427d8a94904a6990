"""An org's logo: checked by its content, stored beside the PortalSettingsChanged event that
names it (one transaction), served by digest so that browsers may cache it for good
(queries/branding.py). The brand colour is a portal setting (handlers/orgs.py)."""
from __future__ import annotations

import hashlib
import time

from sqlalchemy import delete

from services.identity.domain.branding import logo_type
from services.identity.domain.commands import PutLogo, RemoveLogo
from services.identity.domain.organization import Organization
from services.identity.tables import org_logos


def put_logo(rt, cmd: PutLogo) -> dict:
    org_id, data = cmd.org_id, cmd.data
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


def remove_logo(rt, cmd: RemoveLogo) -> None:
    with rt.store.unit_of_work() as uow:
        org = uow.load(Organization, cmd.org_id, cmd.org_id)
        uow.conn.execute(delete(org_logos).where(org_logos.c.org_id == cmd.org_id))
        org.set_logo(None)
        uow.add(org)
        uow.commit()
