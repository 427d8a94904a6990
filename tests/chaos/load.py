"""The steady load of the chaos run: people using the portal through the gateway over HTTP.

- PortalUser: the demo contact in a browser of its own (requests.Session: the gateway's real
  sign-in form, its session cookie and its CSRF tokens). Browses pages, pays an unpaid invoice
  by card (the simulated gateway settles it at once), raises tickets and posts ticket messages.
- LinkPayer: a payer without an account: opens an invoice's payment link (/pay/<token>) on the
  second org's host, pays at the Stripe stand-in's hosted page, comes back through the return
  URL; Stripe's signed webhook then settles the payment (POST /webhooks/stripe on the gateway).
- WebhookRetrier: what Stripe does with a delivery that got no 2xx: it sends it again later.

Every request the stack accepted is written in the Ledger (the payment's id, the ticket's id,
the message's id and its unique text). A request refused, or one whose answer never came
(the gateway killed under it), is counted but not expected to have happened; a payment whose
answer never came is tried again later, which the invoice's guard must turn into a refusal
if the first try did take.
"""
from __future__ import annotations

import html
import random
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import requests

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REFRESH = re.compile(r'http-equiv="refresh" content="0;url=([^"]+)"')
TIMEOUT = 10


@dataclass
class Ledger:
    """What the stack accepted, and how every operation went."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    payments: dict = field(default_factory=dict)         # payment_id -> {"invoice_id", "via"}
    messages: dict = field(default_factory=dict)         # unique text -> message_id
    unsure_messages: set = field(default_factory=set)    # sent, answer lost: at most once
    tickets: dict = field(default_factory=dict)          # ticket_id -> subject
    unsure_tickets: set = field(default_factory=set)     # subjects sent, answer lost
    paid_at_provider: set = field(default_factory=set)   # link payments the payer finished at Stripe
    operations: Counter = field(default_factory=Counter)  # (kind, outcome) -> n

    def count(self, kind: str, outcome: str) -> None:
        with self.lock:
            self.operations[(kind, outcome)] += 1

    def total(self) -> int:
        return sum(self.operations.values())

    def accepted(self) -> int:
        return sum(n for (_, outcome), n in self.operations.items() if outcome == "accepted")


class Invoices:
    """Unpaid invoices waiting to be paid; one whose payment's answer was lost comes back later."""

    def __init__(self, ids: list[str]):
        self._todo = list(ids)
        self._again: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def take(self) -> str | None:
        with self._lock:
            now = time.monotonic()
            for i, (due, invoice) in enumerate(self._again):
                if due <= now:
                    del self._again[i]
                    return invoice
            return self._todo.pop(0) if self._todo else None

    def again(self, invoice_id: str, after_s: float = 5) -> None:
        with self._lock:
            self._again.append((time.monotonic() + after_s, invoice_id))


class Client(threading.Thread):
    def __init__(self, name: str, base: str, ledger: Ledger, stop: threading.Event):
        super().__init__(name=name, daemon=True)
        self.base, self.ledger, self.stop_event = base, ledger, stop
        self.http = requests.Session()

    def csrf(self, path: str) -> str | None:
        """The form's CSRF token from the page, as a browser has it; None when the page did not
        answer with its form (`self.page_status` says how it answered)."""
        page = self.http.get(self.base + path, timeout=TIMEOUT)
        self.page_status = page.status_code
        found = CSRF.search(page.text) if page.status_code == 200 else None
        return html.unescape(found.group(1)) if found else None

    def no_form(self, kind: str) -> None:
        self.ledger.count(kind, f"form page {self.page_status}")

    def pause(self) -> None:
        self.stop_event.wait(random.uniform(0.05, 0.25))

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.step()
            except requests.RequestException as exc:     # the gateway down or slow: try again later
                self.ledger.count("no answer", type(exc).__name__)
                self.stop_event.wait(0.5)
            self.pause()

    def step(self) -> None:
        raise NotImplementedError


class PortalUser(Client):
    PAGES = ("/", "/invoices", "/payments", "/tickets")

    def __init__(self, n: int, base: str, login: tuple[str, str], invoices: Invoices, ledger: Ledger,
                 stop: threading.Event):
        super().__init__(f"portal-user-{n}", base, ledger, stop)
        self.n, self.login, self.invoices = n, login, invoices
        self.signed_in = False
        self.my_tickets: list[str] = []

    def sign_in(self) -> bool:
        self.http = requests.Session()
        token = self.csrf("/signin")
        if not token:
            return False
        answer = self.http.post(self.base + "/signin", timeout=TIMEOUT, allow_redirects=False,
                                data={"email": self.login[0], "password": self.login[1], "csrf_token": token})
        self.signed_in = answer.status_code == 302 and "/signin" not in answer.headers.get("Location", "")
        self.ledger.count("sign-in", "accepted" if self.signed_in else "refused")
        return self.signed_in

    def signed_out(self, answer: requests.Response) -> bool:
        if answer.status_code in (302, 303) and "/signin" in answer.headers.get("Location", ""):
            self.signed_in = False
            return True
        return False

    def step(self) -> None:
        if not self.signed_in and not self.sign_in():
            self.stop_event.wait(0.5)
            return
        roll = random.random()
        if len(self.my_tickets) < 2 or roll < 0.04:
            self.raise_ticket()
        elif roll < 0.40:
            self.browse()
        elif roll < 0.70:
            self.pay()
        else:
            self.post_message()

    def browse(self) -> None:
        answer = self.http.get(self.base + random.choice(self.PAGES), timeout=TIMEOUT, allow_redirects=False)
        if self.signed_out(answer):
            return
        self.ledger.count("page", "accepted" if answer.status_code == 200 else f"status {answer.status_code}")

    def pay(self) -> None:
        invoice = self.invoices.take()
        if invoice is None:
            return self.browse()
        token = self.csrf(f"/invoices/{invoice}")
        if token is None:
            self.invoices.again(invoice, 1)
            return self.no_form("payment")
        try:
            answer = self.http.post(self.base + f"/invoices/{invoice}/pay", timeout=TIMEOUT, allow_redirects=False,
                                    data={"csrf_token": token, "method": "card"})
        except requests.RequestException:
            self.invoices.again(invoice)                       # did it take? the guard will say
            self.ledger.count("payment", "answer lost")
            raise
        where = answer.headers.get("Location", "")
        found = re.search(r"/payments/([A-Za-z0-9_-]+)$", where.split("?")[0])
        if answer.status_code in (302, 303) and found:
            with self.ledger.lock:
                self.ledger.payments[found.group(1)] = {"invoice_id": invoice, "via": "portal"}
            self.ledger.count("payment", "accepted")
        elif self.signed_out(answer):
            self.invoices.again(invoice, 0)
        elif answer.status_code >= 500:
            self.invoices.again(invoice)
            self.ledger.count("payment", f"status {answer.status_code}")
        else:                                                  # refused (e.g. "already paid"): done
            self.ledger.count("payment", "refused")

    def raise_ticket(self) -> None:
        token = self.csrf("/tickets/new")
        if token is None:
            return self.no_form("ticket")
        subject = f"chaos {self.n} {uuid.uuid4().hex[:10]}"
        answer = self.send("ticket", "/tickets/new", self.ledger.unsure_tickets, subject, data={
            "csrf_token": token, "subject": subject, "priority": "normal", "category": "",
            "description": "Raised by the chaos run while faults happen."})
        found = re.search(r"/tickets/([A-Za-z0-9_-]+)$", answer.headers.get("Location", "").split("#")[0])
        if answer.status_code in (302, 303) and found and found.group(1) != "new":
            with self.ledger.lock:
                self.ledger.tickets[found.group(1)] = subject
            self.my_tickets.append(found.group(1))
            self.ledger.count("ticket", "accepted")
        else:
            self.not_accepted("ticket", answer, self.ledger.unsure_tickets, subject)

    def send(self, kind: str, path: str, unsure: set, marker: str, **request) -> requests.Response:
        """A POST that makes something without an idempotency key: when its answer never comes,
        `marker` goes to `unsure` (it may exist, at most once) and is not sent again."""
        try:
            return self.http.post(self.base + path, timeout=TIMEOUT, allow_redirects=False, **request)
        except requests.RequestException:
            with self.ledger.lock:
                unsure.add(marker)
            self.ledger.count(kind, "answer lost")
            raise

    def not_accepted(self, kind: str, answer: requests.Response, unsure: set, marker: str) -> None:
        if self.signed_out(answer):
            return
        if answer.status_code >= 500:                           # it may have happened before the error
            with self.ledger.lock:
                unsure.add(marker)
        self.ledger.count(kind, f"status {answer.status_code}")

    def post_message(self) -> None:
        ticket = random.choice(self.my_tickets)
        token = self.csrf(f"/tickets/{ticket}")
        if token is None:
            return self.no_form("message")
        text = f"chaos message {uuid.uuid4().hex}"
        answer = self.send("message", f"/tickets/{ticket}/messages", self.ledger.unsure_messages, text,
                           headers={"X-Requested-With": "fetch"}, data={"csrf_token": token, "body": text})
        message = answer.json().get("message") if answer.status_code == 200 and answer.headers.get(
            "Content-Type", "").startswith("application/json") else None
        if message:
            with self.ledger.lock:
                self.ledger.messages[text] = message["message_id"]
            self.ledger.count("message", "accepted")
        else:
            self.not_accepted("message", answer, self.ledger.unsure_messages, text)


class LinkPayer(Client):
    """Pays the second org's invoices through their payment links, at the Stripe stand-in."""

    def __init__(self, base: str, links: list[tuple[str, str]], standin, ledger: Ledger,
                 stop: threading.Event, pace_s: float = 1.0):
        super().__init__("link-payer", base, ledger, stop)
        self.links, self.standin = list(links), standin        # (invoice_id, /pay/<token>)
        self.again: list[tuple[str, str]] = []
        self.pace_s, self.next_at = pace_s, 0.0                # one payment every pace_s: all through the run

    def pause(self) -> None:
        self.stop_event.wait(max(0.05, self.next_at - time.monotonic()))

    def step(self) -> None:
        if not self.links and not self.again:
            self.stop_event.wait(0.5)
            return
        invoice, path = (self.again or self.links).pop(0)
        self.next_at = time.monotonic() + self.pace_s
        self.http = requests.Session()                          # a new payer each time
        token = self.csrf(path)
        if token is None:
            self.again.append((invoice, path))
            return self.no_form("link payment")
        try:
            answer = self.http.post(self.base + path, timeout=TIMEOUT, allow_redirects=False,
                                    data={"csrf_token": token, "method": "card", "email": "payer@chaos.example",
                                          "name": "Chaos Payer"})
        except requests.RequestException:
            self.again.append((invoice, path))
            self.ledger.count("link payment", "answer lost")
            raise
        found = REFRESH.search(answer.text) if answer.status_code == 200 else None
        if not found:
            if answer.status_code >= 500:
                self.again.append((invoice, path))
            self.ledger.count("link payment", f"refused ({answer.status_code})" if answer.status_code < 500
                              else f"status {answer.status_code}")
            return
        url = html.unescape(found.group(1))
        session_id, payment_id = self.session_for(url)
        with self.ledger.lock:
            self.ledger.payments[payment_id] = {"invoice_id": invoice, "via": "link"}
        self.ledger.count("link payment", "accepted")
        paid = self.standin.customer_acts(session_id, "pay")     # the card is charged at Stripe
        if paid.status_code in (302, 303):
            with self.ledger.lock:
                self.ledger.paid_at_provider.add(payment_id)
            back = paid.headers["Location"]                      # the payer's browser comes back
            try:
                self.http.get(back, timeout=TIMEOUT)
            except requests.RequestException:
                pass

    def session_for(self, url: str) -> tuple[str, str]:
        with self.standin._lock:
            for session_id, session in self.standin.state.sessions.items():
                if session.get("url") == url:
                    return session_id, session.get("client_reference_id") or session["metadata"]["payment_id"]
        raise RuntimeError(f"no Stripe session at {url}")


class WebhookRetrier(threading.Thread):
    """Stripe sends a delivery again until it gets a 2xx (for three days): here every 2 s."""

    def __init__(self, standin, stop: threading.Event):
        super().__init__(name="webhook-retrier", daemon=True)
        self.standin, self.stop_event = standin, stop
        self.resent = 0

    def undelivered(self) -> list[str]:
        with self.standin._lock:
            by_event: dict[str, list] = {}
            for delivery in self.standin.deliveries:
                by_event.setdefault(delivery.event_id, []).append(delivery)
        waiting = []
        for event_id, tries in by_event.items():
            if any(d.status is not None and 200 <= d.status < 300 for d in tries):
                continue
            if any(d.status is None and d.error is None for d in tries):
                continue                                        # a delivery still on its way
            waiting.append(event_id)
        return waiting

    def run(self) -> None:
        while not self.stop_event.wait(2):
            self.send_waiting()

    def send_waiting(self) -> int:
        waiting = self.undelivered()
        for event_id in waiting:
            self.standin.send(event_id)
            self.resent += 1
        return len(waiting)
