"""The fake identity with API keys (services/identity/API.md, "API keys"), and identity's side of
what /api/v1 forwards: an HTTP answer (mounted under the gateway's real `ServiceClient`) that
checks the key's internal token as services/chassis/auth.py does and then runs the fake's own
customer and contact routes. Problems keep their exact problem+json body, so a test can see
that the gateway passes them through unchanged."""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
import uuid
from urllib.parse import urlsplit

import requests

from gateway.clients.base import ServiceProblem
from tests.helpers.tokens import bearer
from tests.integration.gateway.fake_identity import FakeIdentity
from tests.integration.gateway.http_stub import RecordingAdapter

SCOPES = ("customers", "invoices", "payments", "credit_notes", "sales_orders", "deliveries", "service_requests",
          "projects", "timesheets", "tickets", "documents", "quotes", "reviews")
NOT_VALID = "This API key is not valid."
# identity's routes whose callers include kind api_key with module "customers"
FOR_KEYS = [("GET", r"/orgs/[^/]+/customers"), ("POST", r"/orgs/[^/]+/customers"),
            ("GET", r"/orgs/[^/]+/customers/[^/]+"), ("PUT", r"/orgs/[^/]+/customers/[^/]+"),
            ("GET", r"/orgs/[^/]+/customers/[^/]+/contacts"),
            ("POST", r"/orgs/[^/]+/customers/[^/]+/contacts"), ("GET", r"/orgs/[^/]+/contacts/[^/]+"),
            ("POST", r"/orgs/[^/]+/contacts/[^/]+/invitations")]


class FakeApiKeys(FakeIdentity):
    def __init__(self):
        super().__init__()
        self.api_keys: dict[str, dict] = {}          # key id -> what identity stores (a hash, never the key)
        self.tokens: dict[str, tuple[str, float]] = {}   # internal token -> (key id, expires at)
        self.exchanges = 0
        self.token_ttl = 120                         # identity's TOKEN_TTL_S
        org = r"/orgs/(?P<org>[^/]+)"
        self.routes += [
            ("POST", org + "/api-keys", self._create_key),
            ("GET", org + "/api-keys", self._list_keys),
            ("POST", org + "/api-keys/exchange", self._exchange),
            ("POST", org + "/api-keys/(?P<id>[^/]+)/revoke", self._revoke_key),
        ]

    @staticmethod
    def problem(status: int, detail: str, errors: dict | None = None, **extra):
        body = {"type": "about:blank", "title": "Problem", "status": status, "detail": detail, **extra}
        if errors:
            body["errors"] = errors
        error = ServiceProblem.from_body(status, body)
        error.body = body
        raise error

    # -- seeding -------------------------------------------------------------------------------
    def add_key(self, org: dict, name: str = "ERP sync", scopes=("customers",)) -> str:
        """A live key of `org`; answers the key itself."""
        return self._create_key({"name": name, "scopes": list(scopes)}, org["org_id"])["key"]

    def key_of(self, org: dict) -> str:
        """The id of a key of `org` (made on first use)."""
        found = [k for k in self.api_keys.values() if k["org_id"] == org["org_id"]]
        if not found:
            self.add_key(org)
            found = [k for k in self.api_keys.values() if k["org_id"] == org["org_id"]]
        return found[0]["key_id"]

    def revoke(self, key: str) -> None:
        """Revoked at identity (by another gateway process, say)."""
        self._by_key(key)["revoked_at"] = time.time()

    def _by_key(self, key: str) -> dict:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return next(k for k in self.api_keys.values() if k["secret_hash"] == digest)

    @staticmethod
    def _listing(row: dict) -> dict:
        return {k: row[k] for k in ("key_id", "name", "prefix", "scopes", "created_at", "last_used_at",
                                    "revoked_at")} | {"active": row["revoked_at"] is None}

    # -- API.md: API keys ----------------------------------------------------------------------
    def _create_key(self, body, org):
        self._org(org)
        unknown = set(body.get("scopes") or []) - set(SCOPES)
        if not body.get("scopes") or unknown:
            self.problem(422, "Choose what the key may reach.", {"json": {"scopes": ["Not a scope."]}})
        key = "cpk_" + secrets.token_urlsafe(32)
        row = {"key_id": str(uuid.uuid4()), "org_id": org, "name": body["name"].strip(), "prefix": key[:12],
               "secret_hash": hashlib.sha256(key.encode()).hexdigest(),
               "scopes": [s for s in SCOPES if s in body["scopes"]], "created_at": time.time(),
               "last_used_at": None, "revoked_at": None}
        self.api_keys[row["key_id"]] = row
        return {**self._listing(row), "key": key}

    def _list_keys(self, body, org):
        self._org(org)
        rows = sorted((k for k in self.api_keys.values() if k["org_id"] == org), key=lambda k: -k["created_at"])
        return [self._listing(k) for k in rows]

    def _revoke_key(self, body, org, id):
        row = self.api_keys.get(id)
        if row is None or row["org_id"] != org:
            self.problem(404, "No such API key.")
        row["revoked_at"] = row["revoked_at"] or time.time()
        return self._listing(row)

    def _exchange(self, body, org):
        self.exchanges += 1
        digest = hashlib.sha256((body.get("key") or "").encode()).hexdigest()
        row = next((k for k in self.api_keys.values() if k["secret_hash"] == digest), None)
        if row is None or row["org_id"] != org or row["revoked_at"] is not None:
            self.problem(401, NOT_VALID)
        row["last_used_at"] = time.time()
        token = "fake-internal-" + secrets.token_urlsafe(16)
        self.tokens[token] = (row["key_id"], time.time() + self.token_ttl)
        return {"internal_token": token, "key_id": row["key_id"], "name": row["name"],
                "scopes": list(row["scopes"]), "expires_in": self.token_ttl}

    # -- identity over HTTP, for what /api/v1 forwards -------------------------------------------
    def serve(self, app) -> RecordingAdapter:
        """Answers the gateway app's HTTP calls to identity (its forwarding) from this fake."""
        self.adapter = RecordingAdapter(self.answer)
        app.extensions["gateway"].services["identity"].session.mount("http://", self.adapter)
        return self.adapter

    def answer(self, request: requests.PreparedRequest):
        if self.down:
            raise requests.ConnectionError("connection refused")
        path = urlsplit(request.url).path
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        key_id, expires = self.tokens.get(token, (None, 0.0))
        try:
            if key_id is None or expires < time.time():
                self.problem(401, "The internal token is not valid.")
            key = self.api_keys[key_id]
            if not any(m == request.method and re.fullmatch(p, path) for m, p in FOR_KEYS):
                self.problem(403, "Your kind of account may not do this.")
            if path.split("/")[2] != key["org_id"]:
                self.problem(404, "Not found.")
            if "customers" not in key["scopes"]:
                self.problem(403, "This API key is not allowed to use customers.")
            body = json.loads(request.body) if request.body else None
            result = self._call(request.method, path, body)
        except ServiceProblem as problem:
            return problem.status, problem.body, "application/problem+json"
        status = 200 if request.method in ("GET", "PUT") else 202 if path.endswith("/invitations") else 201
        return status, result, "application/json"


class SigningApiKeys(FakeApiKeys):
    """The fake's key exchange, answering an internal token signed as identity signs one, so
    that the real billing behind the gateway takes it."""

    def _exchange(self, body, org):
        grant = super()._exchange(body, org)
        signed = bearer("api_key", org, id=grant["key_id"], modules=tuple(grant["scopes"]), ttl_s=3600)
        return {**grant, "internal_token": signed["Authorization"].removeprefix("Bearer ")}
