"""Who is behind a session or a login, and what the gateway is told about it (API.md: the
session view). The session rules themselves are in domain/sessions.py; the writes (start,
rotate, end) in handlers/sessions.py."""
from __future__ import annotations

import time

from sqlalchemy import select

from services.chassis import auth
from services.chassis.errors import NotFound
from services.identity.domain.sessions import SessionSettings, Unauthorized, iso, next_step, token_hash
from services.identity.projections.directory import contacts, customers, organizations, staff
from services.identity.tables import credentials, sessions


def live_session(conn, org_id: str, token: str, settings: SessionSettings, now: float | None = None) -> dict:
    """The session behind a token, or 401: unknown, ended, idle too long or too old."""
    now = time.time() if now is None else now
    row = conn.execute(select(sessions).where(sessions.c.token_hash == token_hash(token),
                                              sessions.c.org_id == org_id)).first()
    if (row is None or row.ended_at is not None or now >= row.expires_at
            or now - row.last_seen >= settings.idle_s):
        raise Unauthorized("Your session has ended. Please sign in again.")
    return dict(row._mapping)


def user_by_id(conn, org_id: str, user_id: str) -> dict:
    row = conn.execute(select(credentials).where(credentials.c.user_id == user_id,
                                                 credentials.c.org_id == org_id)).first()
    if row is None:
        raise NotFound("No such person.")
    return _user(conn, row)


def user_by_login(conn, org_id: str, kind: str, email: str) -> dict | None:
    row = conn.execute(select(credentials).where(credentials.c.org_id == org_id, credentials.c.kind == kind,
                                                 credentials.c.email == email.strip().lower())).first()
    return _user(conn, row) if row is not None else None


def _user(conn, cred) -> dict:
    user = {"user_id": cred.user_id, "org_id": cred.org_id, "kind": cred.kind, "email": cred.email,
            "password_hash": cred.password_hash, "mfa_secret": cred.mfa_secret,
            "mfa_pending_secret": cred.mfa_pending_secret, "active": cred.active, "customer_id": None}
    if cred.kind == "contact":
        row = conn.execute(select(contacts, customers.c.name.label("customer_name"),
                                  customers.c.modules.label("customer_modules"))
                           .join(customers, customers.c.customer_id == contacts.c.customer_id)
                           .where(contacts.c.contact_id == cred.user_id)).one()
        # a contact uses a module their org, their customer (where staff narrowed it) and they hold
        modules = [m for m in row.modules if row.customer_modules is None or m in row.customer_modules]
        user.update(customer_id=row.customer_id, customer_name=row.customer_name, name=row.name,
                    permissions=list(row.permissions), modules=modules, language=row.language)
    else:
        row = conn.execute(select(staff).where(staff.c.staff_id == cred.user_id)).one()
        user.update(name=row.name, role=row.role, language=None)        # staff choose none: their browser's
    return user


def org_settings(conn, org_id: str) -> dict:
    """The org's settings; 404 for an org that does not exist or that the operator suspended or
    closed: nobody of it signs in, passes MFA, resets a password or keeps a session."""
    row = conn.execute(select(organizations.c.settings).where(organizations.c.org_id == org_id,
                                                              organizations.c.status == "active")).first()
    if row is None:
        raise NotFound("No such organization.")
    return dict(row.settings)


def session_view(conn, session: dict, user: dict, token: str | None = None,
                 settings: SessionSettings | None = None, config=None) -> dict:
    """What the gateway needs to know about a session (API.md: the session view). A session
    that has passed every step also carries the internal token the gateway forwards to
    services (short-lived; a new one comes with every resolve)."""
    org = org_settings(conn, user["org_id"])
    step = next_step(user, session, org)
    principal = {"kind": user["kind"], "id": user["user_id"], "org_id": user["org_id"],
                 "email": user["email"], "name": user["name"], "language": user["language"],
                 "mfa_enabled": bool(user["mfa_secret"])}
    if user["kind"] == "contact":
        principal.update(customer_id=user["customer_id"], customer_name=user["customer_name"],
                         permissions=user["permissions"],
                         modules=[m for m in org.get("modules", []) if m in user["modules"]])
    else:
        principal.update(role=user["role"])
    idle = (settings or SessionSettings()).idle_s
    out = {"state": "mfa_ok" if session["mfa_passed"] else "password_ok", "next": step,
           "expires_at": iso(session["expires_at"]),
           "idle_expires_at": iso(min(session["last_seen"] + idle, session["expires_at"])),
           "principal": principal}
    if token is not None:
        out["token"] = token
    if step is None and config is not None:
        out["internal_token"] = auth.sign(config.token_private_key, internal_principal(principal, session))
    return out


def internal_principal(principal: dict, session: dict) -> auth.Principal:
    return auth.Principal(kind=principal["kind"], id=principal["id"], org_id=principal["org_id"],
                          customer_id=principal.get("customer_id"),
                          permissions=frozenset(principal.get("permissions") or ()),
                          modules=frozenset(principal.get("modules") or ()), role=principal.get("role"),
                          mfa=bool(session["mfa_passed"]), session_id=session["session_id"],
                          name=principal.get("name"))


def usable(user: dict, session: dict, conn) -> bool:
    """Signed in for real: nothing (MFA, enrolment) stands between the person and the portal."""
    return next_step(user, session, org_settings(conn, user["org_id"])) is None
