"""Every setting of the gateway, read from the environment in one place (create_app calls
`from_environment` once; everything else reads `app.config`):

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
GATEWAY_MAX_UPLOAD_BYTES       largest body of a page that takes files (default 101 MiB)
GATEWAY_CHAT_STREAM_SECONDS    how long one live-chat stream stays open before the browser reconnects (25)
PORTAL_PUBLIC_URL              the portal's address in mailed links, with {host} for the org's own host
                               ("https://{host}"; in dev, the address the request came to)
LIVE_PUBLIC_URL                where browsers reach the live channel (gateway/live), "{host}" standing for
                               the page's host name: empty (default) for the same origin (an ingress sends
                               /live/ there); make up sets http://{host}:8010. CSP's connect-src allows it
GATEWAY_METRICS_TOKEN          Bearer token Prometheus sends for /metrics (unset: /metrics is 404)
GATEWAY_RATELIMIT_SIGNIN, _MFA, _INVITE, _RECOVERY, _PAY_LINK   POST limits per client IP ("10 per minute;100 per hour")
GATEWAY_RATELIMIT_MESSAGES     ticket messages per signed-in person ("60 per minute;1000 per hour")
GATEWAY_RATELIMIT_API, _API_REFUSED   /api/v1 calls per key, and refused calls per client IP
GATEWAY_RATELIMIT_STORAGE      where the limits count: "memory://" (default: each process on its own) or
                               "redis://host:6379/0", shared by every worker and replica. While the store
                               does not answer (within 0.25 s), each process counts in memory, then goes back
PROMETHEUS_MULTIPROC_DIR       set by the gunicorn config: /metrics aggregates the workers
SERVICE_URL_<NAME>             where each service answers
"""
from __future__ import annotations

import os

from gateway.web.security import RATE_LIMITS, secret_key

SERVICES = ("identity", "billing", "orders", "support", "documents", "notifications")


def from_environment(overrides: dict) -> dict:
    """The Flask config of one app: the environment's settings, then `overrides` (the tests')."""
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
        "PORTAL_PUBLIC_URL": env.get("PORTAL_PUBLIC_URL"),
        "PROMETHEUS_MULTIPROC_DIR": env.get("PROMETHEUS_MULTIPROC_DIR"),
        "MAX_CONTENT_LENGTH": int(env.get("GATEWAY_MAX_CONTENT_LENGTH", str(1024 * 1024))),
        "GATEWAY_MAX_UPLOAD_BYTES": int(env.get("GATEWAY_MAX_UPLOAD_BYTES", str(101 * 1024 * 1024))),
        "LIVE_PUBLIC_URL": env.get("LIVE_PUBLIC_URL", "").rstrip("/"),
        "RATELIMIT_STORAGE_URI": env.get("GATEWAY_RATELIMIT_STORAGE", "memory://"),
        "RATELIMIT_KEY_PREFIX": env.get("GATEWAY_RATELIMIT_KEY_PREFIX", "portal-gateway"),
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
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


def service_urls() -> dict[str, str]:
    """Where each service answers: SERVICE_URL_<NAME>, else its local port (8101, 8102 ...)."""
    return {name: os.environ.get(f"SERVICE_URL_{name.upper()}", f"http://127.0.0.1:{8101 + i}")
            for i, name in enumerate(SERVICES)}
