"""Who may open which page: the org from the Host header, the session from its cookie,
and the four declarations every view carries (deny by default):

- `@public`            anyone (sign-in pages, invitations, health, static files)
- `@portal(module, permission)`  a contact whose session has passed every step; the
                        org's portal is open, has the module on, and the contact holds
                        the permission
- `@pending_mfa`       any session, also one that still owes its MFA step (the MFA pages)
- `@console(roles)`    a staff member whose session has passed MFA, with one of the roles
- `@api(scope)`        /api/v1: an internal system's API key (never a cookie), live at
                        identity and holding the scope

A test walks `app.url_map` and fails on a view with none of these.

The org, the session and the person come from the request's context (context.py).
"""
from __future__ import annotations

import hashlib
from functools import wraps

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import Unauthorized

from gateway.web.context import (MAX_TOKEN_LENGTH, current_session, gateway, identity, org_id, pending_step,
                                 principal, return_path, settings, step_url)

MODULES = ("invoices", "payments", "credit_notes", "sales_orders", "deliveries", "service_requests",
           "projects", "timesheets", "tickets", "documents", "quotes", "reviews")
PERMISSIONS = ("view", "download", "pay", "submit_tickets", "upload", "approve", "forward")
SWITCHES = ("portal_enabled", "mfa_required", "self_signup", "forward_documents",
            "bulk_payments", "partial_payments", "share_tickets", "customer_uploads", "test_mode")
ROLES = ("owner", "admin", "agent")
MANAGERS = ("owner", "admin")      # the console roles that change access, settings, keys and gateways
API_SCOPES = ("customers", *MODULES)      # what an API key may reach (identity's API_KEY_SCOPES)

ACCESS = "gateway_access"          # the attribute a declaration sets on a view function
PUBLIC, PORTAL, PENDING_MFA, CONSOLE, API = "public", "portal", "pending_mfa", "console", "api"
API_KEY_PREFIX = "cpk_"
API_TOKEN_MARGIN_S = 30            # a cached key's internal token has at least this long left to live


# -- the declarations ----------------------------------------------------------------------
def _declare(view, kind: str, rules: dict):
    setattr(view, ACCESS, (kind, rules))
    return view


def declaration(view) -> tuple[str, dict] | None:
    return getattr(view, ACCESS, None)


def public(view):
    """Anyone may open it; the view itself decides what a session changes."""
    return _declare(view, PUBLIC, {})


def forbidden(message: str):
    abort(403, description=message)


def portal(module: str | None = None, permission: str | None = None):
    if module is not None and module not in MODULES:
        raise ValueError(f"unknown module {module!r}")
    if permission is not None and permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            session = current_session()
            if session is None:
                return redirect(url_for("public_signin.signin", next=return_path("/")))
            step = pending_step(session)
            if step:
                return redirect(step_url(step))
            kind = (session.get("principal") or {}).get("kind")
            if kind == "staff":
                return redirect(url_for("console_dashboard.dashboard"))
            if kind != "contact":
                abort(404)
            org_settings = settings()
            if not org_settings.get("portal_enabled", False):
                return render_template("portal/closed.html"), 503
            if module is not None and module not in modules_on():
                abort(404)
            if permission is not None and permission not in (principal().get("permissions") or []):
                forbidden(_("Your account does not have access to this page. "
                            "Ask your contact at the company to give you access."))
            return view(*args, **kwargs)
        return _declare(guarded, PORTAL, {"module": module, "permission": permission})
    return decorate


def pending_mfa(view):
    """Any session, even one that still owes its MFA step; the view checks which step."""
    @wraps(view)
    def guarded(*args, **kwargs):
        if current_session() is None:
            return redirect(url_for("public_signin.signin"))
        return view(*args, **kwargs)
    return _declare(guarded, PENDING_MFA, {})


def console(roles: tuple[str, ...] = ROLES):
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            session = current_session()
            if session is None:
                return redirect(url_for("public_signin.console_signin", next=return_path("/console")))
            step = pending_step(session)
            if step:
                return redirect(step_url(step))
            person = session.get("principal") or {}
            if person.get("kind") != "staff":
                abort(404)                       # the console does not exist for contacts
            if person.get("role") not in roles:
                forbidden(_("Your role does not allow this page. Ask an owner or an admin."))
            return view(*args, **kwargs)
        return _declare(guarded, CONSOLE, {"roles": tuple(roles)})
    return decorate


class KeyRefused(Unauthorized):
    """401 on /api/v1 (answered as problem+json with an RFC 6750 `WWW-Authenticate` challenge)."""

    def __init__(self, description: str, error: str | None = None):
        super().__init__(description)
        self.challenge = 'Bearer realm="api"' + (f', error="{error}"' if error else "")


def presented_api_key() -> str | None:
    """The key an /api/v1 request carries: `Authorization: Bearer cpk_...` or `X-Api-Key`.
    Only these headers count, never a cookie (a browser attaches cookies on its own)."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    key = value.strip() if scheme.lower() == "bearer" else request.headers.get("X-Api-Key", "").strip()
    return key or None


def api_grant(key: str) -> dict | None:
    """identity's exchange answer for a key ({internal_token, key_id, name, scopes, expires_in}),
    or None. Cached per process under (org, sha256(key)), never the key, for at most
    GATEWAY_API_KEY_CACHE_SECONDS and never past the token's life minus a margin: that TTL
    is how long a key revoked elsewhere keeps working here."""
    if not key.startswith(API_KEY_PREFIX) or len(key) > MAX_TOKEN_LENGTH:
        return None
    cache, org = gateway().api_keys, org_id()
    cache_key = (org, hashlib.sha256(key.encode()).hexdigest())
    grant = cache.peek(cache_key)
    if grant is None:
        grant = identity().exchange_api_key(org, key)
        ttl = min(cache.ttl, float((grant or {}).get("expires_in") or 0) - API_TOKEN_MARGIN_S)
        if grant is not None and ttl > 0:
            cache.put(cache_key, grant, ttl=ttl)
    return grant


def forget_api_key(key_id: str) -> None:
    """A key was revoked here: this process refuses it at once."""
    gateway().api_keys.drop_where(lambda grant: bool(grant) and grant.get("key_id") == key_id)


def api(scope: str):
    """An /api/v1 view for a live API key of this org that holds `scope`; the grant (with the
    internal token to forward) is in `g.api_grant`. No key or a dead one: 401; scope missing: 403."""
    if scope not in API_SCOPES:
        raise ValueError(f"unknown API scope {scope!r}")

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            g.session_view = None                # no cookie session here, whatever the browser sent
            key = presented_api_key()
            if key is None:
                raise KeyRefused("This API needs an API key: send it as `Authorization: Bearer cpk_...`.")
            grant = api_grant(key)
            if grant is None:
                raise KeyRefused("This API key is not valid.", "invalid_token")
            if scope not in (grant.get("scopes") or []):
                abort(403, description=f"This API key may not use {scope.replace('_', ' ')}.")
            g.api_grant = grant
            return view(*args, **kwargs)
        return _declare(guarded, API, {"scope": scope})
    return decorate


def modules_on() -> set[str]:
    """The modules this contact may open: on for the org AND given to the contact (identity's
    principal.modules; a module staff took away from one contact is not there for them)."""
    return set(settings().get("modules") or []) & set(principal().get("modules") or [])


def nav_modules() -> list[str]:
    """The modules this contact sees: the ones it may open, if it may view at all."""
    person = principal()
    if person.get("kind") != "contact" or "view" not in (person.get("permissions") or []):
        return []
    on = modules_on()
    return [m for m in MODULES if m in on]


def module_path(module: str) -> str:
    return "/" + module.replace("_", "-")
