"""The gateway's Prometheus metrics at /metrics, for the cluster's scraper only.

The gateway is the public component, so /metrics answers 404 (as if it did not exist)
unless GATEWAY_METRICS_TOKEN is set and the request carries it as a Bearer token; give the
same token to Prometheus (`authorization: credentials_file`). Under gunicorn with several
workers the chassis's gunicorn config sets PROMETHEUS_MULTIPROC_DIR (read in config.py) and this aggregates."""
from __future__ import annotations

import hmac
import time

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram,
                               generate_latest, multiprocess)

from gateway.web.access import public

REQUESTS = Histogram("portal_gateway_request_duration_seconds", "Gateway request latency by route",
                     ["method", "route", "status"],
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
UPSTREAM_FAILURES = Counter("portal_gateway_upstream_unavailable_total",
                            "Requests answered 503 because a service could not be reached")


def init_metrics(app: Flask) -> None:
    @app.before_request
    def _start():
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.get("started")
        if started is not None:
            route = request.url_rule.rule if request.url_rule else "unmatched"
            REQUESTS.labels(request.method, route, str(response.status_code)).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics")
    @public
    def metrics_view():
        expected = current_app.config.get("GATEWAY_METRICS_TOKEN") or ""
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            abort(404)
        if current_app.config.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
        return Response(generate_latest(REGISTRY), mimetype=CONTENT_TYPE_LATEST)
