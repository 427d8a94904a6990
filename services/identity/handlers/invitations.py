"""Invitations: a contact or staff member gets a mailed link to set their password (an
earlier link dies); accepting it activates them and starts a session."""
from __future__ import annotations

import math
import secrets
import time
from datetime import datetime, timezone

from babel.dates import format_date
from sqlalchemy import select, update

from services.chassis.auth import Forbidden
from services.chassis.errors import DomainError, NotFound
from services.identity.adapters import common_passwords, outbox
from services.identity.domain.commands import AcceptInvitation, ResendInvitation, SendInvitation
from services.identity.domain.contact import INVITATION_DAYS, Contact, mail_language
from services.identity.domain.passwords import check_new_password
from services.identity.domain.sessions import TooManyAttempts, iso, token_hash
from services.identity.domain.staff import StaffMember
from services.identity.handlers import throttle
from services.identity.handlers.sessions import settings_of, start_session
from services.identity.projections.directory import contacts
from services.identity.queries.directory import find_org
from services.identity.queries.invitations import INVALID_INVITATION, live_invitation
from services.identity.queries.sessions import user_by_id
from services.identity.tables import credentials, invitations

RESEND_GAP_S = 60             # a resend waits this long after the last invitation
RESENDS_PER_DAY = 5
# "It expires {{ expires_at }}": the day with its preposition, in the mail's language (an
# invitation's wording in each language reads it so: services/notifications).
ON_DAY = {"en": "on {day}", "de": "am {day}", "fr": "le {day}", "ar": "في {day}"}


def invite(rt, cmd: SendInvitation) -> None:
    """Mail a contact or a staff member (`kind`) a link to set their password; an earlier
    link dies. An id of the other kind is a 404, like an unknown one."""
    org_id, user_id, kind = cmd.org_id, cmd.user_id, cmd.kind
    with rt.store.unit_of_work() as uow:
        if user_by_id(uow.conn, org_id, user_id)["kind"] != kind:
            raise NotFound(f"No such {'contact' if kind == 'contact' else 'staff member'}.")
        person = uow.load(Contact if kind == "contact" else StaffMember, user_id, org_id)
        if kind == "contact" and cmd.grantable is not None and person.beyond(cmd.grantable):
            raise Forbidden("This API key cannot invite a contact who would reach "
                            f"{', '.join(person.beyond(cmd.grantable))}: the key does not hold those scopes. "
                            "Invite them from the console, or use a key that holds them.")
        outbox_id = issue(uow, find_org(uow.conn, org_id=org_id), person, cmd.link_base, cmd.inviter)
        uow.commit()
    outbox.try_now(rt, outbox_id)


def resend(rt, cmd: ResendInvitation) -> None:
    """Staff send a contact's invitation again: a fresh link, the old one dies. At most one a
    minute and RESENDS_PER_DAY a day per contact, so a button pressed in a hurry (or a
    script) cannot flood someone's inbox; the answer says when to try again."""
    now = time.time()
    with rt.engine.connect() as conn:
        if user_by_id(conn, cmd.org_id, cmd.contact_id)["kind"] != "contact":
            raise NotFound("No such contact.")
        if conn.execute(select(contacts.c.status).where(contacts.c.contact_id == cmd.contact_id)).scalar() == "active":
            raise DomainError("This contact has already accepted an invitation and can sign in.")
        issued = sorted(row.expires_at - INVITATION_DAYS * 86400 for row in conn.execute(
            select(invitations.c.expires_at).where(invitations.c.contact_id == cmd.contact_id,
                                                   invitations.c.org_id == cmd.org_id)))
    recent = [t for t in issued if t > now - 86400]
    if recent and recent[-1] > now - RESEND_GAP_S:
        wait = math.ceil(recent[-1] + RESEND_GAP_S - now)
        raise TooManyAttempts(f"An invitation went to this contact moments ago. Try again in {wait} seconds.",
                              retry_after=wait)
    if len(recent) >= RESENDS_PER_DAY:
        wait = math.ceil(recent[-RESENDS_PER_DAY] + 86400 - now)
        raise TooManyAttempts(f"This contact was sent {len(recent)} invitations today; try again tomorrow.",
                              retry_after=wait)
    invite(rt, SendInvitation(cmd.org_id, cmd.contact_id, cmd.link_base, cmd.inviter))


def issue(uow, org, person, link_base: str, inviter: str | None) -> str:
    """In the caller's unit of work: the person's new invitation (ContactInvited or
    StaffInvited), earlier links voided, the mail in the outbox. Answers the outbox row's id
    (hand it over after the commit)."""
    token = secrets.token_urlsafe(32)
    expires = time.time() + INVITATION_DAYS * 86400
    person.invite(iso(expires))
    uow.conn.execute(update(invitations).where(invitations.c.contact_id == person.id,
                                               invitations.c.used_at.is_(None)).values(voided=True))
    uow.conn.execute(invitations.insert().values(token_hash=token_hash(token), contact_id=person.id,
                                                 org_id=org.org_id, expires_at=expires, used_at=None,
                                                 voided=False))
    contact = isinstance(person, Contact)
    locale = mail_language(person.profile["language"] if contact else None, org.settings)
    mail = {"kind": "invitation", "to": person.email, "name": person.name,
            "idempotency_key": f"invitation:{token_hash(token)[:40]}", "locale": locale,
            "variables": {"inviter": inviter or org.name,
                          "link": f"{link_base.rstrip('/')}/invite/{token}",
                          "expires_at": expiry(datetime.fromtimestamp(expires, tz=timezone.utc), locale)}}
    if contact:
        mail.update(customer_id=person.customer_id, contact_id=person.id)
    uow.add(person)
    return outbox.add(uow.conn, org.org_id, mail)


def expiry(when: datetime, locale: str) -> str:
    """"on 15 December 2026", "am 15. Dezember 2026" ...: English as it always was."""
    base = locale.split("-")[0]
    if base not in ON_DAY or base == "en":
        return when.strftime("on %d %B %Y")
    return ON_DAY[base].format(day=format_date(when.date(), format="long", locale=base))


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
