"""The org's logo for billing's PDFs, from identity's public GET /orgs/{org}/logo.

Billing's copy of the org (services/chassis/orgs.py) names the logo by its digest
(`settings.logo`), so a logo is fetched once per process and version and kept: a new logo
has a new digest, hence a new key, and an old one is only ever evicted, never stale. A
failed fetch (identity down or slow, 404, not an image) is remembered for a short while, so
a burst of downloads while identity is down waits at most once per org on the timeout.

A PDF never fails because of its logo: every failure here answers None and the document is
rendered without one. Only PNG and JPEG are answered (what the PDF embeds); a WebP logo,
which identity also accepts, is left out. identity's address is the chassis setting
SERVICE_URL_IDENTITY (Config.service_urls["identity"]); bootstrap builds one IdentityLogos per
process into rt.ports["logos"].
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)

TIMEOUT_S = (1.0, 2.0)                 # connect, read: a download waits no longer for a logo
MAX_BYTES = 512 * 1024                 # identity accepts at most 256 KB
FAILURE_TTL_S = 30.0
MAX_ITEMS = 256
SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def embeddable(data: bytes | None) -> bool:
    return bool(data) and any(data.startswith(s) for s in SIGNATURES)


class IdentityLogos:
    """Logos fetched from one identity, cached by (org, logo digest)."""

    def __init__(self, base_url: str, timeout=TIMEOUT_S, failure_ttl_s: float = FAILURE_TTL_S,
                 max_items: int = MAX_ITEMS):
        self.base_url = base_url.rstrip("/")
        self.timeout, self.failure_ttl_s, self.max_items = timeout, failure_ttl_s, max_items
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(pool_maxsize=4))
        self.session.mount("https://", HTTPAdapter(pool_maxsize=4))
        self._cache: OrderedDict[tuple[str, str], tuple[bytes | None, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, org_id: str, digest: str | None) -> bytes | None:
        """The logo's bytes (PNG or JPEG), or None: no logo set, not embeddable, or unreachable."""
        if not digest:
            return None
        key = (org_id, digest)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                data, expires = found
                if data is not None or time.monotonic() < expires:
                    self._cache.move_to_end(key)
                    return data
        data = self._fetch(org_id)
        with self._lock:
            self._cache[key] = (data, time.monotonic() + self.failure_ttl_s)
            self._cache.move_to_end(key)
            while len(self._cache) > self.max_items:
                self._cache.popitem(last=False)
        return data

    def _fetch(self, org_id: str) -> bytes | None:
        url = f"{self.base_url}/orgs/{quote(org_id, safe='')}/logo"
        try:
            with self.session.get(url, timeout=self.timeout, stream=True) as answer:
                if answer.status_code != 200:
                    log.info("no logo for org %s: identity answered %s", org_id, answer.status_code)
                    return None
                data = answer.raw.read(MAX_BYTES + 1, decode_content=True)
        except (requests.RequestException, OSError) as exc:
            log.warning("logo of org %s not fetched (%s): the PDF goes without it", org_id, type(exc).__name__)
            return None
        if len(data) > MAX_BYTES or not embeddable(data):
            log.info("logo of org %s is not a PNG or JPEG of at most %d bytes: left out", org_id, MAX_BYTES)
            return None
        return data
