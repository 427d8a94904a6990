"""Invitations: a contact or staff member gets a mailed link to set their password (an
earlier link dies); accepting it activates them and starts a session."""
from __future__ import annotations

import secrets
import time
from datetime import datetime, timezone

from sqlalchemy import update

from services.chassis.auth import Forbidden
from services.chassis.errors import NotFound
from services.identity.adapters import common_passwords, outbox
from services.identity.domain.commands import AcceptInvitation, SendInvitation
from services.identity.domain.contact import Contact
from services.identity.domain.passwords import check_new_password
from services.identity.domain.sessions import iso, token_hash
from services.identity.domain.staff import StaffMember
from services.identity.handlers import throttle
from services.identity.handlers.sessions import settings_of, start_session
from services.identity.queries.directory import find_org
from services.identity.queries.invitations import INVALID_INVITATION, live_invitation
from services.identity.queries.sessions import user_by_id
from services.identity.tables import credentials, invitations

INVITATION_DAYS = 7


def invite(rt, cmd: SendInvitation) -> None:
    """Mail a contact or a staff member (`kind`) a link to set their password; an earlier
    link dies. An id of the other kind is a 404, like an unknown one."""
    org_id, user_id, kind = cmd.org_id, cmd.user_id, cmd.kind
    token = secrets.token_urlsafe(32)
    expires = time.time() + INVITATION_DAYS * 86400
    with rt.store.unit_of_work() as uow:
        if user_by_id(uow.conn, org_id, user_id)["kind"] != kind:
            raise NotFound(f"No such {'contact' if kind == 'contact' else 'staff member'}.")
        person = uow.load(Contact if kind == "contact" else StaffMember, user_id, org_id)
        if kind == "contact" and cmd.grantable is not None and person.beyond(cmd.grantable):
            raise Forbidden("This API key cannot invite a contact who would reach "
                            f"{', '.join(person.beyond(cmd.grantable))}: the key does not hold those scopes. "
                            "Invite them from the console, or use a key that holds them.")
        org = find_org(uow.conn, org_id=org_id)
        person.invite(iso(expires))
        uow.conn.execute(update(invitations).where(invitations.c.contact_id == user_id,
                                                   invitations.c.used_at.is_(None)).values(voided=True))
        uow.conn.execute(invitations.insert().values(token_hash=token_hash(token),
                                                     contact_id=user_id, org_id=org_id,
                                                     expires_at=expires, used_at=None, voided=False))
        mail = {"kind": "invitation", "to": person.email, "name": person.name,
                "idempotency_key": f"invitation:{token_hash(token)[:40]}",
                "locale": person.profile["language"] if kind == "contact" else "en",
                "variables": {"inviter": cmd.inviter or org.name,
                              "link": f"{cmd.link_base.rstrip('/')}/invite/{token}",
                              "expires_at": datetime.fromtimestamp(expires, tz=timezone.utc).strftime("on %d %B %Y")}}
        if kind == "contact":
            mail.update(customer_id=person.customer_id, contact_id=person.id)
        outbox_id = outbox.add(uow.conn, org_id, mail)
        uow.add(person)
        uow.commit()
    outbox.try_now(rt, outbox_id)


def accept_invitation(rt, cmd: AcceptInvitation) -> dict:
    org_id = cmd.org_id
    with rt.engine.connect() as conn:
        user = live_invitation(conn, org_id, cmd.token)
    password = check_new_password(cmd.password, common_passwords.is_common, email=user["email"],
                                  name=user["name"])
    pw_hash = rt.ports["hasher"].hash_secret(password)
    with rt.store.unit_of_work() as uow:
        taken = uow.conn.execute(update(invitations).where(
            invitations.c.token_hash == user["token_hash"], invitations.c.used_at.is_(None),
            invitations.c.voided.is_(False)).values(used_at=time.time())).rowcount
        if taken != 1:
            raise NotFound(INVALID_INVITATION)                  # accepted twice at once: one wins
        person = uow.load(Contact if user["kind"] == "contact" else StaffMember, user["user_id"], org_id)
        person.activate()
        uow.add(person)
        uow.conn.execute(update(credentials).where(credentials.c.user_id == person.id)
                         .values(password_hash=pw_hash, active=True))
        uow.commit()
    with rt.engine.begin() as conn:
        throttle.clear(conn, throttle.account_key(org_id, user["kind"], user["email"]))
    return start_session(rt, org_id, person.id, cmd.ip, cmd.user_agent, settings_of(rt))
