"""HTTP clients to the services: one pooled keep-alive session per process, and a
short cache for answers that change rarely (an org by host name) or that may be
a few seconds stale by design (a session resolved from its cookie)."""
from __future__ import annotations

import threading
import time

import requests
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
