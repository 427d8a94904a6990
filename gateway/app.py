"""Gateway web process: gunicorn "gateway.app:create_app()".

The factory wires the pieces once: the settings (web/config.py), the clients of the
services and the caches (web/context.py), the blueprints each audience package lists
(public, portal, console, api), the template filters (web/filters.py), CSRF, rate limits
and headers (web/security.py), and error pages that people can read (never a 500 or raw
JSON).
"""
from __future__ import annotations

from functools import wraps

from flask import Flask, jsonify, redirect, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from contracts.oversize import too_large
from gateway import api, console, portal, public
from gateway.api import v1 as api_v1
from gateway.clients.base import ServiceClient, ServiceProblem, ServiceUnavailable, TTLCache
from gateway.clients.identity import IdentityClient
from gateway.public import unsubscribe, webhooks
from gateway.web import brand, config
from gateway.web.access import public as public_view
from gateway.web.account import signin_url
from gateway.web.context import Gateway, apply_cookie, current_org, drop_session, principal
from gateway.web.files import init_uploads
from gateway.web.filters import init_filters
from gateway.web.i18n import init_i18n
from gateway.web.metrics import UPSTREAM_FAILURES, init_metrics
from gateway.web.security import StripIdentityHeaders, add_security_headers, init_csrf, init_limiter, trust_proxies

NO_ORG_ENDPOINTS = ("static", "healthz", "readyz", "metrics_view")
BLUEPRINTS = (*public.BLUEPRINTS, *portal.BLUEPRINTS, *console.BLUEPRINTS, brand.bp, *api.BLUEPRINTS)

ERROR_PAGES = {
    400: (_l("Something was not right"), _l("The page could not handle that request. Go back and try again.")),
    403: (_l("Not allowed"), _l("You are not allowed to open this page.")),
    404: (_l("Not found"), _l("There is no page at this address.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("Too large"), _l("What you sent is larger than this portal accepts.")),
    429: (_l("Too many attempts"), _l("Too many attempts from your network. Please wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("Something went wrong on our side. Please try again in a minute.")),
    503: (_l("Temporarily unavailable"),
          _l("The portal cannot reach one of its services right now. Please try again in a minute.")),
}


def create_app(service_urls: dict[str, str] | None = None, *, identity: IdentityClient | None = None,
               **overrides) -> Flask:
    """`identity` replaces the HTTP client (the tests pass a fake); `overrides` are config keys."""
    app = Flask(__name__)
    app.config.update(config.from_environment(overrides))
    urls = service_urls or config.service_urls()
    dev = app.config["PORTAL_ENV"] == "dev"
    services = {name: ServiceClient(url) for name, url in urls.items()}
    app.extensions["gateway"] = Gateway(
        identity=identity or IdentityClient(services["identity"]),
        orgs=TTLCache(ttl=app.config["GATEWAY_ORG_CACHE_SECONDS"]),
        sessions=TTLCache(ttl=app.config["GATEWAY_SESSION_CACHE_SECONDS"]),
        cookie_name="portal" if dev else "__Host-portal",
        cookie_secure=not dev,
        api_keys=TTLCache(ttl=min(30.0, float(app.config["GATEWAY_API_KEY_CACHE_SECONDS"]))),
        services=services)

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    init_filters(app)
    init_i18n(app)
    _health(app)
    init_metrics(app)
    _declare_static(app)

    @app.before_request
    def load_org():
        """First, so that every page (a CSRF refusal too) is branded, and an unknown host is a 404."""
        if request.endpoint not in NO_ORG_ENDPOINTS:
            current_org(suspended_ok=request.endpoint == "public_webhooks.receive")

    init_uploads(app)                          # before CSRF reads a form that carries files
    init_csrf(app)
    api_v1.init_api(app, init_limiter(app))
    webhooks.init_webhooks(app)
    unsubscribe.init_unsubscribe(app)          # public pages; only the RFC 8058 one-click skips CSRF
    _errors(app)
    app.after_request(apply_cookie)
    app.after_request(add_security_headers)
    app.wsgi_app = StripIdentityHeaders(app.wsgi_app)
    trust_proxies(app, app.config["GATEWAY_TRUSTED_PROXIES"])
    return app


def _health(app: Flask) -> None:
    @app.get("/healthz")
    @public_view
    def healthz():
        return jsonify(status="ok", service="gateway")

    @app.get("/readyz")
    @public_view
    def readyz():
        # Ready as soon as it is wired: the gateway holds no state, and it must keep taking
        # payment webhooks (billing) and answering with readable 503 pages while one service
        # is slow or down. Following identity's health here would take every gateway pod out
        # of service at once. Upstream failures show in /metrics instead.
        return jsonify(status="ready")


def _declare_static(app: Flask) -> None:
    """Flask's own static route is public too (declared like every other view)."""
    serve = app.view_functions["static"]

    @public_view
    @wraps(serve)
    def static(filename):
        return serve(filename=filename)
    app.view_functions["static"] = static


def error_page(status: int, message: str | None = None, title: str | None = None):
    default_title, default_message = ERROR_PAGES.get(status, ERROR_PAGES[400 if status < 500 else 500])
    return render_template("error.html", title=title or default_title,
                           message=message or default_message), status


def _errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(_exc):
        return error_page(400, _("This form has expired or did not come from this site. "
                                 "Go back, reload the page and send it again."), _("Please try again"))

    @app.errorhandler(ServiceUnavailable)
    def unavailable(exc):
        if api_v1.is_api_request():
            return api_v1.problem_response(exc)
        app.logger.warning("identity unavailable: %s", exc)
        UPSTREAM_FAILURES.inc()
        response = app.make_response(error_page(503))
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(ServiceProblem)
    def problem(exc: ServiceProblem):
        """A problem no view expected: a readable page, and a dead session means sign in again."""
        if api_v1.is_api_request():
            return api_v1.problem_response(exc)
        if exc.status == 401:
            kind = principal().get("kind")
            drop_session()
            return redirect(signin_url(kind))
        status = exc.status if exc.status in ERROR_PAGES and exc.status < 500 else 400
        return error_page(status, exc.detail)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if api_v1.is_api_request():                        # e.g. an unknown /api/v1 route
            return api_v1.problem_response(exc)
        if exc.code == 413:                                # refused unread: name the field
            return error_page(413, too_large(request.environ, request.max_content_length or 0)[0])
        own = exc.description != type(exc).description     # a sentence of ours, not werkzeug's
        return error_page(exc.code or 500, exc.description if own else None)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if api_v1.is_api_request():
            return api_v1.problem_response(exc)
        app.logger.exception("unhandled error", exc_info=exc)
        return error_page(500)
