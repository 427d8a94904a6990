"""Gateway web process: gunicorn "gateway.app:create_app()".

The factory wires the pieces once: the identity client and caches (access.py), the portal
and console blueprints, CSRF, rate limits and headers (security.py), and error pages that
people can read (never a 500 or raw JSON). Settings come from the environment:

PORTAL_ENV                     "dev" on a development machine (plain `portal` cookie without
                               Secure, a random secret if none is set); anything else is production
GATEWAY_SECRET_KEY             signs CSRF tokens; required outside dev
GATEWAY_SESSION_CACHE_SECONDS  how long a resolved session is reused (default 5): the delay
                               after which a session revoked elsewhere stops working here (at most 60)
GATEWAY_ORG_CACHE_SECONDS      how long an org (by host) is reused (default 30)
GATEWAY_API_KEY_CACHE_SECONDS  how long an API key's exchange is reused (default and at most 30): the
                               delay after which a key revoked elsewhere stops working here
GATEWAY_TRUSTED_PROXIES        number of proxies in front whose X-Forwarded-For/-Proto count
GATEWAY_MAX_CONTENT_LENGTH     largest request body in bytes (default 1 MiB)
GATEWAY_CHAT_STREAM_SECONDS    how long one live-chat stream stays open before the browser reconnects (25)
GATEWAY_METRICS_TOKEN          Bearer token Prometheus sends for /metrics (unset: /metrics is 404)
GATEWAY_RATELIMIT_SIGNIN, _MFA, _INVITE, _RECOVERY, _PAY_LINK   POST limits per client IP ("10 per minute;100 per hour")
GATEWAY_RATELIMIT_MESSAGES     ticket messages per signed-in person ("60 per minute;1000 per hour")
SERVICE_URL_<NAME>             where each service answers
"""
from __future__ import annotations

import os
from functools import wraps

from flask import Flask, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from gateway import (api, brand, console, console_keys, console_payments, console_staff, portal, portal_billing,
                     portal_payments, recovery, webhooks)
from gateway import console_invoices
from gateway import console_activity, console_mail, console_webhooks
from gateway import console_emails, unsubscribe
from gateway import portal_comments
from gateway import portal_credits
from gateway import portal_statement
from gateway import console_statement
from gateway import console_payment_links, pay_links
from gateway import portal_bulk
from gateway import portal_return
from gateway import console_gateways
from gateway import portal_payment_methods
from gateway import console_tickets, portal_tickets
from gateway.access import Gateway, apply_cookie, current_org, drop_session, principal, public
from gateway.clients import ServiceClient, TTLCache
from gateway.metrics import UPSTREAM_FAILURES, init_metrics
from gateway.identity import IdentityClient, ServiceProblem, ServiceUnavailable
from gateway.security import (RATE_LIMITS, StripIdentityHeaders, add_security_headers, init_csrf, init_limiter,
                              secret_key, trust_proxies)

SERVICES = ("identity", "billing", "orders", "support", "documents", "notifications")
NO_ORG_ENDPOINTS = ("static", "healthz", "readyz", "metrics_view")

ERROR_PAGES = {
    400: ("Something was not right", "The page could not handle that request. Go back and try again."),
    403: ("Not allowed", "You are not allowed to open this page."),
    404: ("Not found", "There is no page at this address."),
    405: ("Not allowed", "This page cannot be used that way."),
    413: ("Too large", "What you sent is larger than this portal accepts."),
    429: ("Too many attempts", "Too many attempts from your network. Please wait a minute and try again."),
    500: ("Something went wrong", "Something went wrong on our side. Please try again in a minute."),
    503: ("Temporarily unavailable",
          "The portal cannot reach one of its services right now. Please try again in a minute."),
}


def _config(overrides: dict) -> dict:
    env = os.environ
    config = {
        "PORTAL_ENV": env.get("PORTAL_ENV", "production"),
        "GATEWAY_SECRET_KEY": env.get("GATEWAY_SECRET_KEY"),
        # at most 60 s: the cached view carries an internal token that lives 120 s
        "GATEWAY_SESSION_CACHE_SECONDS": min(60.0, float(env.get("GATEWAY_SESSION_CACHE_SECONDS", "5"))),
        "GATEWAY_ORG_CACHE_SECONDS": float(env.get("GATEWAY_ORG_CACHE_SECONDS", "30")),
        "GATEWAY_API_KEY_CACHE_SECONDS": min(30.0, float(env.get("GATEWAY_API_KEY_CACHE_SECONDS", "30"))),
        "GATEWAY_TRUSTED_PROXIES": env.get("GATEWAY_TRUSTED_PROXIES"),
        "GATEWAY_METRICS_TOKEN": env.get("GATEWAY_METRICS_TOKEN"),
        "MAX_CONTENT_LENGTH": int(env.get("GATEWAY_MAX_CONTENT_LENGTH", str(1024 * 1024))),
        "CHAT_STREAM_SECONDS": float(env.get("GATEWAY_CHAT_STREAM_SECONDS", "25")),
        "RATELIMIT_STORAGE_URI": "memory://",
        **{key: env.get(key, default) for key, default in RATE_LIMITS.items()},
    }
    config.update(overrides)
    dev = config["PORTAL_ENV"] == "dev"
    cookies = {"SESSION_COOKIE_NAME": "portal-state" if dev else "__Host-portal-state",
               "SESSION_COOKIE_SECURE": not dev, "SESSION_COOKIE_HTTPONLY": True,
               "SESSION_COOKIE_SAMESITE": "Lax", "SESSION_COOKIE_PATH": "/"}
    config = {**cookies, **config}
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = secret_key(config["GATEWAY_SECRET_KEY"], config["PORTAL_ENV"])
    return config


def create_app(service_urls: dict[str, str] | None = None, *, identity: IdentityClient | None = None,
               **overrides) -> Flask:
    """`identity` replaces the HTTP client (the tests pass a fake); `overrides` are config keys."""
    app = Flask(__name__)
    app.config.update(_config(overrides))
    urls = service_urls or {
        name: os.environ.get(f"SERVICE_URL_{name.upper()}", f"http://127.0.0.1:{8101 + i}")
        for i, name in enumerate(SERVICES)}
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

    app.register_blueprint(portal.bp)
    app.register_blueprint(portal_billing.bp)
    app.register_blueprint(portal_payments.bp)
    app.register_blueprint(portal_payment_methods.bp)
    app.register_blueprint(portal_comments.bp)
    app.register_blueprint(portal_credits.bp)
    app.register_blueprint(portal_statement.bp)
    app.register_blueprint(console_statement.bp)
    app.register_blueprint(portal_bulk.bp)
    app.register_blueprint(portal_return.bp)
    app.register_blueprint(console_gateways.bp)
    app.register_blueprint(portal_tickets.bp)
    app.register_blueprint(console_tickets.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(console_keys.bp)
    app.register_blueprint(console_staff.bp)
    app.register_blueprint(console_payments.bp)
    app.register_blueprint(console_invoices.bp)
    app.register_blueprint(console_payment_links.bp)
    app.register_blueprint(pay_links.bp)
    app.register_blueprint(console_mail.bp)
    app.register_blueprint(console_emails.bp)
    app.register_blueprint(console_webhooks.bp)
    app.register_blueprint(console_activity.bp)
    app.register_blueprint(recovery.bp)
    app.register_blueprint(brand.bp)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(api.bp)
    _health(app)
    init_metrics(app)
    _declare_static(app)

    @app.before_request
    def load_org():
        """First, so that every page (a CSRF refusal too) is branded, and an unknown host is a 404."""
        if request.endpoint not in NO_ORG_ENDPOINTS:
            current_org()

    init_csrf(app)
    api.init_api(app, init_limiter(app))
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
    @public
    def healthz():
        return jsonify(status="ok", service="gateway")

    @app.get("/readyz")
    @public
    def readyz():
        ok = app.extensions["gateway"].identity.healthy()
        response = jsonify(status="ready" if ok else "not ready", checks={"identity": ok})
        response.status_code = 200 if ok else 503
        return response


def _declare_static(app: Flask) -> None:
    """Flask's own static route is public too (declared like every other view)."""
    serve = app.view_functions["static"]

    @public
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
        return error_page(400, "This form has expired or did not come from this site. "
                               "Go back, reload the page and send it again.", "Please try again")

    @app.errorhandler(ServiceUnavailable)
    def unavailable(exc):
        if api.is_api_request():
            return api.problem_response(exc)
        app.logger.warning("identity unavailable: %s", exc)
        UPSTREAM_FAILURES.inc()
        response = app.make_response(error_page(503))
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(ServiceProblem)
    def problem(exc: ServiceProblem):
        """A problem no view expected: a readable page, and a dead session means sign in again."""
        if api.is_api_request():
            return api.problem_response(exc)
        if exc.status == 401:
            kind = principal().get("kind")
            drop_session()
            return redirect(portal.signin_url(kind))
        status = exc.status if exc.status in ERROR_PAGES and exc.status < 500 else 400
        return error_page(status, exc.detail)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if api.is_api_request():                        # e.g. an unknown /api/v1 route
            return api.problem_response(exc)
        own = exc.description != type(exc).description     # a sentence of ours, not werkzeug's
        return error_page(exc.code or 500, exc.description if own else None)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if api.is_api_request():
            return api.problem_response(exc)
        app.logger.exception("unhandled error", exc_info=exc)
        return error_page(500)
