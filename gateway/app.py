"""Gateway web process: gunicorn "gateway.app:create_app()"."""
from __future__ import annotations

import os

from flask import Flask, abort, jsonify, render_template, request

from gateway.clients import ServiceClient, TTLCache

SERVICES = ("identity", "billing", "orders", "support", "documents", "notifications")

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def create_app(service_urls: dict[str, str] | None = None) -> Flask:
    app = Flask(__name__)
    urls = service_urls or {
        name: os.environ.get(f"SERVICE_URL_{name.upper()}", f"http://127.0.0.1:{8101 + i}")
        for i, name in enumerate(SERVICES)}
    identity = ServiceClient(urls["identity"])
    orgs = TTLCache(ttl=float(os.environ.get("GATEWAY_ORG_CACHE_SECONDS", "30")))

    def current_org() -> dict:
        host = request.host.split(":")[0].lower()

        def load():
            response = identity.get(f"/orgs/by-host/{host}")
            return response.json() if response.status_code == 200 else None
        org = orgs.get(host, load)
        if org is None:
            abort(404)
        return org

    @app.get("/")
    def home():
        org = current_org()
        return render_template("home.html", org=org)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok", service="gateway")

    @app.get("/readyz")
    def readyz():
        try:
            ok = identity.get("/healthz").status_code == 200
        except OSError:
            ok = False
        response = jsonify(status="ready" if ok else "not ready", checks={"identity": ok})
        response.status_code = 200 if ok else 503
        return response

    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    @app.errorhandler(404)
    def not_found(_exc):
        return render_template("error.html", title="Not found",
                               message="There is no portal at this address."), 404

    return app
