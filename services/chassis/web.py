"""Flask app factory every service uses: problem+json errors, request and
correlation ids, JSON logs, /healthz, /readyz, /metrics, /openapi.json."""
from __future__ import annotations

import functools
import logging
import time
import uuid

from flask import Flask, Response, current_app, g, jsonify, request
from flask_smorest import Api
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from contracts.oversize import too_large
from contracts.problem import PROBLEM_JSON, problem
from services.chassis import auth, context, kafka, logs, metrics
from services.chassis.config import Config
from services.chassis.errors import PortalError, Unavailable, problem_of
from services.chassis.runtime import Runtime, ServiceSpec, bootstrap

log = logging.getLogger(__name__)


def runtime() -> Runtime:
    return current_app.extensions["portal"]


def accepts_body(max_bytes: int):
    """For a view whose body may be larger than the app's MAX_CONTENT_LENGTH (a batch): its
    own limit, set before the body is read (put it above @blp.arguments)."""
    def wrap(view):
        @functools.wraps(view)
        def limited(*args, **kwargs):
            request.max_content_length = max_bytes
            return view(*args, **kwargs)
        return limited
    return wrap


def create_service_app(spec: ServiceSpec, config: Config | None = None) -> Flask:
    rt = bootstrap(spec, config)
    auth.check_keys(rt.config)
    logs.configure(spec.name, rt.config.log_level, rt.config.log_json)
    app = Flask(spec.name, static_folder=None)     # services serve no files
    app.config.update(
        API_TITLE=spec.title or f"{spec.name} service",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.extensions["portal"] = rt
    api = Api(app)
    for blp in spec.blueprints():
        api.register_blueprint(blp)
    _wire_context(app, spec.name, rt)
    _wire_errors(app)
    _wire_ops(app, rt)
    return app


def _wire_context(app: Flask, service: str, rt: Runtime) -> None:
    @app.before_request
    def _start():
        g.started = time.perf_counter()
        request_id = request.headers.get("X-Request-ID") or str(uuid.uuid4())
        correlation_id = request.headers.get("X-Correlation-ID") or request_id
        ctx = context.Context(correlation_id=correlation_id[:100], request_id=request_id[:100])
        g.ctx_token = context.set_current(ctx)
        # Who acts comes from the verified internal token, never from a header anyone can set.
        caller = auth.authorize(rt.config)
        if caller is not None:
            context.reset(g.ctx_token)
            g.ctx_token = context.set_current(context.Context(
                correlation_id=ctx.correlation_id, request_id=ctx.request_id,
                actor_kind=caller.kind, actor_id=caller.id))

    @app.after_request
    def _finish(response: Response):
        ctx = context.current()
        response.headers["X-Request-ID"] = ctx.request_id or ""
        response.headers["X-Correlation-ID"] = ctx.correlation_id
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
        route = request.url_rule.rule if request.url_rule else "<unmatched>"
        if "started" in g:
            metrics.REQUEST_LATENCY.labels(service, request.method, route,
                                           str(response.status_code)).observe(
                time.perf_counter() - g.started)
        return response

    @app.teardown_request
    def _reset(_exc):
        token = g.pop("ctx_token", None)
        if token is not None:
            context.reset(token)


def _problem_response(status: int, title: str, detail: str | None = None, **extra) -> Response:
    body = problem(status, title, detail, **{k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


def _wire_errors(app: Flask) -> None:
    @app.errorhandler(PortalError)
    def _portal_error(exc: PortalError):
        if exc.status >= 500 and not isinstance(exc, Unavailable):
            log.error("server error: %s", exc.detail)
            return _problem_response(exc.status, exc.title, "The server could not do this.")
        response = jsonify(problem_of(exc))
        response.status_code = exc.status
        response.mimetype = PROBLEM_JSON
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        # flask-smorest puts marshmallow's field errors in exc.data["messages"].
        data = getattr(exc, "data", None) or {}
        errors = _string_keys(data.get("messages"))
        detail = exc.description
        if errors:
            fields = sorted({f for loc in errors.values() if isinstance(loc, dict) for f in loc})
            detail = f"Invalid input: {', '.join(fields)}." if fields else "Invalid input."
        if exc.code == 413:                     # refused unread: name the field that was too long
            detail, named = too_large(request.environ, request.max_content_length or 0)
            errors = {"json": named} if named else None
        response = _problem_response(exc.code or 500, exc.name, detail, errors=errors)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return _problem_response(500, "Internal Server Error", "The server could not do this.")


def _string_keys(errors):
    """Marshmallow's errors with every key a string: a form part sent without a name is keyed
    None there (and list items by index), which neither sorts beside names nor makes JSON."""
    if not isinstance(errors, dict):
        return errors
    return {("" if key is None else str(key)): _string_keys(value) for key, value in errors.items()}


def _wire_ops(app: Flask, rt: Runtime) -> None:
    broker_cache = {"at": 0.0, "ok": False}

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok", service=rt.spec.name)

    @app.get("/readyz")
    def readyz():
        checks = {}
        try:
            with rt.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            checks["database"] = f"down: {type(exc).__name__}"
        if time.monotonic() - broker_cache["at"] > 5:
            broker_cache.update(at=time.monotonic(), ok=_broker_ok(rt.config))
        # The web process writes to the outbox, not to the broker: a broker outage
        # is reported but does not take the process out of service.
        checks["broker"] = "ok" if broker_cache["ok"] else "unreachable (events wait in the outbox)"
        ready = checks["database"] == "ok"
        response = jsonify(status="ready" if ready else "not ready", checks=checks)
        response.status_code = 200 if ready else 503
        return response

    @app.get("/metrics")
    def metrics_view():
        body, content_type = metrics.render()
        return Response(body, content_type=content_type)


def _broker_ok(config: Config) -> bool:
    try:
        kafka.admin(config).list_topics(timeout=1)
        return True
    except Exception:  # noqa: BLE001
        return False
