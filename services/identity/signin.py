"""Signing in: password, then (where it applies) a TOTP code or a recovery code.

Argon2 runs outside any transaction; each outcome (session, throttle counts, security
events) then commits in one. See sessions.py for the session rules, throttle.py for
throttling and mfa.py for enrolment."""
from __future__ import annotations

import math
import time

from sqlalchemy import select, update

from services.chassis import context
from services.chassis.errors import DomainError, retry_on_conflict
from services.identity import audit, sessions, throttle
from services.identity.adapters import hashing, totp
from services.identity.credentials import credentials, recovery_codes
from services.identity.sessions import SessionSettings, TooManyAttempts, Unauthorized

WRONG_LOGIN = "The e-mail or password is not right."



def acting_as(user: dict):
    return context.using(context.Context(
        correlation_id=context.current().correlation_id, request_id=context.current().request_id,
        actor_kind=user["kind"], actor_id=user["user_id"]))


def sign_in(rt, org_id: str, kind: str, email: str, password: str, ip: str | None, user_agent: str | None,
            settings: SessionSettings, limits: throttle.Limits) -> dict:
    email = (email or "").strip().lower()
    now = time.time()
    keys = [throttle.account_key(org_id, kind, email), throttle.ip_key(org_id, ip)]
    with rt.engine.connect() as conn:
        sessions.org_settings(conn, org_id)                     # 404 for an unknown org
        wait = throttle.wait_s(conn, keys, now)
        user = sessions.user_by_login(conn, org_id, kind, email) if not wait else None
    if wait:
        _refuse(rt, org_id, kind, email, None, "rate_limited", ip, user_agent, keys, limits, count=False)
        raise TooManyAttempts(f"Too many attempts. Try again in {_minutes(wait)}.",
                              retry_after=math.ceil(wait))
    password_ok = hashing.verify(user["password_hash"] if user else None, password or "")
    if not (user and password_ok and user["active"]):
        reason = "unknown_user" if user is None else ("disabled" if password_ok else "bad_password")
        _refuse(rt, org_id, kind, email, user, reason, ip, user_agent, keys, limits)
        raise Unauthorized(WRONG_LOGIN)
    rehash = hashing.hash_secret(password) if hashing.needs_rehash(user["password_hash"]) else None

    def commit():
        with acting_as(user), rt.store.unit_of_work() as uow:
            throttle.clear(uow.conn, keys[0])
            if rehash:
                uow.conn.execute(update(credentials).where(credentials.c.user_id == user["user_id"])
                                 .values(password_hash=rehash))
            session, token = sessions.start(uow.conn, user, ip, user_agent, settings)
            if sessions.usable(user, session, uow.conn):
                audit.session_event(uow, session, user, "LoginSucceeded", mfa=False, ip=ip,
                                    user_agent=session["user_agent"])
            result = sessions.view(uow.conn, session, user, token, settings, rt.config)
            uow.commit()
            return result
    return retry_on_conflict(commit)


def _refuse(rt, org_id, kind, email, user, reason, ip, user_agent, keys, limits, count=True) -> None:
    def commit():
        with rt.store.unit_of_work() as uow:
            if count:
                throttle.record_failure(uow.conn, keys[0], time.time(), limits)
                throttle.record_failure(uow.conn, keys[1], time.time(), limits, per_ip=True)
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


def resolve(rt, org_id: str, token: str, settings: SessionSettings) -> dict:
    with rt.engine.begin() as conn:
        session = sessions.live(conn, org_id, token, settings)
        user = sessions.user_by_id(conn, org_id, session["user_id"])
        if not user["active"]:
            raise Unauthorized("Your session has ended. Please sign in again.")
        sessions.touch(conn, session)
        session["last_seen"] = time.time()
        return sessions.view(conn, session, user, settings=settings, config=rt.config)


def sign_out(rt, org_id: str, token: str, settings: SessionSettings) -> None:
    with rt.engine.connect() as conn:
        try:
            session = sessions.live(conn, org_id, token, settings)
        except Unauthorized:
            return                                              # already gone: nothing to do
        user = sessions.user_by_id(conn, org_id, session["user_id"])
    with acting_as(user), rt.store.unit_of_work() as uow:
        sessions.end(uow, session, user, "logout")
        uow.commit()


def revoke_all(rt, org_id: str, user_id: str, except_token: str | None, reason: str) -> int:
    with rt.engine.connect() as conn:
        user = sessions.user_by_id(conn, org_id, user_id)
        keep = None
        if except_token:
            keep = conn.execute(select(sessions.sessions.c.session_id).where(
                sessions.sessions.c.token_hash == sessions.token_hash(except_token))).scalar()
    with rt.store.unit_of_work() as uow:
        ended = sessions.end_all(uow, user, reason, keep_session_id=keep)
        uow.commit()
    return ended


def _pending_mfa(rt, org_id: str, token: str, settings: SessionSettings):
    with rt.engine.connect() as conn:
        session = sessions.live(conn, org_id, token, settings)
        user = sessions.user_by_id(conn, org_id, session["user_id"])
    if not user["mfa_secret"]:
        raise DomainError("Two-step sign-in is not set up for this account.")
    if session["mfa_passed"]:
        raise DomainError("This session has already passed two-step sign-in.")
    return session, user


def verify_mfa(rt, org_id: str, token: str, code: str, settings: SessionSettings,
               limits: throttle.Limits) -> dict:
    session, user = _pending_mfa(rt, org_id, token, settings)
    check_mfa_throttle(rt, user)
    step = totp.matching_step(user["mfa_secret"], code)
    with rt.engine.begin() as conn:
        # Accept a step only if it is newer than the last one accepted: never twice (RFC 6238 5.2).
        fresh = step is not None and conn.execute(
            update(credentials).where(credentials.c.user_id == user["user_id"],
                                      credentials.c.mfa_last_step < step)
            .values(mfa_last_step=step)).rowcount == 1
    if not fresh:
        _wrong_code(rt, session, user, settings, limits)
    return _passed(rt, session, user, settings)


def use_recovery_code(rt, org_id: str, token: str, code: str, settings: SessionSettings,
                      limits: throttle.Limits) -> dict:
    session, user = _pending_mfa(rt, org_id, token, settings)
    check_mfa_throttle(rt, user)
    code = "".join((code or "").lower().split()).replace("-", "")
    with rt.engine.connect() as conn:
        unused = conn.execute(select(recovery_codes).where(recovery_codes.c.user_id == user["user_id"],
                                                           recovery_codes.c.used_at.is_(None))).all()
    match = next((r for r in unused if hashing.verify(r.code_hash, code)), None) if code else None
    used = False
    if match is not None:
        with rt.engine.begin() as conn:
            used = conn.execute(update(recovery_codes).where(recovery_codes.c.code_id == match.code_id,
                                                             recovery_codes.c.used_at.is_(None))
                                .values(used_at=time.time())).rowcount == 1
    if not used:
        _wrong_code(rt, session, user, settings, limits)
    return _passed(rt, session, user, settings)


def check_mfa_throttle(rt, user: dict) -> None:
    with rt.engine.connect() as conn:
        wait = throttle.wait_s(conn, [throttle.mfa_key(user["user_id"])], time.time())
    if wait:
        raise TooManyAttempts(f"Too many wrong codes. Try again in {_minutes(wait)}.",
                              retry_after=math.ceil(wait))


def _wrong_code(rt, session: dict, user: dict, settings: SessionSettings, limits: throttle.Limits):
    failures = session["mfa_failures"] + 1
    with acting_as(user), rt.store.unit_of_work() as uow:
        uow.conn.execute(update(sessions.sessions).where(
            sessions.sessions.c.session_id == session["session_id"]).values(mfa_failures=failures))
        throttle.record_failure(uow.conn, throttle.mfa_key(user["user_id"]), time.time(), limits)
        audit.log_event(uow, user["org_id"], "User", audit.user_stream(user["user_id"]), "LoginFailed", {
            "email": user["email"], "user_kind": user["kind"], "user_id": user["user_id"],
            "reason": "bad_mfa_code", "ip": session["ip"], "user_agent": session["user_agent"]})
        if failures >= settings.mfa_attempts:
            uow.conn.execute(update(sessions.sessions).where(
                sessions.sessions.c.session_id == session["session_id"]).values(ended_at=time.time()))
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
        result = sessions.view(uow.conn, session, user, token, settings, rt.config)
        uow.commit()
    return result
