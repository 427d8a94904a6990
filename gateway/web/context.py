"""The request's context: the org from the Host header, the session from its cookie, the
person it belongs to (the principal) and, for a contact, their customer; and the clients
of the services, called with that person's token.

The session token is opaque and lives only in identity; the gateway keeps it in a cookie
and resolves it through identity, caching the answer for GATEWAY_SESSION_CACHE_SECONDS
(keyed by a sha256 of the token, never the token). That TTL is the documented delay
after which a session revoked elsewhere (by staff, on another gateway process) stops
working here; what this process itself ends or rotates is dropped from its cache at once.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import abort, current_app, g, request, url_for
from flask_babel import lazy_gettext as _l

from gateway.clients.base import TTLCache
from gateway.clients.billing import BillingClient
from gateway.clients.identity import IdentityClient
from gateway.clients.notifications import NotificationsClient
from gateway.clients.documents import DocumentsClient
from gateway.clients.orders import OrdersClient

MAX_TOKEN_LENGTH = 512


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


SUSPENDED = _l("This portal is not available at the moment. Please contact the business directly.")


def current_org(suspended_ok: bool = False) -> dict:
    """The org this Host header names (cached), or a 404 page: nothing crosses orgs. An org the
    operator suspended answers a 503 page everywhere (within GATEWAY_ORG_CACHE_SECONDS), except
    where `suspended_ok`: the payment gateways' webhooks, as money that moved must be recorded."""
    if "org" not in g:
        host = request_host()
        g.org = gateway().orgs.get(host, lambda: identity().org_by_host(host))
    if g.org is None or g.org.get("status") == "closed":
        abort(404, description=_l("There is no portal at this address."))
    if g.org.get("status") == "suspended" and not suspended_ok:
        abort(503, description=SUSPENDED)
    return g.org


def org_id(suspended_ok: bool = False) -> str:
    return current_org(suspended_ok)["org_id"]


def link_base() -> str:
    """Where links in mails (invitations, resets, payment links) point: the org's own
    configured host in PORTAL_PUBLIC_URL ("https://{host}"), never what the request's Host
    header or port said. Only a development machine without the setting uses the address
    the request came to."""
    pattern = current_app.config.get("PORTAL_PUBLIC_URL")
    if not pattern and current_app.config.get("PORTAL_ENV") == "dev":
        return request.host_url.rstrip("/")
    return (pattern or "https://{host}").format(host=current_org().get("host") or request_host()).rstrip("/")


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
    return url_for("public_mfa.mfa") if step == "mfa" else url_for("public_mfa.enrol")


def home_url(view: dict | None) -> str:
    """Where a session belongs: its pending step, the console (staff) or the dashboard."""
    if view is None:
        return url_for("public_signin.signin")
    step = pending_step(view)
    if step:
        return step_url(step)
    if (view.get("principal") or {}).get("kind") == "staff":
        return url_for("console_dashboard.dashboard")
    return url_for("portal_dashboard.dashboard")


def local_path(target: str | None) -> str | None:
    """A `next=` or `back=` target only if it stays on this site (no open redirect). Every
    redirecting parameter goes through here. A browser drops tabs and newlines and reads
    a backslash as a slash, so "/\t/evil.example" would become "//evil.example": control
    characters, spaces and backslashes are refused outright."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7f for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def return_path(home: str) -> str | None:
    """Where to come back after signing in (GET pages only; the home page needs no hint)."""
    if request.method != "GET" or request.path == home:
        return None
    return request.full_path.rstrip("?")


def client_ip() -> str | None:
    return request.remote_addr


def user_agent() -> str:
    return (request.user_agent.string or "")[:500]


# -- the services, with the signed-in person's token ---------------------------------------
def customer_id() -> str:
    """The signed-in contact's customer."""
    return principal()["customer_id"]


def billing() -> BillingClient:
    return BillingClient(gateway().services["billing"])


def orders() -> OrdersClient:
    return OrdersClient(gateway().services["orders"])


def documents() -> DocumentsClient:
    return DocumentsClient(gateway().services["documents"])


def notifications() -> NotificationsClient:
    return NotificationsClient(gateway().services["notifications"])
