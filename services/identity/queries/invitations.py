"""Invitation links: whether a token names a live invitation, and whose; and the org's
contacts with the state of their invitations (the console's invitations page)."""
from __future__ import annotations

import time

from sqlalchemy import and_, func, or_, select

from services.chassis.db import read_only
from services.chassis.errors import NotFound
from services.identity.domain.contact import INVITATION_DAYS
from services.identity.domain.sessions import iso, token_hash
from services.identity.projections.directory import contacts, customers, staff
from services.identity.queries.directory import like_pattern, page_cursor, page_position
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



def _status(contact_status: str, expires_at: float | None, now: float) -> str:
    if contact_status == "invited":
        return "pending" if expires_at and expires_at > now else "expired"
    return {"created": "not_invited"}.get(contact_status, contact_status)


def invitations_page(rt, org_id: str, status: str | None, q: str | None, after: str | None,
                     limit: int) -> tuple[list, str | None]:
    """The org's contacts by name with their invitation: when the latest went out, until when
    it works, when it was accepted, and its status (pending, expired, active, not_invited,
    disabled). A page at a time (keyset on name, id), searched by name, e-mail or customer."""
    now = time.time()
    latest = (select(invitations.c.contact_id, func.max(invitations.c.expires_at).label("expires_at"),
                     func.max(invitations.c.used_at).label("accepted_at"))
              .where(invitations.c.org_id == org_id).group_by(invitations.c.contact_id).subquery())
    query = (select(contacts.c.contact_id, contacts.c.customer_id, contacts.c.email, contacts.c.name,
                    contacts.c.status, customers.c.name.label("customer_name"), latest.c.expires_at,
                    latest.c.accepted_at)
             .join(customers, customers.c.customer_id == contacts.c.customer_id)
             .outerjoin(latest, latest.c.contact_id == contacts.c.contact_id)
             .where(contacts.c.org_id == org_id))
    if status == "pending":
        query = query.where(contacts.c.status == "invited", latest.c.expires_at > now)
    elif status == "expired":
        query = query.where(contacts.c.status == "invited", or_(latest.c.expires_at.is_(None),
                                                                 latest.c.expires_at <= now))
    elif status:
        query = query.where(contacts.c.status == {"not_invited": "created"}.get(status, status))
    if q and q.strip():
        pattern = like_pattern(q.strip())
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\")
                                  for column in (contacts.c.name, contacts.c.email, customers.c.name))))
    if after:
        name, contact_id = page_position(after)
        query = query.where(or_(contacts.c.name > name, and_(contacts.c.name == name,
                                                             contacts.c.contact_id > contact_id)))
    with read_only(rt.engine) as conn:
        rows = conn.execute(query.order_by(contacts.c.name, contacts.c.contact_id).limit(limit + 1)).all()
    more = len(rows) > limit
    items = [{"contact_id": r.contact_id, "customer_id": r.customer_id, "customer_name": r.customer_name,
              "email": r.email, "name": r.name, "status": _status(r.status, r.expires_at, now),
              "invited_at": iso(r.expires_at - INVITATION_DAYS * 86400) if r.expires_at else None,
              "expires_at": iso(r.expires_at) if r.expires_at else None,
              "accepted_at": iso(r.accepted_at) if r.accepted_at else None} for r in rows[:limit]]
    return items, (page_cursor(items[-1]["name"], items[-1]["contact_id"]) if more else None)
