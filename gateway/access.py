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

The session token is opaque and lives only in identity; the gateway keeps it in a cookie
and resolves it through identity, caching the answer for GATEWAY_SESSION_CACHE_SECONDS
(keyed by a sha256 of the token, never the token). That TTL is the documented delay
after which a session revoked elsewhere (by staff, on another gateway process) stops
working here; what this process itself ends or rotates is dropped from its cache at once.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, render_template, request, url_for
from werkzeug.exceptions import Unauthorized

from gateway.clients import TTLCache
from gateway.identity import IdentityClient

MODULES = ("invoices", "payments", "credit_notes", "sales_orders", "deliveries", "service_requests",
           "projects", "timesheets", "tickets", "documents", "quotes", "reviews")
PERMISSIONS = ("view", "download", "pay", "submit_tickets", "upload", "approve", "forward")
SWITCHES = ("portal_enabled", "mfa_required", "self_signup", "forward_documents",
            "bulk_payments", "partial_payments", "share_tickets")
ROLES = ("owner", "admin", "agent")
API_SCOPES = ("customers", *MODULES)      # what an API key may reach (identity's API_KEY_SCOPES)

ACCESS = "gateway_access"          # the attribute a declaration sets on a view function
PUBLIC, PORTAL, PENDING_MFA, CONSOLE, API = "public", "portal", "pending_mfa", "console", "api"
MAX_TOKEN_LENGTH = 512
API_KEY_PREFIX = "cpk_"
API_TOKEN_MARGIN_S = 30            # a cached key's internal token has at least this long left to live


@dataclass
class Gateway:
    """What the gateway keeps per process: the identity client, the caches, cookie settings."""
    identity: IdentityClient
    orgs: TTLCache
    sessions: TTLCache
    cookie_name: str
    cookie_secure: bool
    api_keys: TTLCache                 # (org_id, sha256(key)) -> identity's exchange answer
    services: dict                     # name -> ServiceClient, for /api/v1's forwarding


def gateway() -> Gateway:
    return current_app.extensions["gateway"]


def identity() -> IdentityClient:
    return gateway().identity


# -- the org -----------------------------------------------------------------------------
def request_host() -> str:
    host = request.host.lower()
    if host.startswith("["):                     # an IPv6 literal: [::1]:8000
        return host.split("]")[0] + "]"
    return host.split(":")[0]


def current_org() -> dict:
    """The org this Host header names (cached), or a 404 page: nothing crosses orgs."""
    if "org" not in g:
        host = request_host()
        g.org = gateway().orgs.get(host, lambda: identity().org_by_host(host))
    if g.org is None:
        abort(404, description="There is no portal at this address.")
    return g.org


def org_id() -> str:
    return current_org()["org_id"]


def settings() -> dict:
    return current_org().get("settings") or {}


# -- the session -------------------------------------------------------------------------
def _cache_key(token: str) -> tuple[str, str]:
    return org_id(), hashlib.sha256(token.encode()).hexdigest()


def session_token() -> str | None:
    token = request.cookies.get(gateway().cookie_name)
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token


def current_session() -> dict | None:
    """The session view for the request's cookie, or None (and the dead cookie is cleared)."""
    if "session_view" not in g:
        token = session_token()
        view = None
        if token:
            org = org_id()
            view = gateway().sessions.get(_cache_key(token), lambda: identity().resolve(org, token))
            if view is None:
                g.cookie_action = ("clear", None)
        g.session_view = view
    return g.session_view


def principal() -> dict:
    view = current_session()
    return (view or {}).get("principal") or {}


def start_session(view: dict) -> None:
    """A session answer with a new token (sign-in, MFA, invitation, password change):
    the old token is dead, so its cache entry goes; the new cookie is set on the response."""
    old = session_token()
    if old:
        gateway().sessions.drop(_cache_key(old))
    token = view["token"]
    fresh = {k: v for k, v in view.items() if k not in ("token", "recovery_codes")}
    gateway().sessions.put(_cache_key(token), fresh)
    g.session_view = fresh
    g.cookie_action = ("set", token)


def forget_session_cache() -> None:
    """The person changed (profile saved): resolve the session afresh on the next request."""
    token = session_token()
    if token:
        gateway().sessions.drop(_cache_key(token))


def forget_login(login_id: str) -> None:
    """Sessions of one person were ended or changed (sign out everywhere, password change,
    staff revoking or changing permissions): this process stops honouring them at once."""
    gateway().sessions.drop_where(
        lambda view: bool(view) and (view.get("principal") or {}).get("id") == login_id)


def drop_session() -> None:
    """Signed out (or the session was ended elsewhere): forget it and clear the cookie."""
    token = session_token()
    if token:
        gateway().sessions.drop(_cache_key(token))
    g.session_view = None
    g.cookie_action = ("clear", None)


def apply_cookie(response):
    """after_request: writes what start_session / drop_session decided."""
    action = g.get("cookie_action")
    if action is None:
        return response
    name, secure = gateway().cookie_name, gateway().cookie_secure
    if action[0] == "set":
        response.set_cookie(name, action[1], path="/", secure=secure, httponly=True, samesite="Lax")
    else:
        response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="Lax")
    return response


def pending_step(view: dict) -> str | None:
    """What the person must do before anything else: "mfa", "enrol" or None.

    identity's `next` decides; staff must in any case have passed MFA (defence in depth)."""
    step = view.get("next")
    if step == "enrol":
        return "enrol"
    if step is not None:
        return "mfa"
    person = view.get("principal") or {}
    if person.get("kind") == "staff" and view.get("state") != "mfa_ok":
        return "mfa" if person.get("mfa_enabled") else "enrol"
    return None


def step_url(step: str) -> str:
    return url_for("portal.mfa") if step == "mfa" else url_for("portal.enrol")


def home_url(view: dict | None) -> str:
    """Where a session belongs: its pending step, the console (staff) or the dashboard."""
    if view is None:
        return url_for("portal.signin")
    step = pending_step(view)
    if step:
        return step_url(step)
    if (view.get("principal") or {}).get("kind") == "staff":
        return url_for("console.dashboard")
    return url_for("portal.dashboard")


def local_path(target: str | None) -> str | None:
    """A `next=` target only if it stays on this site (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _return_path(home: str) -> str | None:
    """Where to come back after signing in (GET pages only; the home page needs no hint)."""
    if request.method != "GET" or request.path == home:
        return None
    return request.full_path.rstrip("?")


def client_ip() -> str | None:
    return request.remote_addr


def user_agent() -> str:
    return (request.user_agent.string or "")[:500]


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
                return redirect(url_for("portal.signin", next=_return_path("/")))
            step = pending_step(session)
            if step:
                return redirect(step_url(step))
            kind = (session.get("principal") or {}).get("kind")
            if kind == "staff":
                return redirect(url_for("console.dashboard"))
            if kind != "contact":
                abort(404)
            org_settings = settings()
            if not org_settings.get("portal_enabled", False):
                return render_template("portal/closed.html"), 503
            if module is not None and module not in modules_on():
                abort(404)
            if permission is not None and permission not in (principal().get("permissions") or []):
                forbidden("Your account does not have access to this page. "
                          "Ask your contact at the company to give you access.")
            return view(*args, **kwargs)
        return _declare(guarded, PORTAL, {"module": module, "permission": permission})
    return decorate


def pending_mfa(view):
    """Any session, even one that still owes its MFA step; the view checks which step."""
    @wraps(view)
    def guarded(*args, **kwargs):
        if current_session() is None:
            return redirect(url_for("portal.signin"))
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
                return redirect(url_for("console.signin", next=_return_path("/console")))
            step = pending_step(session)
            if step:
                return redirect(step_url(step))
            person = session.get("principal") or {}
            if person.get("kind") != "staff":
                abort(404)                       # the console does not exist for contacts
            if person.get("role") not in roles:
                forbidden("Your role does not allow this page. Ask an owner or an admin.")
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


MODULE_LABELS = {
    "invoices": "Invoices", "payments": "Payments", "credit_notes": "Credit notes",
    "sales_orders": "Sales orders", "deliveries": "Deliveries", "service_requests": "Service requests",
    "projects": "Projects", "timesheets": "Timesheets", "tickets": "Tickets", "documents": "Documents",
    "quotes": "Quotes", "reviews": "Reviews",
}
PERMISSION_LABELS = {
    "view": "View", "download": "Download", "pay": "Pay", "submit_tickets": "Submit tickets",
    "upload": "Upload", "approve": "Approve", "forward": "Forward",
}
SWITCH_LABELS = {
    "portal_enabled": "The portal is open to customers",
    "mfa_required": "Customers must use two-step verification",
    "self_signup": "Customers may sign up themselves",
    "forward_documents": "Customers may forward documents",
    "bulk_payments": "Customers may pay several invoices at once",
    "partial_payments": "Customers may pay part of an invoice",
    "share_tickets": "Contacts of a customer see each other's tickets",
}
SCOPE_LABELS = {"customers": "Customers and contacts", **MODULE_LABELS}
