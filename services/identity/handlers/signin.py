"""Signing in: password, then (where it applies) a TOTP code or a recovery code.

Argon2 runs outside any transaction; each outcome (session, throttle counts, security
events) then commits in one. See domain/sessions.py for the session rules,
handlers/throttle.py for throttling and handlers/mfa.py for enrolment."""
from __future__ import annotations

import math
import time

from sqlalchemy import select, update

from services.chassis.errors import DomainError, retry_on_conflict
from services.identity import tables
from services.identity.adapters import totp
from services.identity.domain.commands import SignIn, UseRecoveryCode, VerifyMfaCode
from services.identity.domain.sessions import SessionSettings, TooManyAttempts, Unauthorized
from services.identity.handlers import audit, sessions, throttle
from services.identity.handlers.sessions import acting_as, settings_of
from services.identity.queries.sessions import (live_session, org_settings, session_view, usable, user_by_id,
                                                user_by_login)
from services.identity.tables import credentials, recovery_codes

WRONG_LOGIN = "The e-mail or password is not right."


def sign_in(rt, cmd: SignIn) -> dict:
    org_id, kind, ip, user_agent = cmd.org_id, cmd.kind, cmd.ip, cmd.user_agent
    settings, limits, hasher = settings_of(rt), throttle.LIMITS, rt.ports["hasher"]
    email = (cmd.email or "").strip().lower()
    now = time.time()
    keys = [throttle.account_key(org_id, kind, email), throttle.ip_key(org_id, ip)]
    with rt.engine.begin() as conn:
        org_settings(conn, org_id)                              # 404 for an unknown org
        wait = throttle.attempt(conn, [(keys[0], False), (keys[1], True)], now, limits)   # counted first
    if wait:
        _refuse(rt, org_id, kind, email, None, "rate_limited", ip, user_agent, keys[0])
        raise TooManyAttempts(f"Too many attempts. Try again in {_minutes(wait)}.",
                              retry_after=math.ceil(wait))
    with rt.engine.connect() as conn:
        user = user_by_login(conn, org_id, kind, email)
    password_ok = hasher.verify(user["password_hash"] if user else None, cmd.password or "")
    if not (user and password_ok and user["active"]):
        reason = "unknown_user" if user is None else ("disabled" if password_ok else "bad_password")
        _refuse(rt, org_id, kind, email, user, reason, ip, user_agent, keys[0])
        raise Unauthorized(WRONG_LOGIN)
    rehash = hasher.hash_secret(cmd.password) if hasher.needs_rehash(user["password_hash"]) else None

    def commit():
        with acting_as(user), rt.store.unit_of_work() as uow:
            throttle.clear(uow.conn, keys[0])
            throttle.forgive(uow.conn, keys[1])
            if rehash:
                uow.conn.execute(update(credentials).where(credentials.c.user_id == user["user_id"])
                                 .values(password_hash=rehash))
            session, token = sessions.start(uow.conn, user, ip, user_agent, settings)
            if usable(user, session, uow.conn):
                audit.session_event(uow, session, user, "LoginSucceeded", mfa=False, ip=ip,
                                    user_agent=session["user_agent"])
            result = session_view(uow.conn, session, user, token, settings, rt.config)
            uow.commit()
            return result
    return retry_on_conflict(commit)


def _refuse(rt, org_id, kind, email, user, reason, ip, user_agent, account_key) -> None:
    """The audit trail of a refused sign-in (the try was counted before the password was checked)."""
    def commit():
        with rt.store.unit_of_work() as uow:
            throttle.hold(uow.conn, account_key)
            data = {"email": email[:320], "user_kind": user["kind"] if user else None,
                    "user_id": user["user_id"] if user else None, "reason": reason, "ip": ip,
                    "user_agent": (user_agent or "")[:300] or None}
            stream = audit.user_stream(user["user_id"]) if user else audit.address_stream(email)
            audit.log_event(uow, org_id, "User", stream, "LoginFailed", data)
            uow.commit()
    retry_on_conflict(commit)


def _minutes(seconds: float) -> str:
    minutes = math.ceil(seconds / 60)
    return "a minute" if minutes <= 1 else f"{minutes} minutes"


def _pending_mfa(rt, org_id: str, token: str, settings: SessionSettings):
    with rt.engine.connect() as conn:
        session = live_session(conn, org_id, token, settings)
        user = user_by_id(conn, org_id, session["user_id"])
    if not user["mfa_secret"]:
        raise DomainError("Two-step sign-in is not set up for this account.")
    if session["mfa_passed"]:
        raise DomainError("This session has already passed two-step sign-in.")
    return session, user


def verify_mfa(rt, cmd: VerifyMfaCode) -> dict:
    settings = settings_of(rt)
    session, user = _pending_mfa(rt, cmd.org_id, cmd.token, settings)
    check_mfa_throttle(rt, user)
    step = totp.matching_step(rt.ports["secrets"].open(user["mfa_secret"]), cmd.code)
    with rt.engine.begin() as conn:
        # Accept a step only if it is newer than the last one accepted: never twice (RFC 6238 5.2).
        fresh = step is not None and conn.execute(
            update(credentials).where(credentials.c.user_id == user["user_id"],
                                      credentials.c.mfa_last_step < step)
            .values(mfa_last_step=step)).rowcount == 1
    if not fresh:
        _wrong_code(rt, session, user, settings)
    return _passed(rt, session, user, settings)


def use_recovery_code(rt, cmd: UseRecoveryCode) -> dict:
    settings, hasher = settings_of(rt), rt.ports["hasher"]
    session, user = _pending_mfa(rt, cmd.org_id, cmd.token, settings)
    check_mfa_throttle(rt, user)
    code = "".join((cmd.code or "").lower().split()).replace("-", "")
    with rt.engine.connect() as conn:
        unused = conn.execute(select(recovery_codes).where(recovery_codes.c.user_id == user["user_id"],
                                                           recovery_codes.c.used_at.is_(None))).all()
    match = next((r for r in unused if hasher.verify(r.code_hash, code)), None) if code else None
    used = False
    if match is not None:
        with rt.engine.begin() as conn:
            used = conn.execute(update(recovery_codes).where(recovery_codes.c.code_id == match.code_id,
                                                             recovery_codes.c.used_at.is_(None))
                                .values(used_at=time.time())).rowcount == 1
    if not used:
        _wrong_code(rt, session, user, settings)
    return _passed(rt, session, user, settings)


def check_mfa_throttle(rt, user: dict) -> None:
    """Counts this code as a wrong one before it is checked (throttle.attempt); a right code
    clears the count."""
    with rt.engine.begin() as conn:
        wait = throttle.attempt(conn, [(throttle.mfa_key(user["user_id"]), False)], time.time(), throttle.LIMITS)
    if wait:
        raise TooManyAttempts(f"Too many wrong codes. Try again in {_minutes(wait)}.",
                              retry_after=math.ceil(wait))


def _wrong_code(rt, session: dict, user: dict, settings: SessionSettings):
    failures = session["mfa_failures"] + 1
    with acting_as(user), rt.store.unit_of_work() as uow:
        uow.conn.execute(update(tables.sessions).where(
            tables.sessions.c.session_id == session["session_id"]).values(mfa_failures=failures))
        audit.log_event(uow, user["org_id"], "User", audit.user_stream(user["user_id"]), "LoginFailed", {
            "email": user["email"], "user_kind": user["kind"], "user_id": user["user_id"],
            "reason": "bad_mfa_code", "ip": session["ip"], "user_agent": session["user_agent"]})
        if failures >= settings.mfa_attempts:
            uow.conn.execute(update(tables.sessions).where(
                tables.sessions.c.session_id == session["session_id"]).values(ended_at=time.time()))
        uow.commit()
    if failures >= settings.mfa_attempts:
        raise Unauthorized("Too many wrong codes. Please sign in again.")
    raise DomainError("That code is not right.", field="code",
                      attempts_left=settings.mfa_attempts - failures)


def _passed(rt, session: dict, user: dict, settings: SessionSettings) -> dict:
    with acting_as(user), rt.store.unit_of_work() as uow:
        throttle.clear(uow.conn, throttle.mfa_key(user["user_id"]))
        token = sessions.rotate(uow.conn, session, mfa_passed=True)
        audit.session_event(uow, session, user, "LoginSucceeded", mfa=True, ip=session["ip"],
                            user_agent=session["user_agent"])
        result = session_view(uow.conn, session, user, token, settings, rt.config)
        uow.commit()
    return result
