"""The gateway's protections that are not about who someone is: the signing secret,
CSRF (Flask-WTF) plus an Origin check, rate limits (Flask-Limiter), the client IP
behind trusted proxies (werkzeug's ProxyFix), headers that must never be trusted,
and the security headers on every response."""
from __future__ import annotations

import logging
import secrets
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway.web.context import principal

log = logging.getLogger("gateway")

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

# Headers that name a person or their rights: only the gateway may ever assert those to a
# service (and it does so with identity's signed token), so whatever a client sends is dropped.
UNTRUSTED_PREFIXES = ("HTTP_X_ACTOR_", "HTTP_X_USER_", "HTTP_X_MFA_")
UNTRUSTED_NAMES = ("HTTP_X_PERMISSIONS", "HTTP_X_ACTOR", "HTTP_X_USER", "HTTP_X_MFA")

RATE_LIMITS = {                     # config key -> default; "N per minute;M per hour" allowed
    "GATEWAY_RATELIMIT_SIGNIN": "10 per minute;100 per hour",
    "GATEWAY_RATELIMIT_MFA": "10 per minute;50 per hour",
    "GATEWAY_RATELIMIT_INVITE": "10 per minute;50 per hour",
    "GATEWAY_RATELIMIT_RECOVERY": "10 per minute;50 per hour",
    "GATEWAY_RATELIMIT_PAY_LINK": "10 per minute;50 per hour",   # paying through a public payment link
    "GATEWAY_RATELIMIT_MESSAGES": "60 per minute;1000 per hour",  # ticket messages per signed-in person
    "GATEWAY_RATELIMIT_UPLOADS": "60 per minute;600 per hour",    # files sent per signed-in person
    "GATEWAY_RATELIMIT_API": "1200 per minute",           # /api/v1 calls per API key
    "GATEWAY_RATELIMIT_API_REFUSED": "30 per minute",     # /api/v1 calls refused for a bad key, per IP
}
RATE_LIMITED = "gateway_rate_limit"
RATE_LIMIT_PER = "gateway_rate_limit_per"


class StripIdentityHeaders:
    """WSGI middleware: removes X-Actor-*, X-User-*, X-Permissions, X-MFA-* before Flask sees them."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        for key in [k for k in environ if k.startswith(UNTRUSTED_PREFIXES) or k in UNTRUSTED_NAMES]:
            del environ[key]
        return self.wsgi_app(environ, start_response)


def secret_key(configured: str | None, portal_env: str) -> str:
    """GATEWAY_SECRET_KEY signs the CSRF tokens and the small Flask session cookie."""
    if configured:
        return configured
    if portal_env == "dev":
        log.warning("GATEWAY_SECRET_KEY is not set: using a random key for this process "
                    "(PORTAL_ENV=dev). Forms open in a browser stop working when it restarts.")
        return secrets.token_hex(32)
    raise RuntimeError(
        "GATEWAY_SECRET_KEY is not set. The gateway signs its CSRF tokens with it: set it to a "
        "long random value (the same for every gateway process), or set PORTAL_ENV=dev on a "
        "development machine to use a random one.")


def trust_proxies(app: Flask, hops: str | int | None) -> None:
    """Client IP and scheme from X-Forwarded-* only when GATEWAY_TRUSTED_PROXIES says how
    many proxies stand in front (otherwise anybody could choose their own IP)."""
    if hops in (None, ""):
        return
    count = int(hops)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def rate_limited(kind: str, per: str = "ip"):
    """Marks a view for the limit `GATEWAY_RATELIMIT_<KIND>` on its POSTs, per client IP, or
    (`per="person"`) per signed-in person, so colleagues behind one office IP do not share it."""
    key = f"GATEWAY_RATELIMIT_{kind.upper()}"
    if key not in RATE_LIMITS or per not in ("ip", "person"):
        raise ValueError(f"unknown rate limit {kind!r} per {per!r}")

    def mark(view):
        setattr(view, RATE_LIMITED, key)
        setattr(view, RATE_LIMIT_PER, per)
        return view
    return mark


def _person_or_address() -> str:
    person = principal().get("id")
    return f"person:{person}" if person else get_remote_address()


STORE_TIMEOUT_S = 0.25               # a store slower than this counts as down: the page must not wait on it


def init_limiter(app: Flask) -> Limiter:
    """One Limiter per app, wrapping every view marked with `rate_limited`. It counts in
    RATELIMIT_STORAGE_URI (GATEWAY_RATELIMIT_STORAGE: Redis shares the counts between workers and
    replicas); while that store does not answer, in this process's memory, so a limit is never
    lifted and a page never fails for it. Call after the blueprints are registered."""
    uri = app.config["RATELIMIT_STORAGE_URI"]
    options = ({"socket_timeout": STORE_TIMEOUT_S, "socket_connect_timeout": STORE_TIMEOUT_S}
               if uri.startswith(("redis://", "rediss://")) else {})
    limiter = Limiter(get_remote_address, app=app, storage_uri=uri, storage_options=options,
                      headers_enabled=True, default_limits=[])
    for endpoint, view in list(app.view_functions.items()):
        key = getattr(view, RATE_LIMITED, None)
        if key:
            per_person = getattr(view, RATE_LIMIT_PER, "ip") == "person"
            limit = limiter.limit(lambda key=key: app.config[key], methods=["POST"],
                                  key_func=_person_or_address if per_person else None)
            app.view_functions[endpoint] = limit(view)
    return limiter


def init_csrf(app: Flask) -> CSRFProtect:
    csrf = CSRFProtect(app)
    app.before_request(check_origin)
    return csrf


def check_origin():
    """Unsafe methods must come from a page of this host: a present Origin must match.
    (Browsers send Origin on every cross-site POST; the CSRF token covers the rest.)
    Hosts are compared without the scheme so a TLS-terminating proxy does not break it."""
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE") or request.blueprint == "api_v1":
        return None                  # /api/v1 reads no cookie: a cross-site request carries no key
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    parts = urlsplit(origin)
    if origin == "null" or parts.scheme not in ("http", "https") or parts.netloc.lower() != request.host.lower():
        abort(403, description=_l("This form was sent from another site, so it was not accepted."))
    return None


def content_security_policy() -> str:
    """The CSP; where the live channel is on another origin (make up's port), connect-src
    allows that one origin too."""
    live = current_app.config.get("LIVE_PUBLIC_URL")
    if not live:
        return CSP
    parts = urlsplit(live.format(host=request.host.split(":")[0]))
    return f"{CSP}; connect-src 'self' {parts.scheme}://{parts.netloc}"


def add_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", content_security_policy())
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
        response.vary.add("Cookie")
    return response
