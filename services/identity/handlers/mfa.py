"""Two-step sign-in with an authenticator app: enrol, confirm, recovery codes, staff reset."""
from __future__ import annotations

import secrets
import time
import uuid

from sqlalchemy import delete, update

from services.chassis.errors import DomainError
from services.identity.adapters import totp
from services.identity.domain.commands import ConfirmMfaEnrolment, ResetMfa, StartMfaEnrolment
from services.identity.domain.sessions import SessionSettings, next_step
from services.identity.handlers import audit, sessions, throttle
from services.identity.handlers.sessions import acting_as, settings_of
from services.identity.handlers.signin import check_mfa_throttle
from services.identity.projections.directory import organizations
from services.identity.queries.sessions import live_session, org_settings, session_view, user_by_id
from services.identity.tables import credentials, recovery_codes

RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"       # no 0/o, 1/l/i: read off paper without doubt


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(15))     # ~74 bits, stored argon2-hashed
    return "-".join(raw[i:i + 5] for i in range(0, 15, 5))


def _session_that_may_enrol(rt, org_id: str, token: str, settings: SessionSettings):
    with rt.engine.connect() as conn:
        session = live_session(conn, org_id, token, settings)
        user = user_by_id(conn, org_id, session["user_id"])
        org_name = conn.execute(organizations.select().where(
            organizations.c.org_id == org_id)).one().name
    if user["mfa_secret"] and not session["mfa_passed"]:
        # A password alone must never replace a second factor that exists.
        raise DomainError("Enter a code from your authenticator app first.")
    return session, user, org_name


def start_enrolment(rt, cmd: StartMfaEnrolment) -> dict:
    session, user, org_name = _session_that_may_enrol(rt, cmd.org_id, cmd.token, settings_of(rt))
    secret = totp.new_secret()
    with rt.engine.begin() as conn:
        conn.execute(update(credentials).where(credentials.c.user_id == user["user_id"])
                     .values(mfa_pending_secret=rt.ports["secrets"].seal(secret)))
    uri = totp.otpauth_uri(secret, user["email"], org_name)
    return {"secret": secret, "otpauth_uri": uri, "qr_svg": totp.qr_svg(uri)}


def confirm_enrolment(rt, cmd: ConfirmMfaEnrolment) -> dict:
    settings, hasher = settings_of(rt), rt.ports["hasher"]
    session, user, _ = _session_that_may_enrol(rt, cmd.org_id, cmd.token, settings)
    sealed = user["mfa_pending_secret"]
    if not sealed:
        raise DomainError("Start again: scan a new QR code first.")
    check_mfa_throttle(rt, user)
    pending = rt.ports["secrets"].open(sealed)
    step = totp.matching_step(pending, cmd.code)
    if step is None:                                # counted already by check_mfa_throttle
        raise DomainError("That code is not right. Use the newest code your app shows.", field="code")
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    hashes = [hasher.hash_secret(c.replace("-", "")) for c in codes]
    was_usable = not next_step(user, session, _settings(rt, cmd.org_id))
    with acting_as(user), rt.store.unit_of_work() as uow:
        uow.conn.execute(update(credentials).where(credentials.c.user_id == user["user_id"]).values(
            mfa_secret=rt.ports["secrets"].seal(pending), mfa_pending_secret=None, mfa_last_step=step))
        uow.conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user["user_id"]))
        uow.conn.execute(recovery_codes.insert(), [
            {"code_id": str(uuid.uuid4()), "user_id": user["user_id"], "code_hash": h, "used_at": None}
            for h in hashes])
        throttle.clear(uow.conn, throttle.mfa_key(user["user_id"]))
        audit.user_event(uow, user, "MfaEnabled", method="totp")
        new_token = sessions.rotate(uow.conn, session, mfa_passed=True)
        if not was_usable:
            audit.session_event(uow, session, user, "LoginSucceeded", mfa=True, ip=session["ip"],
                                user_agent=session["user_agent"])
        user = {**user, "mfa_secret": pending}
        result = session_view(uow.conn, session, user, new_token, settings, rt.config)
        uow.commit()
    return {**result, "recovery_codes": codes}


def _settings(rt, org_id: str) -> dict:
    with rt.engine.connect() as conn:
        return org_settings(conn, org_id)


def reset(rt, cmd: ResetMfa) -> None:
    """Staff switch a person's MFA off (lost phone): they enrol again at their next sign-in.
    The event's actor is the staff member; the person's sessions end."""
    org_id, user_id = cmd.org_id, cmd.user_id
    with rt.engine.connect() as conn:
        user = user_by_id(conn, org_id, user_id)
    if not user["mfa_secret"]:
        raise DomainError("Two-step sign-in is not set up for this person.")
    with rt.store.unit_of_work() as uow:
        uow.conn.execute(update(credentials).where(credentials.c.user_id == user_id).values(
            mfa_secret=None, mfa_pending_secret=None))
        uow.conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
        audit.user_event(uow, user, "MfaDisabled")
        sessions.end_all(uow, user, "mfa_changed")
        uow.commit()
