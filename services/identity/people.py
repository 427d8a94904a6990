"""Staff and contacts: adding them, inviting contacts, accepting invitations, permissions,
profiles and password changes."""
from __future__ import annotations

import secrets
import time
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from services.chassis.errors import DomainError, NotFound, retry_on_conflict
from services.identity import audit, outbox, sessions, throttle
from services.identity.adapters import common_passwords, hashing
from services.identity.credentials import credentials, invitations
from services.identity.domain.contact import Contact
from services.identity.domain.passwords import check_new_password
from services.identity.domain.staff import StaffMember
from services.identity.projections import contacts, customers, organizations, staff
from services.identity.sessions import SessionSettings, Unauthorized
from services.identity.signin import acting_as

INVITATION_DAYS = 7
INVALID_INVITATION = "This invitation link is not valid any more. Ask for a new one."


class Conflict(DomainError):
    status = 409
    title = "Conflict"


def add_credentials(conn, org_id, kind, user_id, email, password_hash=None, active=False) -> None:
    try:            # the unit of work rolls back on the way out of the error
        conn.execute(credentials.insert().values(
            user_id=user_id, org_id=org_id, kind=kind, email=email, password_hash=password_hash,
            mfa_last_step=0, active=active))
    except IntegrityError:
        who = "contact" if kind == "contact" else "staff member"
        raise Conflict(f"There is already a {who} with this e-mail address.", field="email") from None


def add_staff(rt, org_id: str, email: str, name: str, role: str, password: str | None = None) -> str:
    member = StaffMember.add(org_id, email, name, role)
    pw_hash = None
    if password:
        pw_hash = hashing.hash_secret(check_new_password(password, common_passwords.is_common,
                                                         email=member.email, name=member.name))
    with rt.store.unit_of_work() as uow:
        _org(uow.conn, org_id)
        add_credentials(uow.conn, org_id, "staff", member.id, member.email, pw_hash, active=bool(pw_hash))
        if pw_hash:
            member.activate()
        uow.add(member)
        uow.commit()
    return member.id


def add_contact(rt, org_id: str, customer_id: str, email: str, name: str, permissions: list[str]) -> str:
    with rt.store.unit_of_work() as uow:
        found = uow.conn.execute(select(customers.c.customer_id).where(
            customers.c.customer_id == customer_id, customers.c.org_id == org_id)).first()
        if found is None:
            raise NotFound("No such customer.")
        contact = Contact.add(org_id, customer_id, email, name, permissions)
        add_credentials(uow.conn, org_id, "contact", contact.id, contact.email)
        uow.add(contact)
        uow.commit()
    return contact.id


def invite(rt, org_id: str, user_id: str, link_base: str, inviter: str | None = None,
           kind: str = "contact") -> None:
    """Mail a contact or a staff member (`kind`) a link to set their password; an earlier
    link dies. An id of the other kind is a 404, like an unknown one."""
    token = secrets.token_urlsafe(32)
    expires = time.time() + INVITATION_DAYS * 86400
    with rt.store.unit_of_work() as uow:
        if sessions.user_by_id(uow.conn, org_id, user_id)["kind"] != kind:
            raise NotFound(f"No such {'contact' if kind == 'contact' else 'staff member'}.")
        person = uow.load(Contact if kind == "contact" else StaffMember, user_id, org_id)
        org = _org(uow.conn, org_id)
        person.invite(sessions.iso(expires))
        uow.conn.execute(update(invitations).where(invitations.c.contact_id == user_id,
                                                   invitations.c.used_at.is_(None)).values(voided=True))
        uow.conn.execute(invitations.insert().values(token_hash=sessions.token_hash(token),
                                                     contact_id=user_id, org_id=org_id,
                                                     expires_at=expires, used_at=None, voided=False))
        mail = {"kind": "invitation", "to": person.email, "name": person.name,
                "idempotency_key": f"invitation:{sessions.token_hash(token)[:40]}",
                "locale": person.profile["language"] if kind == "contact" else "en",
                "variables": {"inviter": inviter or org.name, "link": f"{link_base.rstrip('/')}/invite/{token}",
                              "expires_at": datetime.fromtimestamp(expires, tz=timezone.utc).strftime("on %d %B %Y")}}
        if kind == "contact":
            mail.update(customer_id=person.customer_id, contact_id=person.id)
        outbox_id = outbox.add(uow.conn, org_id, mail)
        uow.add(person)
        uow.commit()
    outbox.try_now(rt, outbox_id)


def _invitation(conn, org_id: str, token: str) -> dict:
    """The live invitation of a contact or staff member this token names, or the one 404."""
    row = conn.execute(select(invitations).where(invitations.c.token_hash == sessions.token_hash(token),
                                                 invitations.c.org_id == org_id)).first()
    if row is None or row.used_at is not None or row.voided or time.time() >= row.expires_at:
        raise NotFound(INVALID_INVITATION)
    user = sessions.user_by_id(conn, org_id, row.contact_id)     # the column holds any login's id
    table, key = (contacts, "contact_id") if user["kind"] == "contact" else (staff, "staff_id")
    status = conn.execute(select(table.c.status).where(table.c[key] == user["user_id"])).scalar_one()
    if status != "invited":
        raise NotFound(INVALID_INVITATION)
    return {**user, "token_hash": row.token_hash}


def lookup_invitation(rt, org_id: str, token: str) -> dict:
    with rt.engine.connect() as conn:
        user = _invitation(conn, org_id, token)
    return {"email": user["email"], "name": user["name"], "customer_name": user.get("customer_name"),
            "kind": user["kind"]}


def accept_invitation(rt, org_id: str, token: str, password: str, ip: str | None,
                      user_agent: str | None, settings: SessionSettings) -> dict:
    with rt.engine.connect() as conn:
        user = _invitation(conn, org_id, token)
    password = check_new_password(password, common_passwords.is_common, email=user["email"], name=user["name"])
    pw_hash = hashing.hash_secret(password)
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
    return start_session(rt, org_id, person.id, ip, user_agent, settings)


def start_session(rt, org_id, user_id, ip, user_agent, settings) -> dict:
    """A session for someone who just proved themselves with a mailed link (invitation,
    password reset, sign-up); MFA, where it applies, is still ahead (`next`)."""
    def commit():
        with rt.store.unit_of_work() as uow:
            user = sessions.user_by_id(uow.conn, org_id, user_id)
            with acting_as(user):
                session, token = sessions.start(uow.conn, user, ip, user_agent, settings)
                if sessions.usable(user, session, uow.conn):
                    audit.session_event(uow, session, user, "LoginSucceeded", mfa=False, ip=ip,
                                        user_agent=session["user_agent"])
                result = sessions.view(uow.conn, session, user, token, settings, rt.config)
                uow.commit()
            return result
    return retry_on_conflict(commit)


def change_password(rt, org_id: str, token: str, current: str, new: str, settings: SessionSettings,
                    limits: throttle.Limits) -> dict:
    with rt.engine.connect() as conn:
        session = sessions.live(conn, org_id, token, settings)
        user = sessions.user_by_id(conn, org_id, session["user_id"])
        if not sessions.usable(user, session, conn):
            raise Unauthorized("Finish signing in first.")
    if not hashing.verify(user["password_hash"], current or ""):
        with rt.engine.begin() as conn:
            throttle.record_failure(conn, throttle.account_key(org_id, user["kind"], user["email"]),
                                    time.time(), limits)
        raise DomainError("Your current password is not right.", field="current_password")
    new = check_new_password(new, common_passwords.is_common, email=user["email"], name=user["name"])
    pw_hash = hashing.hash_secret(new)
    with acting_as(user), rt.store.unit_of_work() as uow:
        uow.conn.execute(update(credentials).where(credentials.c.user_id == user["user_id"])
                         .values(password_hash=pw_hash))
        audit.user_event(uow, user, "PasswordChanged", method="change")
        sessions.end_all(uow, user, "password_changed", keep_session_id=session["session_id"])
        new_token = sessions.rotate(uow.conn, session)
        result = sessions.view(uow.conn, session, user, new_token, settings, rt.config)
        uow.commit()
    return result


def change_permissions(rt, org_id: str, contact_id: str, permissions: list[str],
                       modules: list[str] | None = None) -> None:
    with rt.store.unit_of_work() as uow:
        contact = uow.load(Contact, contact_id, org_id)
        contact.change_permissions(permissions, modules)
        uow.add(contact)
        uow.commit()


def update_profile(rt, org_id: str, contact_id: str, changes: dict) -> dict:
    with rt.store.unit_of_work() as uow:
        contact = uow.load(Contact, contact_id, org_id)
        contact.update_profile(changes)
        uow.add(contact)
        uow.commit()
    return contact.profile_view()


def profile(rt, org_id: str, contact_id: str) -> dict:
    with rt.store.unit_of_work() as uow:
        return uow.load(Contact, contact_id, org_id).profile_view()


def _org(conn, org_id: str):
    row = conn.execute(select(organizations).where(organizations.c.org_id == org_id)).first()
    if row is None:
        raise NotFound("No such organization.")
    return row

