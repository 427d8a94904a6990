"""Changing one's password while signed in: the current one first (counted by the sign-in
throttle when wrong); other sessions end, this one continues under a new token."""
from __future__ import annotations

import math
import time

from sqlalchemy import update

from services.chassis.errors import DomainError
from services.identity.adapters import common_passwords
from services.identity.domain.commands import ChangePassword
from services.identity.domain.passwords import check_new_password
from services.identity.domain.sessions import TooManyAttempts, Unauthorized
from services.identity.handlers import audit, sessions, throttle
from services.identity.handlers.sessions import acting_as, settings_of
from services.identity.queries.sessions import live_session, session_view, usable, user_by_id
from services.identity.tables import credentials


def change_password(rt, cmd: ChangePassword) -> dict:
    org_id, settings, hasher = cmd.org_id, settings_of(rt), rt.ports["hasher"]
    with rt.engine.connect() as conn:
        session = live_session(conn, org_id, cmd.token, settings)
        user = user_by_id(conn, org_id, session["user_id"])
        if not usable(user, session, conn):
            raise Unauthorized("Finish signing in first.")
    account = throttle.account_key(org_id, user["kind"], user["email"])
    with rt.engine.begin() as conn:                  # counted before the check: parallel guesses take turns
        wait = throttle.attempt(conn, [(account, False)], time.time(), throttle.LIMITS)
    if wait:
        raise TooManyAttempts(f"Too many attempts. Try again in {math.ceil(wait / 60)} minute(s).",
                              retry_after=math.ceil(wait))
    if not hasher.verify(user["password_hash"], cmd.current_password or ""):
        raise DomainError("Your current password is not right.", field="current_password")
    with rt.engine.begin() as conn:
        throttle.clear(conn, account)                # right: the try is taken back
    new = check_new_password(cmd.new_password, common_passwords.is_common, email=user["email"],
                             name=user["name"])
    pw_hash = hasher.hash_secret(new)
    with acting_as(user), rt.store.unit_of_work() as uow:
        uow.conn.execute(update(credentials).where(credentials.c.user_id == user["user_id"])
                         .values(password_hash=pw_hash))
        audit.user_event(uow, user, "PasswordChanged", method="change")
        sessions.end_all(uow, user, "password_changed", keep_session_id=session["session_id"])
        new_token = sessions.rotate(uow.conn, session)
        result = session_view(uow.conn, session, user, new_token, settings, rt.config)
        uow.commit()
    return result
