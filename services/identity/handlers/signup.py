"""Self sign-up, where the org's settings allow it (`self_signup`).

Nothing exists until the person proves the address: asking stores a pending sign-up (its
password already hashed, so it never waits in clear) and mails a link valid SIGNUP_HOURS;
a newer sign-up for the address voids the older one. The answer is the same whether or
not the address already has a login: if it has, nothing is created and its owner gets a
fresh password-reset mail instead, so they learn that someone tried and can get back in.
Argon2 runs in both branches, so the timing tells nothing either.

Confirming (a POST: mail scanners prefetch links with GET) creates, in one unit of work,
a new customer, its contact and the contact's credentials, and starts a session. A sign-up
never joins an existing customer: a stranger cannot attach themselves to a company."""
from __future__ import annotations

import secrets
import time

from sqlalchemy import select, update

from services.chassis.db import read_only
from services.chassis.errors import DomainError, NotFound
from services.identity.adapters import common_passwords, outbox
from services.identity.domain.commands import StartSignUp, VerifySignUp
from services.identity.domain.contact import Contact, normal_email
from services.identity.domain.customer import Customer
from services.identity.domain.passwords import check_new_password
from services.identity.domain.sessions import token_hash
from services.identity.handlers import recovery
from services.identity.handlers.people import Conflict, add_credentials
from services.identity.handlers.sessions import settings_of, start_session
from services.identity.queries.sessions import org_settings, user_by_login
from services.identity.tables import credentials, signups

SIGNUP_HOURS = 24
SIGNUP_CLOSED = "Sign-up is not open for this portal."
INVALID_SIGNUP = "This link is not valid any more."
ALREADY_REGISTERED = ("This e-mail address already has an account here. Sign in, or use "
                      "\"Forgot your password?\" on the sign-in page.")


def _check_open(conn, org_id: str) -> None:
    if not org_settings(conn, org_id).get("self_signup"):
        raise NotFound(SIGNUP_CLOSED)


def start_signup(rt, cmd: StartSignUp) -> None:
    org_id, link_base, ip = cmd.org_id, cmd.link_base, cmd.ip
    with read_only(rt.engine) as conn:
        _check_open(conn, org_id)
    name, company = (cmd.name or "").strip(), (cmd.company or "").strip() or None
    if not name:
        raise DomainError("Please enter your name.", field="name")
    email = normal_email(cmd.email)
    password = check_new_password(cmd.password, common_passwords.is_common, email=email, name=name)
    pw_hash = rt.ports["hasher"].hash_secret(password)
    with rt.engine.begin() as conn:
        if not recovery.mail_allowed(conn, org_id, email):
            return
        owner = user_by_login(conn, org_id, "contact", email)
        if owner is not None:
            if owner["active"]:                     # not yet active: the invitation is their way in
                recovery.mail_reset(conn, owner, link_base, ip)
            return
        token = secrets.token_urlsafe(32)
        digest = token_hash(token)
        now = time.time()
        conn.execute(update(signups).where(signups.c.org_id == org_id, signups.c.email == email,
                                           signups.c.used_at.is_(None))
                     .values(voided=True, password_hash=None))
        conn.execute(signups.insert().values(
            token_hash=digest, org_id=org_id, email=email, name=name, company=company,
            password_hash=pw_hash, created_at=now, expires_at=now + SIGNUP_HOURS * 3600,
            used_at=None, voided=False, ip=ip))
        outbox.add(conn, org_id, {
            "kind": "email_verification", "to": email, "name": name, "locale": None,
            "idempotency_key": f"email_verification:{digest[:40]}",
            "variables": {"link": f"{link_base.rstrip('/')}/verify/{token}"}})


def verify_signup(rt, cmd: VerifySignUp) -> dict:
    org_id = cmd.org_id
    digest = token_hash(cmd.token)
    with read_only(rt.engine) as conn:
        _check_open(conn, org_id)
        row = conn.execute(select(signups).where(signups.c.token_hash == digest,
                                                 signups.c.org_id == org_id)).first()
    if (row is None or row.used_at is not None or row.voided or time.time() >= row.expires_at
            or not row.password_hash):
        raise NotFound(INVALID_SIGNUP)
    with rt.store.unit_of_work() as uow:
        taken = uow.conn.execute(update(signups).where(
            signups.c.token_hash == digest, signups.c.used_at.is_(None), signups.c.voided.is_(False))
            .values(used_at=time.time(), password_hash=None)).rowcount
        if taken != 1:
            raise NotFound(INVALID_SIGNUP)                  # confirmed twice at once: one wins
        taken_address = uow.conn.execute(select(credentials.c.user_id).where(
            credentials.c.org_id == org_id, credentials.c.kind == "contact",
            credentials.c.email == row.email)).first()
        if taken_address is not None:
            raise Conflict(ALREADY_REGISTERED)
        customer = Customer.create(org_id, row.company or row.name, row.email)
        contact = Contact.sign_up(org_id, customer.id, row.email, row.name)
        add_credentials(uow.conn, org_id, "contact", contact.id, contact.email, row.password_hash, active=True)
        uow.add(customer)
        uow.add(contact)
        uow.commit()
    return start_session(rt, org_id, contact.id, cmd.ip, cmd.user_agent, settings_of(rt))
