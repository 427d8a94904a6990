"""What the stand-ins for payment providers' APIs (stripe_standin, paypal_standin) share: serving a
Flask app on a loopback port in a thread, and keeping, holding and posting signed webhook deliveries.

Each provider signs, stores and names its events its own way; a subclass says how through
`signed()` and `_events()`, and everything that only moves deliveries about lives here once.
"""
from __future__ import annotations

import argparse
import copy
import threading
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from werkzeug.serving import WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    """No access log: the stand-ins run inside test output and `make up`, where it is only noise."""

    def log_request(self, *args, **kwargs):
        pass


def with_query(url: str, **params) -> str:
    """The URL with params added to whatever query it already has (return URLs often carry one)."""
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def html_page(title: str, main: str) -> str:
    """A whole page around the (already escaped) title and main content: the hosted checkout and
    approval pages a browser test clicks through."""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>'
            f'<main>{main}</main></body></html>')


def action_form(*buttons: tuple[str, str]) -> str:
    """A form that posts `action=<value>` with one button a (value, label)."""
    return ('<form method="post">'
            + " ".join(f'<button name="action" value="{value}">{label}</button>' for value, label in buttons)
            + '</form>')


@dataclass
class Delivery:
    """One signed webhook delivery: what was (or, while held, will be) posted."""
    event_id: str
    type: str
    body: bytes
    headers: dict
    status: int | None = None          # the receiver's answer; None while held or without a URL
    error: str | None = None
    claimed: bool = False              # taken by a thread that posts it


class StandIn:
    """A provider's API on a free loopback port (`port=0`): `.start()` or a `with` block runs it in
    a daemon thread, `.url` is its base. Events go to `webhook_url`; with `hold` set they wait for
    `release()`, so a test can deliver them late or out of order."""

    name = "provider"                  # for the thread and the CLI's first line
    type_field = "type"                # the event's field that names its type

    def __init__(self, webhook_url: str | None, host: str, port: int):
        self.webhook_url = webhook_url
        self.deliveries: list[Delivery] = []
        self.hold = False                      # True: deliveries wait for release()
        self._lock = threading.RLock()
        self._app = self._build_app()
        self._server = make_server(host, port, self._app, threaded=True, request_handler=QuietHandler)
        self._thread: threading.Thread | None = None

    # --- what a subclass provides ----------------------------------------------------------

    def _build_app(self):
        raise NotImplementedError

    def _events(self) -> dict:
        """The events made so far, by id, in the order they were made."""
        raise NotImplementedError

    def signed(self, event_id: str, *, stale: bool = False, forged: bool = False) -> tuple[bytes, dict]:
        """The body and headers of a new delivery of the event, signed as the provider does."""
        raise NotImplementedError

    # --- lifecycle ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name=f"{self.name}-standin")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def serve(self) -> None:
        """Serve in the foreground until Ctrl-C, as `make up` runs it; the first line says where."""
        print(f"{self.name} stand-in on {self.url} (webhooks to {self.webhook_url or 'nowhere'})", flush=True)
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass

    # --- deliveries ----------------------------------------------------------------------

    def events_of(self, type_: str) -> list[dict]:
        with self._lock:
            return [copy.deepcopy(e) for e in self._events().values() if e[self.type_field] == type_]

    def last_event(self, type_: str) -> dict:
        found = self.events_of(type_)
        assert found, f"no {type_} event was sent"
        return found[-1]

    def delivery(self, event_id: str) -> Delivery:
        return next(d for d in self.deliveries if d.event_id == event_id)

    def deliveries_of(self, type_: str) -> list[Delivery]:
        return [d for d in self.deliveries if d.type == type_]

    def send(self, event_id: str, *, stale: bool = False, forged: bool = False) -> Delivery:
        """Deliver an event (again): a fresh signature, as the providers' retries carry."""
        delivery = self._queue(event_id, claimed=True, stale=stale, forged=forged)
        self._post(delivery)
        return delivery

    def release(self, order: str = "sent") -> list[Delivery]:
        """Stop holding; post every held delivery in the order they were made ("sent") or "reversed"."""
        self.hold = False
        held = self._take_pending()
        for delivery in (list(reversed(held)) if order == "reversed" else held):
            self._post(delivery)
        return held

    def _record(self, event: dict) -> str:
        """Keep a new event and queue its delivery; _flush() posts it once the caller has let go of
        the lock, because the receiver may call back in."""
        with self._lock:
            self._events()[event["id"]] = event
            self._queue(event["id"])
        return event["id"]

    def _queue(self, event_id: str, claimed: bool = False, **signing) -> Delivery:
        body, headers = self.signed(event_id, **signing)
        with self._lock:
            delivery = Delivery(event_id, self._events()[event_id][self.type_field], body, headers,
                                claimed=claimed)
            self.deliveries.append(delivery)
        return delivery

    def _take_pending(self) -> list[Delivery]:
        with self._lock:
            pending = [d for d in self.deliveries if not d.claimed]
            for delivery in pending:
                delivery.claimed = True
            return pending

    def _flush(self) -> None:
        """Post what was recorded, unless held; called with the lock let go."""
        if self.hold or not self.webhook_url:
            return
        for delivery in self._take_pending():
            self._post(delivery)

    def _post(self, delivery: Delivery) -> None:
        if not self.webhook_url:
            return
        try:
            answer = requests.post(self.webhook_url, data=delivery.body, headers=delivery.headers, timeout=30)
            delivery.status = answer.status_code
        except requests.RequestException as exc:
            delivery.error = str(exc)


def cli_parser(what: str, port: int) -> argparse.ArgumentParser:
    """The arguments every stand-in takes when run alone; the caller adds its credentials. Each
    argument's dest is the constructor's parameter, so `Cls(**vars(args))` makes the stand-in."""
    parser = argparse.ArgumentParser(description=f"A local stand-in for {what} (tests, make up).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--webhook-url", default=None, help="where signed webhook events are posted")
    return parser


def fixture(cls, name: str):
    """A pytest fixture `name` that yields a running `cls()` on a free loopback port (set
    `.webhook_url` to have events posted); None without pytest, which `make up` does not need."""
    try:
        import pytest
    except ImportError:                # pragma: no cover
        return None

    @pytest.fixture(name=name)
    def running():
        with cls() as standin:
            yield standin
    return running
