"""What every client of a service shares: one pooled keep-alive session per process
(`ServiceClient`), `ServiceApi`, which calls a service with the signed-in person's token,
answers JSON as plain data and turns every problem+json answer into a `ServiceProblem` the
views show as sentences, and every failure to reach a service (down, timeout, 5xx) into
`ServiceUnavailable`, shown as a friendly 503 page; and a short cache for answers that
change rarely (an org by host name) or that may be a few seconds stale by design (a
session resolved from its cookie)."""
from __future__ import annotations

import threading
import time
from urllib.parse import quote

import requests
from flask import g, has_request_context
from requests.adapters import HTTPAdapter


class ServiceClient:
    """One service's base URL over a pooled `requests.Session` (keep-alive between processes)."""

    def __init__(self, base_url: str, timeout: float = 3.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=64)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return self.session.request(method, self.base_url + path, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs) -> requests.Response:
        return self.request("PATCH", path, **kwargs)


class TTLCache:
    """A thread-safe dict whose entries live `ttl` seconds. Loaders run outside the lock
    (two threads may load the same key at once; the last answer wins, which is harmless)."""

    def __init__(self, ttl: float, max_items: int = 10_000):
        self.ttl = ttl
        self.max_items = max_items
        self._items: dict = {}
        self._lock = threading.Lock()

    def get(self, key, load):
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
        if hit and hit[0] > now:
            return hit[1]
        value = load()
        if self.ttl > 0:
            self.put(key, value)
        return value

    def peek(self, key):
        """The live value under `key`, or None (nothing is loaded)."""
        with self._lock:
            hit = self._items.get(key)
        return hit[1] if hit and hit[0] > time.monotonic() else None

    def put(self, key, value, ttl: float | None = None) -> None:
        """Keeps `value` for `ttl` seconds (default: the cache's own), never longer than the cache's."""
        now = time.monotonic()
        ttl = self.ttl if ttl is None else min(ttl, self.ttl)
        with self._lock:
            if len(self._items) >= self.max_items:
                self._items = {k: v for k, v in self._items.items() if v[0] > now}
                if len(self._items) >= self.max_items:
                    self._items.clear()
            self._items[key] = (now + ttl, value)

    def drop(self, key) -> None:
        with self._lock:
            self._items.pop(key, None)

    def drop_where(self, predicate) -> None:
        """Drops every entry whose value matches (e.g. all cached sessions of one person)."""
        with self._lock:
            self._items = {k: v for k, v in self._items.items() if not predicate(v[1])}


_PROBLEM_MEMBERS = {"type", "title", "status", "detail", "errors", "instance"}

FALLBACK_DETAIL = {
    400: "Something in the request was not right.",
    401: "Please sign in again.",
    403: "You are not allowed to do that.",
    404: "That could not be found.",
    409: "Someone changed this at the same time. Please try again.",
    422: "Please check what you entered.",
    429: "Too many attempts. Please wait a moment and try again.",
}


class ServiceUnavailable(Exception):
    """Identity could not be reached or failed on its side: a 503 page, never a 500."""


class ServiceProblem(Exception):
    """A 4xx answer: `detail` is a sentence for a person, `errors` maps a field name
    (dotted for nested ones, e.g. "address.city") to its messages, `extra` keeps the
    problem's extension members (`attempts_left`, `retry_after`, ...)."""

    def __init__(self, status: int, detail: str, errors: dict | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or {}
        self.extra = extra or {}

    @classmethod
    def from_response(cls, response: requests.Response) -> "ServiceProblem":
        try:
            body = response.json()
        except ValueError:
            body = {}
        return cls.from_body(response.status_code, body)

    @classmethod
    def from_body(cls, status: int, body) -> "ServiceProblem":
        """From a problem+json body (anything else reads as a problem without details)."""
        if not isinstance(body, dict):
            body = {}
        errors = _field_errors(body.get("errors"))
        detail = body.get("detail")
        if not isinstance(detail, str) or not detail.strip():
            detail = FALLBACK_DETAIL.get(status, FALLBACK_DETAIL[400])
        extra = {k: v for k, v in body.items() if k not in _PROBLEM_MEMBERS}
        return cls(status, detail, errors, extra)


def quietly(read):
    """A part of a page that may be left out: what `read()` answers, or None while its service
    cannot answer (the home pages still open without that part)."""
    try:
        return read()
    except (ServiceProblem, ServiceUnavailable):
        return None


def _field_errors(errors) -> dict[str, list[str]]:
    """`{"json": {"password": ["Too short."], "address": {"city": ["Missing."]}}}`
    -> `{"password": ["Too short."], "address.city": ["Missing."]}`."""
    flat: dict[str, list[str]] = {}

    def walk(node, prefix: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(node, list) and all(isinstance(m, str) for m in node):
            flat.setdefault(prefix or "_schema", []).extend(node)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{prefix}.{index}")
        elif node is not None:
            flat.setdefault(prefix or "_schema", []).append(str(node))

    if isinstance(errors, dict):
        for location, fields in errors.items():
            # webargs/smorest nest field errors under the request location ("json", "query" ...)
            if location in ("json", "form", "query", "path", "headers", "files") and isinstance(fields, dict):
                walk(fields, "")
            else:
                walk({location: fields}, "")
    return flat


def _id(value: str) -> str:
    return quote(str(value), safe="")


def _auth_headers() -> dict:
    """The signed-in person's internal token (identity signed it; services check it and take
    who acts from it). Before sign-in there is none: those calls are identity's public ones."""
    view = g.get("session_view") if has_request_context() else None
    token = (view or {}).get("internal_token")
    return {"Authorization": f"Bearer {token}"} if token else {}


def _deliberate(response: requests.Response) -> bool:
    """A 503 problem that names a `code` is a service's deliberate refusal with words for the
    person (services/chassis/errors.Unavailable), not a failure: shown like a 4xx."""
    if not response.headers.get("Content-Type", "").startswith("application/problem+json"):
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body.get("code")) and bool(body.get("detail"))


class ServiceApi:
    """Calls one service over the pooled `ServiceClient` with the signed-in person's token:
    JSON answers as plain data, problems as `ServiceProblem`, failures as `ServiceUnavailable`."""
    service = "a service"

    def __init__(self, http: ServiceClient):
        self.http = http

    def _send(self, method: str, path: str, body: dict | None = None, params: dict | None = None,
              timeout: float | None = None):
        extra = {"timeout": timeout} if timeout else {}
        try:
            response = self.http.request(method, path, json=body, params=params, headers=_auth_headers(), **extra)
        except requests.RequestException as exc:
            raise ServiceUnavailable(f"{self.service} unreachable: {exc.__class__.__name__}") from exc
        if response.status_code == 503 and _deliberate(response):
            raise ServiceProblem.from_response(response)    # e.g. "Online payment is not available ..."
        if response.status_code >= 500:
            raise ServiceUnavailable(f"{self.service} answered {response.status_code}")
        if response.status_code >= 400:
            raise ServiceProblem.from_response(response)
        return response

    def _stream(self, path: str, params: dict | None = None) -> requests.Response:
        """A GET whose answer (a file, a CSV export) is passed on chunk by chunk, never held
        whole: the caller reads `iter_content` and closes the response."""
        try:
            response = self.http.request("GET", path, params=params, headers=_auth_headers(), stream=True,
                                         timeout=(3.0, 30.0))
        except requests.RequestException as exc:
            raise ServiceUnavailable(f"{self.service} unreachable: {exc.__class__.__name__}") from exc
        if response.status_code >= 400:
            problem = ServiceProblem.from_response(response)
            response.close()
            if response.status_code >= 500 and response.status_code != 503:
                raise ServiceUnavailable(f"{self.service} answered {response.status_code}")
            raise problem
        return response

    def _call(self, method: str, path: str, body: dict | None = None, params: dict | None = None,
              timeout: float | None = None):
        response = self._send(method, path, body, params, timeout)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise ServiceUnavailable(f"{self.service} answered something that is not JSON") from exc
