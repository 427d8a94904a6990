"""Invitation links: whether a token names a live invitation, and whose."""
from __future__ import annotations

import time

from sqlalchemy import select

from services.chassis.errors import NotFound
from services.identity.domain.sessions import token_hash
from services.identity.projections.directory import contacts, staff
from services.identity.queries.sessions import user_by_id
from services.identity.tables import invitations

INVALID_INVITATION = "This invitation link is not valid any more. Ask for a new one."


def live_invitation(conn, org_id: str, token: str) -> dict:
    """The live invitation of a contact or staff member this token names, or the one 404."""
    row = conn.execute(select(invitations).where(invitations.c.token_hash == token_hash(token),
                                                 invitations.c.org_id == org_id)).first()
    if row is None or row.used_at is not None or row.voided or time.time() >= row.expires_at:
        raise NotFound(INVALID_INVITATION)
    user = user_by_id(conn, org_id, row.contact_id)     # the column holds any login's id
    table, key = (contacts, "contact_id") if user["kind"] == "contact" else (staff, "staff_id")
    status = conn.execute(select(table.c.status).where(table.c[key] == user["user_id"])).scalar_one()
    if status != "invited":
        raise NotFound(INVALID_INVITATION)
    return {**user, "token_hash": row.token_hash}


def lookup_invitation(rt, org_id: str, token: str) -> dict:
    with rt.engine.connect() as conn:
        user = live_invitation(conn, org_id, token)
    return {"email": user["email"], "name": user["name"], "customer_name": user.get("customer_name"),
            "kind": user["kind"]}
