"""Password reset by e-mail: a single-use link, valid RESET_MINUTES, to the login's address.

Asking answers the same whatever the address (active login, inactive, unknown), and both
branches do database work only (no argon2), so neither the answer nor its timing tells
whether an account exists. For the same reason the mail is not handed to notifications
inside the request (an HTTP call only for known addresses would show): it waits in the
outbox, written in the same transaction as the reset, and the worker hands it over within
a second. At most MAILS_PER_HOUR mails with a link go to one address in an hour (resets
and sign-ups together); beyond that, silently none.

Using the link sets the password, ends every session of the login, says PasswordChanged
(method "reset") and starts a new session, which still owes MFA where the person has it."""
from __future__ import annotations

import logging
import secrets
import time

from sqlalchemy import delete, update

from services.chassis.db import read_only
from services.chassis.errors import NotFound, retry_on_conflict
from services.identity.adapters import common_passwords, outbox
from services.identity.domain.commands import AcceptPasswordReset, RequestPasswordReset
from services.identity.domain.passwords import check_new_password
from services.identity.domain.sessions import token_hash
from services.identity.handlers import audit, sessions, throttle
from services.identity.handlers.sessions import acting_as, settings_of, start_session
from services.identity.queries.recovery import INVALID_RESET, valid_reset
from services.identity.queries.sessions import org_settings, user_by_login
from services.identity.tables import credentials, password_resets, signups

RESET_MINUTES = 30
MAILS_PER_HOUR = 3
KEEP_DAYS = 7                      # expired links stay this long (support's questions), then go

log = logging.getLogger(__name__)


def mail_allowed(conn, org_id: str, email: str) -> bool:
    """Spends one of the address's mails for this hour (see throttle.within_budget)."""
    return throttle.within_budget(conn, throttle.mail_key(org_id, email), time.time(), MAILS_PER_HOUR)


def request_reset(rt, cmd: RequestPasswordReset) -> None:
    org_id, email = cmd.org_id, (cmd.email or "").strip().lower()
    with rt.engine.begin() as conn:
        org_settings(conn, org_id)                              # 404 for an unknown org
        allowed = mail_allowed(conn, org_id, email)             # counted for unknown addresses too
        user = user_by_login(conn, org_id, cmd.kind, email)
        if allowed and user is not None and user["active"]:
            mail_reset(conn, user, cmd.link_base, cmd.ip)


def mail_reset(conn, user: dict, link_base: str, ip: str | None) -> str:
    """Stores a new reset (earlier unused links of the login stop working) and puts its mail
    in the outbox, in the caller's transaction."""
    token = secrets.token_urlsafe(32)
    digest = token_hash(token)
    now = time.time()
    conn.execute(update(password_resets).where(password_resets.c.user_id == user["user_id"],
                                               password_resets.c.used_at.is_(None))
                 .values(voided=True))
    conn.execute(password_resets.insert().values(
        token_hash=digest, user_id=user["user_id"], org_id=user["org_id"], created_at=now,
        expires_at=now + RESET_MINUTES * 60, used_at=None, voided=False, ip=ip))
    mail = {"kind": "password_reset", "to": user["email"], "name": user["name"],
            "idempotency_key": f"password_reset:{digest[:40]}", "locale": user["language"],
            "variables": {"link": f"{link_base.rstrip('/')}/reset/{token}",
                          "expires_in_minutes": RESET_MINUTES}}
    if user["kind"] == "contact":
        mail.update(customer_id=user["customer_id"], contact_id=user["user_id"])
    return outbox.add(conn, user["org_id"], mail)


def accept_reset(rt, cmd: AcceptPasswordReset) -> dict:
    org_id, token = cmd.org_id, cmd.token
    with read_only(rt.engine) as conn:
        user = valid_reset(conn, org_id, token)
    password = check_new_password(cmd.password, common_passwords.is_common, email=user["email"],
                                  name=user["name"])
    pw_hash = rt.ports["hasher"].hash_secret(password)          # outside any transaction

    def commit():
        with acting_as(user), rt.store.unit_of_work() as uow:
            now = time.time()
            taken = uow.conn.execute(update(password_resets).where(
                password_resets.c.token_hash == token_hash(token),
                password_resets.c.used_at.is_(None), password_resets.c.voided.is_(False),
                password_resets.c.expires_at > now).values(used_at=now)).rowcount
            if taken != 1:
                raise NotFound(INVALID_RESET)                   # used twice at once: one wins
            uow.conn.execute(update(password_resets).where(password_resets.c.user_id == user["user_id"],
                                                           password_resets.c.used_at.is_(None))
                             .values(voided=True))
            uow.conn.execute(update(credentials).where(credentials.c.user_id == user["user_id"])
                             .values(password_hash=pw_hash))
            audit.user_event(uow, user, "PasswordChanged", method="reset")
            sessions.end_all(uow, user, "password_changed")
            throttle.clear(uow.conn, throttle.account_key(org_id, user["kind"], user["email"]))
            uow.commit()
    retry_on_conflict(commit)
    return start_session(rt, org_id, user["user_id"], cmd.ip, cmd.user_agent, settings_of(rt))


def forget_expired_links(rt, now: float | None = None) -> int:
    """Reset links and pending sign-ups past their time: a sign-up's password hash goes at
    once (nobody proved that address), the rows KEEP_DAYS later. Answers the rows deleted."""
    now = time.time() if now is None else now
    cutoff = now - KEEP_DAYS * 86400
    with rt.engine.begin() as conn:
        conn.execute(update(signups).where(signups.c.expires_at <= now, signups.c.password_hash.isnot(None))
                     .values(password_hash=None))
        return (conn.execute(delete(signups).where(signups.c.expires_at < cutoff)).rowcount
                + conn.execute(delete(password_resets).where(password_resets.c.expires_at < cutoff)).rowcount)


def forget_links(rt, stop) -> None:
    """Worker loop: once an hour."""
    while not stop.is_set():
        try:
            forget_expired_links(rt)
        except Exception:  # noqa: BLE001
            log.exception("forgetting expired links failed")
        stop.wait(3600)
