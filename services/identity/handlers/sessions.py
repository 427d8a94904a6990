"""Server-side sessions: an opaque 256-bit token in the person's cookie, only its SHA-256
here. Idle and absolute time-outs; rotated (a new token, the old one dead) at every
authentication step; ended at sign-out, password change, MFA reset and by staff.

The writes to session rows live here, with the handlers of ResolveSession, SignOut and
RevokeSessions; who is behind a token is in queries/sessions.py, the rules in
domain/sessions.py."""
from __future__ import annotations

import secrets
import time
import uuid

from sqlalchemy import select, update

from services.chassis import context
from services.chassis.errors import retry_on_conflict
from services.identity.domain.commands import ResolveSession, RevokeSessions, SignOut
from services.identity.domain.sessions import SessionSettings, Unauthorized, token_hash
from services.identity.handlers import audit
from services.identity.queries.sessions import live_session, session_view, usable, user_by_id
from services.identity.tables import sessions


def settings_of(rt) -> SessionSettings:
    """SESSION_IDLE_MINUTES, SESSION_ABSOLUTE_HOURS and MFA_ATTEMPTS (an IDENTITY_ prefix wins)."""
    return SessionSettings(idle_s=rt.config.setting_float("SESSION_IDLE_MINUTES", 30) * 60,
                           absolute_s=rt.config.setting_float("SESSION_ABSOLUTE_HOURS", 12) * 3600,
                           mfa_attempts=rt.config.setting_int("MFA_ATTEMPTS", 5))


def acting_as(user: dict):
    return context.using(context.Context(
        correlation_id=context.current().correlation_id, request_id=context.current().request_id,
        actor_kind=user["kind"], actor_id=user["user_id"]))


def start(conn, user: dict, ip: str | None, user_agent: str | None, settings: SessionSettings,
          now: float | None = None) -> tuple[dict, str]:
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    row = {"session_id": str(uuid.uuid4()), "token_hash": token_hash(token), "user_id": user["user_id"],
           "org_id": user["org_id"], "kind": user["kind"], "mfa_passed": False, "mfa_failures": 0,
           "created_at": now, "last_seen": now, "expires_at": now + settings.absolute_s,
           "ended_at": None, "ip": ip, "user_agent": (user_agent or "")[:300] or None}
    conn.execute(sessions.insert().values(**row))
    return row, token


def touch(conn, session: dict, now: float | None = None) -> None:
    conn.execute(update(sessions).where(sessions.c.session_id == session["session_id"])
                 .values(last_seen=time.time() if now is None else now))


def rotate(conn, session: dict, **values) -> str:
    token = secrets.token_urlsafe(32)
    conn.execute(update(sessions).where(sessions.c.session_id == session["session_id"])
                 .values(token_hash=token_hash(token), last_seen=time.time(), **values))
    session.update(values)
    return token


def end(uow, session: dict, user: dict, reason: str) -> None:
    """End one session; says so in a SessionRevoked event when it had started for real."""
    done = uow.conn.execute(update(sessions).where(sessions.c.session_id == session["session_id"],
                                                   sessions.c.ended_at.is_(None))
                            .values(ended_at=time.time())).rowcount
    if done:
        audit.session_event(uow, session, user, "SessionRevoked", reason=reason)


def end_all(uow, user: dict, reason: str, keep_session_id: str | None = None) -> int:
    rows = uow.conn.execute(select(sessions).where(sessions.c.user_id == user["user_id"],
                                                   sessions.c.ended_at.is_(None))).all()
    ended = 0
    for row in rows:
        if row.session_id != keep_session_id:
            end(uow, dict(row._mapping), user, reason)
            ended += 1
    return ended


def start_session(rt, org_id, user_id, ip, user_agent, settings) -> dict:
    """A session for someone who just proved themselves with a mailed link (invitation,
    password reset, sign-up); MFA, where it applies, is still ahead (`next`)."""
    def commit():
        with rt.store.unit_of_work() as uow:
            user = user_by_id(uow.conn, org_id, user_id)
            with acting_as(user):
                session, token = start(uow.conn, user, ip, user_agent, settings)
                if usable(user, session, uow.conn):
                    audit.session_event(uow, session, user, "LoginSucceeded", mfa=False, ip=ip,
                                        user_agent=session["user_agent"])
                result = session_view(uow.conn, session, user, token, settings, rt.config)
                uow.commit()
            return result
    return retry_on_conflict(commit)


def resolve(rt, cmd: ResolveSession) -> dict:
    """The session behind a token, as activity (the idle timer starts again)."""
    settings = settings_of(rt)
    with rt.engine.begin() as conn:
        session = live_session(conn, cmd.org_id, cmd.token, settings)
        user = user_by_id(conn, cmd.org_id, session["user_id"])
        if not user["active"]:
            raise Unauthorized("Your session has ended. Please sign in again.")
        touch(conn, session)
        session["last_seen"] = time.time()
        return session_view(conn, session, user, settings=settings, config=rt.config)


def sign_out(rt, cmd: SignOut) -> None:
    with rt.engine.connect() as conn:
        try:
            session = live_session(conn, cmd.org_id, cmd.token, settings_of(rt))
        except Unauthorized:
            return                                              # already gone: nothing to do
        user = user_by_id(conn, cmd.org_id, session["user_id"])
    with acting_as(user), rt.store.unit_of_work() as uow:
        end(uow, session, user, "logout")
        uow.commit()


def revoke_all(rt, cmd: RevokeSessions) -> int:
    with rt.engine.connect() as conn:
        user = user_by_id(conn, cmd.org_id, cmd.user_id)
        keep = None
        if cmd.except_token:
            keep = conn.execute(select(sessions.c.session_id).where(
                sessions.c.token_hash == token_hash(cmd.except_token))).scalar()
    with rt.store.unit_of_work() as uow:
        ended = end_all(uow, user, cmd.reason, keep_session_id=keep)
        uow.commit()
    return ended
