"""The rules of a session that need no database: its time-outs, what a token is stored as,
and which step (MFA, enrolment) still stands between a person and the portal. The session
rows themselves live in tables.sessions (see handlers/sessions.py)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from services.chassis.errors import PortalError


class Unauthorized(PortalError):
    status = 401
    title = "Unauthorized"


class TooManyAttempts(PortalError):
    status = 429
    title = "Too many attempts"


@dataclass(frozen=True)
class SessionSettings:
    idle_s: float = 30 * 60              # OWASP / ASVS L2: 30 minutes idle
    absolute_s: float = 12 * 3600        # 12 hours whatever the activity
    mfa_attempts: int = 5                # wrong codes before the session is ended


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds")


def next_step(user: dict, session: dict, settings: dict) -> str | None:
    if user["mfa_secret"]:
        return None if session["mfa_passed"] else "mfa"
    if user["kind"] == "staff" or settings.get("mfa_required"):
        return "enrol"
    return None
