"""HTTP clients to the services: one pooled keep-alive session per process, and a
short cache for answers that change rarely (an org by host name)."""
from __future__ import annotations

import threading
import time

import requests
from requests.adapters import HTTPAdapter


class ServiceClient:
    def __init__(self, base_url: str, timeout: float = 3.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=64))

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=self.timeout, **kwargs)


class TTLCache:
    def __init__(self, ttl: float):
        self.ttl = ttl
        self._items: dict = {}
        self._lock = threading.Lock()

    def get(self, key, load):
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
        if hit and hit[0] > now:
            return hit[1]
        value = load()
        with self._lock:
            self._items[key] = (now + self.ttl, value)
        return value
