"""Signed HTTP deliveries to internal systems' webhooks.

Each delivery carries `Portal-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>" with the endpoint's secret>` (the scheme Stripe documents), plus
`Portal-Delivery-Id` (the same on every retry: receivers dedupe on it) and
`Portal-Event-Id`/`Portal-Event-Type`. Receivers check the HMAC and reject a
timestamp older than a few minutes (replay).

A staff member chooses the URL, so the request must not reach the portal's own network:
requests-hardened resolves the host and refuses private, loopback, link-local and other
non-public addresses at connect time, on the address it then connects to (a DNS answer
that changes between a check and the connection gains nothing); redirects are not
followed. `allow_private` lifts that for `make up` and tests, where receivers run on this
machine. What an attempt records is a fixed sentence per kind of failure, never the
library's text (which would map the internal network for whoever reads the log)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import requests
from requests_hardened import Config, Manager
from requests_hardened.ip_filter import InvalidIPAddress

SIGNATURE_HEADER = "Portal-Signature"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a receiver does: a matching v1 over the raw body, and a fresh timestamp."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        t = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - t) > tolerance:
        return False
    expected = sign(secret, body, t).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str
    duration_ms: int


ERRORS = (   # what an attempt records, by the kind of failure (the first that matches)
    (InvalidIPAddress, "Refused: the address is not a public one."),
    (requests.exceptions.SSLError, "The endpoint's TLS certificate was not accepted."),
    (requests.exceptions.Timeout, "No answer in time."),
    (requests.exceptions.ConnectionError, "Could not connect to the endpoint."),
    (requests.exceptions.RequestException, "The request failed."),
)


def sanitized(exc: Exception) -> str:
    return next(text for kind, text in ERRORS if isinstance(exc, kind))


class WebhookSender:
    def __init__(self, timeout: float = 10.0, allow_private: bool = False):
        self.timeout = timeout
        self.session = Manager(Config(ip_filter_enable=not allow_private, ip_filter_allow_loopback_ips=False,
                                      never_redirect=True, default_timeout=(min(timeout, 5.0), timeout))
                               ).get_session()

    def send(self, url: str, secret: str, body: bytes, delivery_id: str, event_id: str,
             event_type: str) -> Outcome:
        headers = {"Content-Type": "application/json", "User-Agent": "CustomerPortal-Webhooks/1",
                   SIGNATURE_HEADER: sign(secret, body), "Portal-Delivery-Id": delivery_id,
                   "Portal-Event-Id": event_id, "Portal-Event-Type": event_type}
        started = time.perf_counter()
        try:
            response = self.session.post(url, data=body, headers=headers, timeout=self.timeout,
                                         allow_redirects=False)
        except requests.RequestException as exc:
            return Outcome(False, None, sanitized(exc), int((time.perf_counter() - started) * 1000))
        ms = int((time.perf_counter() - started) * 1000)
        ok = 200 <= response.status_code < 300
        return Outcome(ok, response.status_code, "" if ok else f"HTTP {response.status_code}", ms)
