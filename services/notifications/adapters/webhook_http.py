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
machine. What an attempt records is a plain sentence per kind of failure ("Could not find
the host hooks.example.com.", "The endpoint did not answer within 10 s.", "The endpoint
answered 500."), never the library's text (unreadable, and it would map the internal
network for whoever reads the log)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests_hardened import Config, Manager
from requests_hardened.ip_filter import InvalidIPAddress
from urllib3.exceptions import NameResolutionError

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


def failure_sentence(exc: Exception, url: str, timeout: float) -> str:
    """What an attempt that raised records: a plain sentence a person at the console can act
    on, by the kind of failure (found anywhere in the exception's chain: requests wraps
    urllib3, which wraps the socket's error). It names at most the URL's own host, which
    staff typed; never an address it resolved to, nor the library's text."""
    host = urlsplit(url).hostname or "the endpoint"
    chain = list(_causes(exc))
    if _any(chain, InvalidIPAddress):
        return f"Refused: {host} does not lead to a public address."
    if _any(chain, socket.gaierror, NameResolutionError):
        return f"Could not find the host {host}."
    if _any(chain, requests.exceptions.SSLError, ssl.SSLError):
        return f"The TLS certificate of {host} is not valid."
    if _any(chain, requests.exceptions.Timeout, socket.timeout):
        return f"The endpoint did not answer within {timeout:g} s."
    if _any(chain, ConnectionRefusedError):
        return f"{host} refused the connection."
    if _any(chain, requests.exceptions.ConnectionError, ConnectionError):
        return f"Could not connect to {host}."
    return "The request could not be sent."


def status_sentence(status_code: int) -> str:
    """What an answer outside 2xx records."""
    if 300 <= status_code < 400:
        return f"The endpoint answered {status_code}, a redirect (redirects are not followed)."
    return f"The endpoint answered {status_code}."


def _causes(exc: BaseException | None, seen: set | None = None):
    """The exception, what caused it, and what requests and urllib3 keep inside theirs
    (`args[0]` of requests' errors, `reason` of urllib3's MaxRetryError)."""
    seen = set() if seen is None else seen
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        for inner in (getattr(exc, "reason", None), *(exc.args[:1] if exc.args else ())):
            if isinstance(inner, BaseException):
                yield from _causes(inner, seen)
        exc = exc.__cause__ or exc.__context__


def _any(chain: list, *kinds) -> bool:
    return any(isinstance(e, kinds) for e in chain)


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
            return Outcome(False, None, failure_sentence(exc, url, self.timeout),
                           int((time.perf_counter() - started) * 1000))
        ms = int((time.perf_counter() - started) * 1000)
        ok = 200 <= response.status_code < 300
        return Outcome(ok, response.status_code, "" if ok else status_sentence(response.status_code), ms)
