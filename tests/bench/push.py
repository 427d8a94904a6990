"""`make bench --only push`: an ERP pushing invoices through /api/v1 (issue 15), end to end:
appended, numbered, projected and published.

- `make up`'s whole stack (tests/e2e/stack.py: gateway, every service's web and worker, the
  bundled broker) with identity and billing on fresh PostgreSQL databases; an API key with
  the `invoices` scope made at identity for the demo org.
- Batched: N clients at once (default 16, one keep-alive connection each) push batches of
  500 issued invoices to POST /api/v1/invoices/batch until the total is pushed (default
  32,000). The clock runs from the first request to the moment billing's relay has
  published the last InvoiceIssued (its `published` flag, set from the broker's delivery
  reports): invoices/s end to end, and the rate at which the answers came back (appended,
  numbered, projected).
- Single: the same clients pushing one invoice per request (POST /api/v1/invoices) for a
  fixed time: invoices/s.
- Batched twice: with the whole stack running, and with the other services' workers paused
  (SIGSTOP: orders, notifications, documents ... consume every InvoiceIssued, on the same two
  cores here and on their own nodes in production; they catch up after).
- Conflicts: answers 409 (and items answered 409), which the per-org counter makes none;
  after each part the org's INV-nnnnnn numbers are checked: each used once, none missing.
  CPU seconds per 1,000 invoices by process (the stack, PostgreSQL's backends): on a machine
  others share, a better guide than wall time.

Never pass/fail: it prints what it measured. Everything made here is removed again.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

import requests

BATCH = 500
LINE = {"description": "Consulting services", "quantity": "1", "unit_price_minor": 12500, "tax_rate": "20"}


def _percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


class Tally:
    """What the clients saw: latencies, answers by status, items by status."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.answers: dict[int, int] = {}
        self.items: dict[int, int] = {}
        self.errors: list[str] = []

    def add(self, seconds: float, status: int, items: list[int]) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.answers[status] = self.answers.get(status, 0) + 1
            for s in items:
                self.items[s] = self.items.get(s, 0) + 1

    @property
    def conflicts(self) -> int:
        return self.answers.get(409, 0) + self.items.get(409, 0)

    @property
    def made(self) -> int:
        return self.items.get(201, 0)


def make_key(stack, org_id: str) -> str:
    """An API key with the `invoices` scope, made at identity by the demo org's owner."""
    from services.chassis import auth
    key = (stack.data_dir / "internal_token_key.pem").read_text()
    owner = auth.Principal(kind="staff", id="bench-owner", org_id=org_id, role="owner", mfa=True)
    answer = requests.post(stack.url("identity") + f"/orgs/{org_id}/api-keys", timeout=30,
                           headers={"Authorization": f"Bearer {auth.sign(key, owner, ttl_s=600)}"},
                           json={"name": "bench ERP", "scopes": ["invoices"]})
    answer.raise_for_status()
    return answer.json()["key"]


def push_batches(url: str, headers: dict, bodies: list[bytes], clients: int, tally: Tally) -> None:
    """`clients` threads take the pre-encoded batches off one list until it is empty."""
    queue = list(reversed(bodies))

    def client() -> None:
        with requests.Session() as http:
            while True:
                with tally.lock:
                    if not queue:
                        return
                    body = queue.pop()
                t = time.perf_counter()
                try:
                    answer = http.post(url, data=body, headers=headers, timeout=300)
                    statuses = [r["status"] for r in answer.json().get("results", [])] if answer.ok else []
                    tally.add(time.perf_counter() - t, answer.status_code, statuses)
                except (requests.RequestException, ValueError) as exc:
                    with tally.lock:
                        tally.errors.append(repr(exc))
    threads = [threading.Thread(target=client) for _ in range(clients)]
    [t.start() for t in threads]
    [t.join() for t in threads]


def push_singles(url: str, headers: dict, body: dict, clients: int, seconds: float, tally: Tally) -> None:
    until = time.perf_counter() + seconds
    encoded = json.dumps(body).encode()

    def client() -> None:
        with requests.Session() as http:
            while time.perf_counter() < until:
                t = time.perf_counter()
                try:
                    answer = http.post(url, data=encoded, headers=headers, timeout=60)
                    tally.add(time.perf_counter() - t, answer.status_code, [answer.status_code])
                except requests.RequestException as exc:
                    with tally.lock:
                        tally.errors.append(repr(exc))
    threads = [threading.Thread(target=client) for _ in range(clients)]
    [t.start() for t in threads]
    [t.join() for t in threads]


def wait_caught_up(pids: list[int], quiet_s: float = 1.0, timeout: float = 120) -> None:
    """Until these processes have been nearly idle for `quiet_s` (the consumers worked off
    what was published), so that one part's backlog does not load the next."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = sum(map(_cpu_s, pids))
        time.sleep(quiet_s)
        if sum(map(_cpu_s, pids)) - before < 0.05 * quiet_s * max(1, len(pids)):
            return


def wait_published(conninfo: str, org_id: str, timeout: float = 600) -> float:
    """Blocks until billing has no unpublished event of the org; returns when that was."""
    import psycopg
    deadline = time.monotonic() + timeout
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while time.monotonic() < deadline:
            left = conn.execute("SELECT count(*) FROM events WHERE org_id = %s AND NOT published",
                                (org_id,)).fetchone()[0]
            if left == 0:
                return time.perf_counter()
            time.sleep(0.02)
    raise TimeoutError("billing's relay did not publish everything in time")


def numbering(conninfo: str, org_id: str) -> str:
    """Whether the org's INV-nnnnnn numbers are each used once with none missing."""
    import psycopg
    with psycopg.connect(conninfo) as conn:
        count, distinct, highest = conn.execute(
            "SELECT count(*), count(DISTINCT number_key), coalesce(max(number_seq), 0) FROM invoices "
            "WHERE org_id = %s AND number_seq IS NOT NULL", (org_id,)).fetchone()
    ok = count == distinct == highest
    return (f"numbers INV-000001..INV-{highest:06d}: {count:,} invoices, "
            + ("each used once, none missing" if ok else f"{count - distinct} used twice, "
               f"{highest - distinct} missing"))


def _descendants(pid: int) -> list[int]:
    from tests.bench.invoices import _children
    found, todo = [], [pid]
    while todo:
        kids = _children(todo.pop())
        found += kids
        todo += kids
    return found


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")      # utime + stime


class CpuMeter:
    """CPU seconds spent by the stack (every process make up started), by PostgreSQL's backends
    serving its databases, and by this process (the clients): on a machine others share too,
    CPU per invoice says more than wall time does. Processes are looked up at each reading
    (pools open connections as the load grows); one that started meanwhile counts whole."""

    def __init__(self, stack_pid: int, conninfo: str, databases: list[str]):
        self.stack_pid, self.conninfo, self.databases = stack_pid, conninfo, databases

    def read(self) -> dict:
        import psycopg
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            backends = [r[0] for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s)", (self.databases,))]
        return {"stack": {p: _cpu_s(p) for p in [self.stack_pid, *_descendants(self.stack_pid)]},
                "postgres": {p: _cpu_s(p) for p in backends}, "clients": {0: _cpu_s(os.getpid())}}


def _name(pid: int) -> str:
    """A process of the stack by what it runs: `billing-web`, `notifications-worker`, `gateway` ..."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return "gone"
    line = " ".join(argv)
    for service in ("identity", "billing", "orders", "support", "documents", "notifications"):
        if f"services.{service}.app" in line:
            return f"{service}-web"
        if f"services.{service} worker" in line:
            return f"{service}-worker"
    for word in ("gateway.live", "gateway.app", "tansu", "honcho", "up.py", "smtp", "mail"):
        if word in line:
            return word.split(".")[-1] if word.startswith("gateway.") and word != "gateway.app" else word
    return Path(argv[0]).name or "other"


def _cpu_line(before: dict, after: dict, made: int) -> str:
    used = {part: sum(cpu - before[part].get(pid, 0.0) for pid, cpu in after[part].items()) for part in after}
    by_name: dict[str, float] = {}
    for pid, cpu in after["stack"].items():
        by_name[_name(pid)] = by_name.get(_name(pid), 0.0) + cpu - before["stack"].get(pid, 0.0)
    top = ", ".join(f"{name} {cpu:.1f}" for name, cpu in sorted(by_name.items(), key=lambda kv: -kv[1])[:6])
    per_k = (used["stack"] + used["postgres"]) / made * 1000 if made else float("nan")
    return (f"  CPU: stack {used['stack']:.1f} s ({top}) + PostgreSQL backends {used['postgres']:.1f} s = "
            f"{per_k:.2f} CPU-s per 1,000 invoices (the clients {used['clients']:.1f} s more)")


def _line(label: str, tally: Tally, made: int, seconds: float) -> str:
    line = (f"  {label:<34} {made / seconds:>8,.0f} invoices/s   requests p50 "
            f"{_percentile(tally.latencies, 50) * 1e3:7.1f} ms  p99 {_percentile(tally.latencies, 99) * 1e3:7.1f} ms"
            f"   conflicts (409) {tally.conflicts}")
    others = {s: n for s, n in tally.answers.items() if s not in (200, 201)}
    if others or tally.errors:
        line += f"   other answers {others}, errors {len(tally.errors)} {tally.errors[:2]}"
    return line


def run(args) -> None:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from tests.e2e.stack import Stack
    from tests.helpers.databases import PG_ADMIN, create_postgres_db, drop_postgres_db, postgres_available

    title = (f"[push: invoices through /api/v1, {args.push_clients} clients, end to end (appended, numbered, "
             f"projected, published); identity and billing on PostgreSQL]")
    why = postgres_available()
    if why:
        print(f"\n{title} skipped: {why}")
        return
    workdir = Path(tempfile.mkdtemp(prefix="bench-push-"))
    databases, stack = {}, None
    try:
        for name in ("identity", "billing"):
            databases[name] = create_postgres_db()
        env = {f"{name.upper()}_DATABASE_URL": url for name, (_, url) in databases.items()}
        stack = Stack(workdir / "var", WEB_CONCURRENCY=str(args.web_workers),
                      GATEWAY_RATELIMIT_API="1000000 per minute", **env)
        stack.start()
        billing_db = make_conninfo(**{**conninfo_to_dict(PG_ADMIN), "dbname": databases["billing"][0]})
        operator = stack.operator()
        org = requests.get(stack.url("identity") + "/orgs/by-host/localhost", headers=operator, timeout=10).json()
        customers = requests.get(stack.url("identity") + f"/orgs/{org['org_id']}/customers", headers=operator,
                                 timeout=10).json()
        customer = (customers.get("items") if isinstance(customers, dict) else customers)[0]["customer_id"]
        headers = {"Authorization": f"Bearer {make_key(stack, org['org_id'])}", "Content-Type": "application/json",
                   "Host": f"localhost:{stack.gateway}"}
        api = f"http://127.0.0.1:{stack.gateway}/api/v1/invoices"
        print(f"\n{title}", flush=True)

        def invoice(ref: str) -> dict:
            return {"customer_id": customer, "currency": "EUR", "issue": True, "external_ref": ref, "lines": [LINE]}

        warm = requests.post(api + "/batch", json={"invoices": [invoice(f"warm-{i}") for i in range(20)]},
                             headers=headers, timeout=60)
        if warm.status_code != 200:
            raise RuntimeError(f"the warm-up batch answered {warm.status_code}: {warm.text[:500]}")
        wait_published(billing_db, org["org_id"])

        batches = max(1, args.push_invoices // BATCH)
        print(f"  servers: make up's stack (gunicorn, WEB_CONCURRENCY={args.web_workers} per service and gateway); "
              f"load: {args.push_clients} keep-alive connections in this process; {os.cpu_count()} CPUs shared "
              f"by all (load average {os.getloadavg()[0]:.1f} before)", flush=True)
        meter = CpuMeter(stack.proc.pid, PG_ADMIN, [databases["identity"][0], databases["billing"][0]])
        consumers = [pid for pid in _descendants(stack.proc.pid)
                     if _name(pid).endswith("-worker") and _name(pid) != "billing-worker"]

        def batched(label: str, prefix: str) -> None:
            bodies = [json.dumps({"invoices": [invoice(f"{prefix}{b}-{i}") for i in range(BATCH)]}).encode()
                      for b in range(batches)]
            tally, cpu = Tally(), meter.read()
            t0 = time.perf_counter()
            push_batches(api + "/batch", headers, bodies, args.push_clients, tally)
            answered = time.perf_counter()
            published = wait_published(billing_db, org["org_id"])
            cpu_after, made = meter.read(), tally.made
            print(f"  -- batched ({batches} x {BATCH}), {label}", flush=True)
            print(_line("answered (appended, numbered, projected)", tally, made, answered - t0), flush=True)
            print(f"  {'end to end (published)':<34} {made / (published - t0):>8,.0f} invoices/s   {made:,} invoices "
                  f"in {published - t0:.1f} s (the relay's last {(published - answered) * 1e3:,.0f} ms after the last "
                  f"answer)", flush=True)
            print(_cpu_line(cpu, cpu_after, made), flush=True)
            print(f"  {numbering(billing_db, org['org_id'])}", flush=True)

        batched("the whole stack running (orders, notifications ... consume every InvoiceIssued on the same "
                "cores)", "A")
        wait_caught_up(consumers)
        for pid in consumers:
            os.kill(pid, signal.SIGSTOP)
        try:
            batched("the other services' workers paused (on their own nodes in production; they catch up after)",
                    "B")
        finally:
            for pid in consumers:
                os.kill(pid, signal.SIGCONT)
        wait_caught_up(consumers)

        single, cpu = Tally(), meter.read()
        started = time.perf_counter()
        push_singles(api, headers, {**invoice("x"), "external_ref": None}, args.push_clients, args.push_seconds,
                     single)
        answered = time.perf_counter()
        published = wait_published(billing_db, org["org_id"])
        print(f"  -- single creates, {args.push_seconds:g} s, the whole stack running", flush=True)
        print(_line("answered", single, single.made, answered - started))
        print(f"  {'end to end (published)':<34} {single.made / (published - started):>8,.0f} invoices/s",
              flush=True)
        print(_cpu_line(cpu, meter.read(), single.made), flush=True)
        print(f"  {numbering(billing_db, org['org_id'])}", flush=True)
    finally:
        if stack is not None and stack.proc is not None:
            stack.stop()
        for name, _url in databases.values():
            drop_postgres_db(name)
        shutil.rmtree(workdir, ignore_errors=True)
