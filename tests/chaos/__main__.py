"""`make chaos`: the suite under a steady load of portal use while its parts fail (issue 14).

One run: make up's stack (tests/chaos/stack.py: every process under our own supervisor,
identity, billing, support and notifications on a private PostgreSQL), a second org whose
invoices are paid through payment links at a Stripe stand-in (signed webhooks in), and the
load of tests/chaos/load.py. While the load runs, one fault after another:

  1. the broker frozen (SIGSTOP) for 10 s, then SIGCONT;
  2. billing's worker SIGKILLed (the supervisor starts it again);
  3. PostgreSQL restarted (pg_ctl restart -m fast: every connection cut);
  4. the gateway SIGKILLed (master and workers), then started again.

After each fault the portal must answer a signed-in page again within RECOVERY_BOUND_S;
after the load the stack must settle (everything published, consumed, mailed) within
QUIET_BOUND_S; then tests/chaos/check.py reads every effect back. Exit 1 when anything
accepted is lost or doubled, a dead-letter topic holds anything, or a bound is broken.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

from services.chassis import auth
from tests.chaos import check
from tests.chaos.load import Invoices, Ledger, LinkPayer, PortalUser, WebhookRetrier
from tests.chaos.postgres import PrivatePostgres
from tests.chaos.stack import Supervisor, load_up
from tests.helpers import stripe_standin

RECOVERY_BOUND_S = 30      # a fault over -> the portal answers a signed-in page again
QUIET_BOUND_S = 90         # the load over -> every event published, consumed and mailed
HOLD_WEBHOOKS_S = 3        # Stripe's deliveries held before a fault, then posted in the middle of it
ON_POSTGRES = ("identity", "billing", "support", "notifications")
# Below Linux's ephemeral range (32768-60999): a port there may be taken at any moment by
# one of the run's own outgoing connections, and a restarted process could not bind it again.
PORTS = {"GATEWAY_PORT": "24000", "LIVE_PORT": "24010", "BROKER_PORT": "24092", "PORT_BASE": "24100",
         "METRICS_PORT_BASE": "24200", "SMTP_PORT": "24025", "MAIL_WEB_PORT": "24026"}
LINK_HOST = "127.0.0.1"    # the second org's host name: its payment links and Stripe's webhooks
BUYER = ("buyer@acme.example", "demo buyer passphrase")


def say(text: str) -> None:
    print(text, flush=True)


class Run:
    def __init__(self, args):
        self.args = args
        self.ports = {k: os.environ.get(k, v) for k, v in PORTS.items()}
        self.gateway = int(self.ports["GATEWAY_PORT"])
        self.base = f"http://localhost:{self.gateway}"
        self.link_base = f"http://{LINK_HOST}:{self.gateway}"
        self.folder = Path(tempfile.mkdtemp(prefix="chaos-"))
        self.pg = PrivatePostgres(int(os.environ.get("CHAOS_PG_PORT", "24432")))
        self.standin = stripe_standin.StripeStandIn(webhook_url=f"{self.link_base}/webhooks/stripe")
        self.supervisor: Supervisor | None = None
        self.faults: list[dict] = []

    # --- set-up ------------------------------------------------------------------------------

    def start(self) -> None:
        began = time.monotonic()
        self.pg.start()
        urls = {name: self.pg.create_database(f"chaos_{name}") for name in ON_POSTGRES}
        self.standin.start()
        from cryptography.fernet import Fernet
        env = {**self.ports, "PORTAL_DATA_DIR": str(self.folder / "var"),
               **{f"{name.upper()}_DATABASE_URL": url for name, url in urls.items()},
               "STRIPE_API_BASE": self.standin.url, "BILLING_SECRETS_KEY": Fernet.generate_key().decode(),
               # many requests of one person and one address in a short time: the load, not an attack
               "GATEWAY_RATELIMIT_PAY_LINK": "2000 per minute", "GATEWAY_RATELIMIT_MESSAGES": "2000 per minute",
               "GATEWAY_RATELIMIT_SIGNIN": "500 per minute", "LOG_FORMAT": "text"}
        self.up = load_up(env)
        environment = self.up.environment()
        self.env = environment
        self.up.migrate_all(environment)
        self.supervisor = Supervisor(self.up.procfile(), environment, self.folder / "logs").start()
        self.org = self.up.seed()
        self.up.wait_ready(f"http://127.0.0.1:{self.gateway}/healthz")
        self.up.wait_ready(f"http://127.0.0.1:{self.ports['LIVE_PORT']}/readyz")
        self.db = check.Databases({name: urls.get(name) or f"sqlite:///{self.folder / 'var' / name}.db"
                                   for name in check.SERVICES})
        self.portal_invoices = self.make_invoices(self.org["org_id"], self.demo_customer(), self.args.invoices, "A")
        self.links = self.link_org()
        say(f"  stack up in {time.monotonic() - began:.0f} s: {len(self.supervisor.processes)} processes, "
            f"{', '.join(ON_POSTGRES)} on PostgreSQL :{self.pg.port}; {len(self.portal_invoices)} invoices to pay "
            f"in the portal, {len(self.links)} payment links on {LINK_HOST} (Stripe stand-in {self.standin.url})")

    def service(self, name: str) -> str:
        return f"http://127.0.0.1:{self.up.SERVICE_PORT[name]}"

    def demo_customer(self) -> str:
        _, customers = self.up.call("GET", self.service("identity") + f"/orgs/{self.org['org_id']}/customers")
        return (customers.get("items") if isinstance(customers, dict) else customers)[0]["customer_id"]

    def make_invoices(self, org_id: str, customer_id: str, n: int, tag: str) -> list[str]:
        due = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()

        def one(i: int) -> str:
            for _ in range(100):            # billing learns of a new customer from identity's events
                status, body = self.up.call("POST", self.service("billing") + f"/orgs/{org_id}/invoices", {
                    "customer_id": customer_id, "currency": "EUR", "issue": True, "external_ref": f"CHAOS-{tag}-{i}",
                    "due_date": due, "lines": [{"description": f"Chaos item {i}", "quantity": "1",
                                                "unit_price_minor": 1000 + i, "tax_rate": "20"}]})
                if status in (200, 201):
                    return body["invoice_id"]
                time.sleep(0.3)
            raise SystemExit(f"could not make an invoice: {status} {body}")
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            return list(pool.map(one, range(n)))

    def link_org(self) -> list[tuple[str, str]]:
        """A second org on LINK_HOST with its own Stripe account (the stand-in) as its default
        gateway, a customer, and a payment link for each of its invoices."""
        identity = self.service("identity")
        status, org = self.up.call("POST", identity + "/orgs", {"name": "Chaos Links Ltd", "slug": "chaos-links",
                                                                "host": LINK_HOST})
        if status not in (200, 201):
            raise SystemExit(f"could not make the second org: {status} {org}")
        org_id = org["org_id"]
        status, customer = self.up.call("POST", identity + f"/orgs/{org_id}/customers",
                                        {"name": "Link Payer GmbH", "email": "payer@chaos.example"})
        owner = auth.sign(self.up.token_key(), auth.Principal(kind="staff", id="chaos-owner", org_id=org_id,
                                                             role="owner", mfa=True, name="Chaos Owner"))
        for _ in range(100):
            answer = requests.put(self.service("billing") + f"/orgs/{org_id}/gateway-connections/stripe", timeout=10,
                                  headers={"Authorization": f"Bearer {owner}"},
                                  json={"secret_key": stripe_standin.DEFAULT_KEY, "default": True,
                                        "webhook_secret": stripe_standin.DEFAULT_SECRET})
            if answer.status_code in (200, 201):
                break
            time.sleep(0.3)
        else:
            raise SystemExit(f"could not connect Stripe: {answer.status_code} {answer.text}")
        invoices = self.make_invoices(org_id, customer["customer_id"], self.args.links, "B")

        def link(invoice_id: str) -> tuple[str, str]:
            status, made = self.up.call("POST", self.service("billing") + f"/orgs/{org_id}/invoices/{invoice_id}/payment-link",
                                        {"link_base": self.link_base})
            if status not in (200, 201) or not made.get("path"):
                raise SystemExit(f"could not make a payment link: {status} {made}")
            return invoice_id, made["path"]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            return list(pool.map(link, invoices))

    # --- faults -------------------------------------------------------------------------------

    def portal_answers(self, probe: PortalUser) -> bool:
        try:
            if not probe.signed_in and not probe.sign_in():
                return False
            answer = probe.http.get(self.base + "/", timeout=5, allow_redirects=False)
            if probe.signed_out(answer):
                return False
            return answer.status_code == 200
        except requests.RequestException:
            return False

    def recovery(self, probe: PortalUser, since: float) -> float:
        deadline = since + RECOVERY_BOUND_S * 2
        while not self.portal_answers(probe) and time.monotonic() < deadline:
            time.sleep(0.1)
        return time.monotonic() - since

    def inject(self, name: str, probe: PortalUser, t0: float) -> None:
        webhooks_in_flight = name in ("PostgreSQL restarted", "gateway killed")
        if webhooks_in_flight:
            # Stripe's deliveries of the last seconds arrive in the middle of the fault
            self.standin.hold = True
            time.sleep(HOLD_WEBHOOKS_S)
        began = time.monotonic()
        detail = ""
        if name == "broker frozen":
            broker = self.supervisor["broker"]
            broker.signal(signal.SIGSTOP)
            time.sleep(10)
            broker.signal(signal.SIGCONT)
            detail = "SIGSTOP 10 s, SIGCONT"
        elif name == "billing worker killed":
            worker = self.supervisor["billing-worker"]
            pid = worker.pid
            worker.signal(signal.SIGKILL)
            detail = f"SIGKILL pid {pid}"
        elif name == "PostgreSQL restarted":
            held = self.release_webhooks(after_s=0.3)
            took = self.pg.restart()
            detail = f"pg_ctl restart -m fast, {took:.1f} s; {held} webhooks posted meanwhile"
        elif name == "gateway killed":
            gateway = self.supervisor["gateway"]
            pid = gateway.pid
            gateway.signal(signal.SIGKILL)
            held = self.release_webhooks(after_s=0.0)
            detail = f"SIGKILL pid {pid} and its workers, restarted; {held} webhooks posted meanwhile"
            time.sleep(0.2)
        ended = time.monotonic()
        recovered = self.recovery(probe, ended)
        self.faults.append({"name": name, "at": began - t0, "detail": detail, "recovery": recovered})
        say(f"  t={began - t0:5.1f} s  {name} ({detail}); the portal answered {recovered:.1f} s after")

    def release_webhooks(self, after_s: float) -> int:
        """Posts the held deliveries from a thread of their own, `after_s` into the fault."""
        held = sum(1 for d in self.standin.deliveries if not d.claimed)

        def release():
            time.sleep(after_s)
            self.standin.release()
        threading.Thread(target=release, daemon=True, name="webhooks-released").start()
        return held

    # --- the run ------------------------------------------------------------------------------

    def load_and_faults(self) -> tuple[Ledger, float]:
        ledger, stop = Ledger(), threading.Event()
        invoices = Invoices(self.portal_invoices)
        clients = [PortalUser(n, self.base, BUYER, invoices, ledger, stop) for n in range(self.args.users)]
        clients.append(LinkPayer(self.link_base, self.links, self.standin, ledger, stop,
                                 pace_s=self.args.duration / max(1, len(self.links))))
        self.retrier = WebhookRetrier(self.standin, threading.Event())
        probe = PortalUser(99, self.base, BUYER, invoices, Ledger(), threading.Event())
        self.restarts_before = {name: p.restarts for name, p in self.supervisor.processes.items()}
        t0 = time.monotonic()
        for client in clients:
            client.start()
        self.retrier.start()
        plan = [(12, "broker frozen"), (30, "billing worker killed"), (42, "PostgreSQL restarted"),
                (56, "gateway killed")]
        for at, name in plan:
            time.sleep(max(0.0, t0 + at - time.monotonic()))
            self.inject(name, probe, t0)
        time.sleep(max(0.0, t0 + self.args.duration - time.monotonic()))
        stop.set()
        for client in clients:
            client.join(30)
        return ledger, time.monotonic() - t0

    def settle(self, ledger: Ledger) -> float:
        began = time.monotonic()
        must = [p for p, w in ledger.payments.items() if w["via"] == "portal" or p in ledger.paid_at_provider]
        left = None
        while time.monotonic() - began < QUIET_BOUND_S:
            self.retrier.send_waiting()
            left = check.quiet(self.db, must)
            if not left and not self.retrier.undelivered():
                return time.monotonic() - began
            time.sleep(1)
        say(f"  not quiet after {QUIET_BOUND_S} s: {left}")
        return float("inf")

    def stop(self) -> None:
        if self.supervisor is not None:
            self.supervisor.stop()
        try:
            self.standin.stop()
        except Exception:  # noqa: BLE001 - it may never have started
            pass
        self.pg.remove()
        if getattr(self, "db", None) is not None:
            self.db.close()
        if self.args.keep:
            say(f"  kept {self.folder}")
        else:
            shutil.rmtree(self.folder, ignore_errors=True)


def summary(ledger: Ledger) -> str:
    by_kind: dict[str, Counter] = {}
    for (kind, outcome), n in ledger.operations.items():
        by_kind.setdefault(kind, Counter())[outcome] += n
    return "\n".join(f"    {kind:<14} " + ", ".join(f"{outcome} {n}" for outcome, n in sorted(outcomes.items()))
                     for kind, outcomes in sorted(by_kind.items()))


def one_run(args, number: int) -> tuple[int, int, bool]:
    """A whole run (stack up, load and faults, checks, stack down): (lost, doubled, all held)."""
    say(f"\nrun {number} of {args.runs}")
    run = Run(args)
    try:
        run.start()
        ledger, loaded = run.load_and_faults()
        quiet = run.settle(ledger)
        verdict = check.verify(run.db, ledger, Path(run.env["PORTAL_DATA_DIR"]) / "mail",
                               f"127.0.0.1:{run.ports['BROKER_PORT']}")
    finally:
        run.stop()
    worst = max(f["recovery"] for f in run.faults)
    late = [f for f in run.faults if f["recovery"] > RECOVERY_BOUND_S]
    say(f"  load: {loaded:.0f} s, {args.users} portal users + 1 payment-link payer   "
        f"operations: {ledger.total()} ({ledger.accepted()} accepted)")
    say(summary(ledger))
    during = {name: p.restarts - run.restarts_before[name] for name, p in run.supervisor.processes.items()}
    early = {name: n for name, n in run.restarts_before.items() if n}
    say(f"  faults: {len(run.faults)} ({', '.join(f['name'] for f in run.faults)}); restarted by the supervisor "
        f"under load: {', '.join(f'{name} {n}' for name, n in during.items() if n) or 'none'}"
        + (f" (and while starting: {', '.join(f'{name} {n}' for name, n in early.items())})" if early else ""))
    say(f"  recovery: the portal answered again at most {worst:.1f} s after a fault (bound {RECOVERY_BOUND_S} s); "
        f"quiet {quiet:.1f} s after the load (bound {QUIET_BOUND_S} s)")
    first: dict = {}
    for delivery in run.standin.deliveries:
        first.setdefault(delivery.event_id, delivery)
    answers = Counter("no answer" if d.status is None else "2xx" if d.status < 300 else str(d.status)
                      for d in first.values())
    say(f"  Stripe webhooks: {len(first)} events; first delivery answered "
        f"{', '.join(f'{a}: {n}' for a, n in sorted(answers.items()))}; sent again (Stripe's retries) "
        f"{run.retrier.resent}, each until a 2xx")
    say("  checked: " + ", ".join(f"{what} {n}" for what, n in sorted(verdict.checked.items())))
    for line in (verdict.lost + verdict.doubled + verdict.broken)[:40]:
        say(f"  ! {line}")
    say(f"  lost: {len(verdict.lost)}, doubled: {len(verdict.doubled)}"
        + (f", other failures: {len(verdict.broken)}" if verdict.broken else ""))
    held = not (verdict.lost or verdict.doubled or verdict.broken or late or quiet == float("inf"))
    return len(verdict.lost), len(verdict.doubled), held


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="whole runs one after the other, each on a fresh stack")
    parser.add_argument("--duration", type=float, default=75, help="seconds of load (the faults come in its first 60)")
    parser.add_argument("--users", type=int, default=3, help="signed-in portal users")
    parser.add_argument("--invoices", type=int, default=240, help="invoices to pay in the portal")
    parser.add_argument("--links", type=int, default=60, help="invoices to pay through payment links")
    parser.add_argument("--keep", action="store_true", help="keep the data folder and the processes' logs")
    args = parser.parse_args(argv)
    began = time.monotonic()
    say("chaos: make up's stack under load, while the broker, a worker, PostgreSQL and the gateway fail")
    results = [one_run(args, n) for n in range(1, args.runs + 1)]
    lost, doubled = sum(r[0] for r in results), sum(r[1] for r in results)
    say(f"\nruns: {len(results)}, {sum(not r[2] for r in results)} failed   "
        f"lost: {lost}, doubled: {doubled}   ({time.monotonic() - began:.0f} s in all)")
    return 0 if all(r[2] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
