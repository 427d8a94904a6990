"""/api/v1/openapi.json: the API's OpenAPI document, made from the services' own.

Every /api/v1 route forwards to `/orgs/<org>` + the same path at the service that owns the
data (v1.py), so its operation is that service's operation less the org parameter (the
org comes from the host), less the fields the gateway fills in itself (`link_base`), plus
what the gateway answers on its own: 401 (no key, or a dead one), 403 (a scope the key
lacks), 415 (a body that is not JSON), 429 (the key's rate limit) and 503 (a service down).
Writing it by hand would drift from the services; this way it cannot.

Built on the first ask from each service's /openapi.json and kept for the process's life: a
service's document changes only with a deploy, and a deploy restarts the gateway too. The
components of each service are named `<service>.<Name>`, as two services may use one name.
"""
from __future__ import annotations

import copy
import re

from flask import current_app, jsonify, request

from gateway.api.v1 import bp
from gateway.clients.base import ServiceUnavailable
from gateway.web.access import API, declaration, public
from gateway.web.context import gateway

SERVICES = ("identity", "billing", "orders", "documents")
FILLED_BY_GATEWAY = ("link_base",)
METHODS = ("get", "put", "post", "patch", "delete")
PROBLEM = {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
GATEWAY_ANSWERS = {
    "401": "No API key, or one that is not valid (any more).",
    "403": "The API key does not hold this route's scope.",
    "415": "The body is not JSON (`Content-Type: application/json`).",
    "429": "Too many calls with this key; slow down (see `Retry-After`).",
    "503": "A service behind the API cannot be reached; try again later.",
}
PROBLEM_SCHEMA = {
    "type": "object", "required": ["type", "title", "status"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "detail": {"type": "string"}, "errors": {"type": "object"}},
}


@bp.get("/openapi.json")
@public
def openapi_document():
    """The document (no key needed: it holds no data, and callers read it before they have one)."""
    built = current_app.extensions.get("api_v1_openapi")
    if built is None:
        built = current_app.extensions["api_v1_openapi"] = build(current_app, _fetch)
    return jsonify({**built, "servers": [{"url": request.host_url.rstrip("/") + bp.url_prefix}]})


def _fetch(service: str) -> dict:
    answer = gateway().services[service].get("/openapi.json")
    if answer.status_code != 200:
        raise ServiceUnavailable(f"{service} answered {answer.status_code} for its OpenAPI document")
    return answer.json()


def build(app, fetch) -> dict:
    """The document of the app's /api/v1 routes; `fetch(service)` gives a service's own."""
    docs = {name: prefixed(fetch(name), name) for name in SERVICES}
    paths: dict = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not rule.rule.startswith(bp.url_prefix + "/") or (declaration(view) or ("",))[0] != API:
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule[len(bp.url_prefix):])
        for method in sorted(m.lower() for m in rule.methods if m.lower() in METHODS):
            paths.setdefault(path, {})[method] = operation(docs, path, method)
    components: dict = {"schemas": {"Problem": PROBLEM_SCHEMA}, "responses": {}, "securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer", "description": "An API key: `Bearer cpk_...`."},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}}
    for doc in docs.values():
        for kind in ("schemas", "responses"):
            components[kind].update(doc.get("components", {}).get(kind, {}))
    return {"openapi": "3.1.0", "info": {"title": "Customer Portal API", "version": "1"},
            "security": [{"bearer": []}, {"apiKey": []}], "paths": paths, "components": components}


def operation(docs: dict, path: str, method: str) -> dict:
    """The owning service's operation at `/orgs/{org_id}<path>`, as the gateway answers it."""
    owners = [doc for doc in docs.values() if method in doc["paths"].get("/orgs/{org_id}" + path, {})]
    if len(owners) != 1:
        raise ServiceUnavailable(f"{len(owners)} services document {method.upper()} /orgs/{{org_id}}{path}")
    item = owners[0]["paths"]["/orgs/{org_id}" + path]
    op = copy.deepcopy(item[method])
    params = [p for p in item.get("parameters", []) + op.get("parameters", []) if p.get("name") != "org_id"]
    if params:
        op["parameters"] = params
    if "requestBody" in op:
        _drop_filled_fields(op["requestBody"], owners[0])
    for status, description in GATEWAY_ANSWERS.items():
        if status != "415" or "requestBody" in op:
            op["responses"].setdefault(status, {"description": description, **PROBLEM})
    return op


def _drop_filled_fields(body: dict, doc: dict) -> None:
    """The fields the gateway sets are not the caller's to send: out of the body's schema."""
    for media in body.get("content", {}).values():
        schema = media.get("schema", {})
        ref = schema.get("$ref", "")
        if ref:
            schema = copy.deepcopy(doc["components"]["schemas"][ref.rsplit("/", 1)[1]])
        if not any(f in schema.get("properties", {}) for f in FILLED_BY_GATEWAY):
            continue
        for field in FILLED_BY_GATEWAY:
            schema.get("properties", {}).pop(field, None)
            if field in schema.get("required", []):
                schema["required"].remove(field)
        media["schema"] = schema


def prefixed(doc: dict, service: str) -> dict:
    """The document with its components renamed `<service>.<Name>` (and every $ref with them)."""
    def walk(node):
        if isinstance(node, dict):
            return {k: (_ref(v, service) if k == "$ref" and isinstance(v, str) else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node
    doc = walk(doc)
    for kind in ("schemas", "responses"):
        named = doc.get("components", {}).get(kind, {})
        doc.setdefault("components", {})[kind] = {f"{service}.{name}": value for name, value in named.items()}
    return doc


def _ref(ref: str, service: str) -> str:
    head, _, name = ref.rpartition("/")
    return f"{head}/{service}.{name}" if head.startswith("#/components/") else ref
