"""`make bench`, the invoice lists (issue 5): billing's list pages over HTTP on PostgreSQL,
against a bare Flask page under the same server set-up.

- A fresh PostgreSQL database, billing migrated, the `invoices` read model seeded directly
  (INSERT ... SELECT from generate_series): one org with N invoices (default 1,000,000)
  issued over five years, of which M (default 10,000) belong to the measured customer, the
  rest spread over ~N/50 other customers; statuses by age (recent ones sent or paid, old
  ones mostly paid, some void, some overdue, a few drafts), totals, currencies, due dates;
  and a small second org. The indexes are built after the rows, then VACUUM ANALYZE.
- The real billing app served by gunicorn with the services' own settings
  (`-c python:services.chassis.gunicorn_conf`, so the same workers and threads), and a bare
  Flask app answering a small JSON page under the same settings, each on a free port.
- A separate load process (threads, one keep-alive connection each) drives both the same
  way: a warm-up, then a fixed time at a fixed concurrency; requests/s, p50, p99.
- EXPLAIN (ANALYZE, BUFFERS) of the very SQL the app runs for the list pages.

Never pass/fail: it prints what it measured. Servers stopped and database dropped at the
end, also on Ctrl-C. `python -m tests.bench.invoices --load` is the load process (its
spec as JSON on stdin, its figures as JSON on stdout).
"""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = "python:services.chassis.gunicorn_conf"
PAGE = 25                      # the API's default limit


# --- the bare page: the same gunicorn settings, no database, no auth ---------------------

def bare_app():
    """gunicorn "tests.bench.invoices:bare_app()": a small JSON page, nothing else."""
    from flask import Flask, jsonify
    app = Flask("bare")

    @app.get("/bare")
    def page():
        return jsonify(items=[{"id": i, "status": "paid", "total_minor": 1000 * i} for i in range(3)],
                       next_cursor=None)
    return app


# --- the load process ----------------------------------------------------------------------

def _percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _load(spec: dict) -> dict:
    """Threads, each with one keep-alive connection, cycle through the spec's paths; latencies
    of the requests finished in the measured window count."""
    host, port, paths, headers = spec["host"], spec["port"], spec["paths"], spec["headers"]
    concurrency = spec["concurrency"]
    begin = time.perf_counter() + 0.2
    measure_from = begin + spec["warmup"]
    measure_to = measure_from + spec["duration"]
    lat: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    statuses: dict[int, int] = {}

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        i = k
        while time.perf_counter() < begin:
            time.sleep(0.001)
        while True:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            if t0 >= measure_to:
                break
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
                if not ok:
                    statuses[resp.status] = statuses.get(resp.status, 0) + 1
                if resp.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
            t1 = time.perf_counter()
            if measure_from <= t1 < measure_to:
                if ok:
                    lat[k].append(t1 - t0)
                else:
                    errors[k] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(concurrency)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    all_lat = [x for part in lat for x in part]
    return {"n": len(all_lat), "errors": sum(errors), "statuses": statuses,
            "rps": len(all_lat) / spec["duration"],
            "p50": _percentile(all_lat, 50), "p90": _percentile(all_lat, 90),
            "p99": _percentile(all_lat, 99), "max": max(all_lat) if all_lat else float("nan")}


def drive(port: int, paths: list[str], headers: dict, args) -> dict:
    """The same load, from a separate process, for any server."""
    spec = {"host": "127.0.0.1", "port": port, "paths": paths, "headers": headers,
            "concurrency": args.concurrency, "warmup": args.warmup, "duration": args.duration}
    procs = [subprocess.Popen([sys.executable, "-m", "tests.bench.invoices", "--load"], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(args.load_procs)]
    try:
        outs = [p.communicate(json.dumps(spec), timeout=args.warmup + args.duration + 120)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    parts = [json.loads(o) for o in outs]
    if len(parts) == 1:
        return parts[0]
    # several load processes: throughputs add; percentiles from the largest part (approximation)
    merged = dict(max(parts, key=lambda r: r["n"]))
    merged.update(n=sum(r["n"] for r in parts), errors=sum(r["errors"] for r in parts),
                  rps=sum(r["rps"] for r in parts), p99=max(r["p99"] for r in parts))
    return merged


# --- seeding the read model ----------------------------------------------------------------

def customer_uuid(label: str) -> str:
    """The same id PostgreSQL's md5(label)::uuid gives."""
    return str(uuid.UUID(hashlib.md5(label.encode()).hexdigest()))


SEED_SQL = """
WITH base AS (
    SELECT g, ts, r, r3, net, (now() - ts) < interval '90 days' AS recent
    FROM (SELECT g,
                 %(start)s::timestamptz + (g * %(step_s)s + random() * %(step_s)s) * interval '1 second' AS ts,
                 random() AS r, random() AS r3,
                 (500 + floor(random() * random() * 2000000))::bigint AS net
          FROM generate_series(1, %(n)s) AS g) AS x
), s AS (
    SELECT *, round(net * 0.2)::bigint AS tax,
           CASE WHEN recent THEN
                CASE WHEN r < .05 THEN 'draft' WHEN r < .55 THEN 'sent' WHEN r < .65 THEN 'partially_paid'
                     WHEN r < .98 THEN 'paid' ELSE 'void' END
           ELSE CASE WHEN r < .002 THEN 'draft' WHEN r < .05 THEN 'sent' WHEN r < .07 THEN 'partially_paid'
                     WHEN r < .94 THEN 'paid' ELSE 'void' END
           END AS status,
           to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00' AS iso,
           CASE WHEN r3 > .97 THEN NULL ELSE to_char((ts AT TIME ZONE 'UTC')::date + 30, 'YYYY-MM-DD') END AS due
    FROM base
), t AS (
    SELECT *, net + tax AS total,
           CASE status WHEN 'paid' THEN net + tax WHEN 'partially_paid' THEN (net + tax) / 2 ELSE 0 END AS paid,
           CASE WHEN status = 'draft' THEN NULL
                ELSE 'INV-' || lpad(g::text, greatest(6, length(g::text)), '0') END AS number
    FROM s
)
INSERT INTO invoices (invoice_id, org_id, customer_id, number, number_key, number_seq, status, currency,
                      subtotal_minor, discount_minor, tax_minor, total_minor, amount_paid_minor,
                      amount_due_minor, issued_at, listed_at, due_date, due_key, external_ref, notes,
                      lines, created_at, updated_at)
SELECT gen_random_uuid()::text, %(org)s,
       CASE WHEN %(stride)s > 0 AND g %% %(stride)s = 0 THEN %(customer)s
            ELSE md5(%(prefix)s || ((g::bigint * 7919) %% %(customers)s))::uuid::text END,
       number, coalesce(lower(number), ''), CASE WHEN number IS NULL THEN NULL ELSE g END,
       status, CASE WHEN r3 < .8 THEN 'EUR' WHEN r3 < .95 THEN 'USD' ELSE 'GBP' END,
       net, 0, tax, total, paid, CASE WHEN status = 'void' THEN 0 ELSE total - paid END,
       CASE WHEN status = 'draft' THEN NULL ELSE iso END, iso, due, coalesce(due, '9999-12-31'),
       CASE WHEN r3 < .3 THEN 'ERP-' || g ELSE NULL END, NULL,
       json_build_array(json_build_object(
           'description', 'Consulting services', 'quantity', '1', 'unit_price_minor', net,
           'tax_rate', '20', 'discount_percent', NULL, 'discount_fixed_minor', NULL,
           'subtotal_minor', net, 'discount_minor', 0, 'net_minor', net, 'tax_minor', tax,
           'total_minor', net + tax)),
       iso, iso
FROM t
"""


def seed(conninfo: str, org: str, customer: str, n: int, m: int, other_org: str) -> dict:
    """The org's n invoices (m of them the customer's, every (n // m)-th, so spread over the
    heap as years of appends would leave them) and a small other org; indexes built after."""
    import psycopg
    span_s = 5 * 365 * 86400
    timings = {}
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        defs = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'invoices' "
                            "AND indexname <> 'invoices_pkey'").fetchall()
        for name, _ in defs:
            conn.execute(f'DROP INDEX "{name}"')
        t = time.perf_counter()
        start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - span_s))
        for org_id, count, stride, who, prefix in (
                (org, n, n // m if m else 0, customer, "customer-"),
                (other_org, max(1000, n // 100), 0, "", "other-customer-")):
            conn.execute(SEED_SQL, {"start": start, "step_s": span_s / count, "n": count, "org": org_id,
                                    "stride": stride, "customer": who, "prefix": prefix,
                                    "customers": max(100, (count - m) // 50)})
        timings["insert"] = time.perf_counter() - t
        t = time.perf_counter()
        for _, ddl in defs:
            conn.execute(ddl)
        conn.commit()
        timings["indexes"] = time.perf_counter() - t
        timings["index_count"] = len(defs) + 1
    with psycopg.connect(conninfo, autocommit=True) as conn:
        t = time.perf_counter()
        conn.execute("VACUUM (ANALYZE) invoices")
        timings["vacuum"] = time.perf_counter() - t
        row = conn.execute("SELECT count(*), pg_table_size('invoices'), pg_indexes_size('invoices'), "
                           "count(*) FILTER (WHERE org_id = %s AND customer_id = %s AND status <> 'draft') "
                           "FROM invoices", (org, customer)).fetchone()
        timings.update(rows=row[0], table_bytes=row[1], index_bytes=row[2], customer_visible=row[3])
    return timings


# --- servers ---------------------------------------------------------------------------------

def free_port() -> int:
    import socket
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


class Server:
    """One gunicorn with the services' config, in its own session (Ctrl-C reaches us, and
    we stop it)."""

    def __init__(self, app: str, env: dict, workdir: Path, name: str):
        self.port = free_port()
        self.name = name
        self.log = workdir / f"{name}.log"
        prom = workdir / f"prom-{name}"
        prom.mkdir()
        env = {**env, "BIND": f"127.0.0.1:{self.port}", "PROMETHEUS_MULTIPROC_DIR": str(prom)}
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONF, app],
                                         cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def wait_ready(self, path: str, headers: dict | None = None, timeout: float = 60) -> None:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            if self.proc.poll() is not None:
                break
            try:
                with closing(http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)) as c:
                    c.request("GET", path, headers=headers or {})
                    if c.getresponse().status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start; its log:\n" + self.log.read_text()[-3000:])

    def workers(self) -> int:
        return len(_children(self.proc.pid))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()               # gunicorn's graceful stop of its workers
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def get_json(port: int, path: str, headers: dict) -> tuple[dict, float]:
    with closing(http.client.HTTPConnection("127.0.0.1", port, timeout=60)) as c:
        t = time.perf_counter()
        c.request("GET", path, headers=headers)
        resp = c.getresponse()
        body = resp.read()
        took = time.perf_counter() - t
    if resp.status != 200:
        raise RuntimeError(f"GET {path}: {resp.status} {body[:500]!r}")
    return json.loads(body), took


# --- EXPLAIN of the app's own SQL -------------------------------------------------------------

def explain(engine, org: str, query, caller, for_customer: bool) -> dict:
    """Run queries.list_invoices as the app does, catch its SQL, EXPLAIN (ANALYZE, BUFFERS) it."""
    from datetime import date
    from sqlalchemy import event
    from services.billing.queries import invoices as queries
    seen = []

    def catch(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))
    event.listen(engine, "before_cursor_execute", catch)
    try:
        with engine.connect() as conn:
            queries.list_invoices(conn, org, query, date.today(), for_customer=for_customer, caller=caller)
    finally:
        event.remove(engine, "before_cursor_execute", catch)
    statement, parameters = seen[-1]
    with engine.connect() as conn:
        raw = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters).scalar()
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    nodes = []

    def walk(node):
        label = node["Node Type"]
        if node.get("Scan Direction") == "Backward":
            label += " Backward"
        if node.get("Index Name"):
            label += f" using {node['Index Name']}"
        label += f" (rows {node.get('Actual Rows')}"
        if node.get("Rows Removed by Filter"):
            label += f", {node['Rows Removed by Filter']} filtered"
        nodes.append(label + ")")
        for child in node.get("Plans", ()):
            walk(child)
    walk(plan["Plan"])
    top = plan["Plan"]
    return {"nodes": nodes, "ms": plan["Execution Time"], "hit": top.get("Shared Hit Blocks", 0),
            "read": top.get("Shared Read Blocks", 0)}


# --- the bench -----------------------------------------------------------------------------

def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run(args) -> None:
    """Seed, serve, drive, print; everything made here is removed again."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo
    from sqlalchemy import text

    from services.billing.bootstrap import SPEC
    from services.billing.queries.invoices import ListQuery, encode_cursor
    from services.chassis import auth, migrate
    from services.chassis.db import make_engine
    from tests.helpers.databases import PG_ADMIN, create_postgres_db, drop_postgres_db, postgres_available

    n, m = args.invoices, max(1, min(args.customer_invoices, args.invoices))
    title = f"[invoices: postgresql, {n:,} invoices in one org, {m:,} of them the customer's]"
    why = postgres_available()
    if why:
        print(f"\n{title} skipped: {why}")
        return
    old_term = signal.signal(signal.SIGTERM, _interrupt)
    workdir = Path(tempfile.mkdtemp(prefix="bench-invoices-"))
    servers: list[Server] = []
    db_name = engine = None
    interrupted = False
    try:
        db_name, url = create_postgres_db()
        conninfo = make_conninfo(**{**conninfo_to_dict(PG_ADMIN), "dbname": db_name})
        migrate.upgrade(SPEC, url)
        org, other_org = str(uuid.uuid4()), str(uuid.uuid4())
        customer = customer_uuid("customer-measured")
        print(f"\n{title}", flush=True)
        t = time.perf_counter()
        s = seed(conninfo, org, customer, n, m, other_org)
        print(f"  seeded                    {s['rows']:>10,} rows in {time.perf_counter() - t:5.1f} s "
              f"(insert {s['insert']:.1f} s, {s['index_count'] - 1} indexes built after {s['indexes']:.1f} s, "
              f"vacuum analyze {s['vacuum']:.1f} s); table {s['table_bytes'] / 2**20:,.0f} MB, "
              f"indexes {s['index_bytes'] / 2**20:,.0f} MB; the customer sees {s['customer_visible']:,}",
              flush=True)

        private = auth.generate_private_pem()
        env = {**os.environ, "DATABASE_URL": url, "BILLING_DATABASE_URL": url,
               "INTERNAL_TOKEN_PUBLIC_KEYS": auth.public_pem(private), "PYTHONUNBUFFERED": "1"}
        env.pop("INTERNAL_TOKEN_PRIVATE_KEY", None)
        ttl = 4 * 3600
        contact = auth.Principal(kind="contact", id="bench-contact", org_id=org, customer_id=customer,
                                 permissions=frozenset({"view"}), modules=frozenset({"invoices"}))
        staff = auth.Principal(kind="staff", id="bench-staff", org_id=org, role="owner", mfa=True)
        as_contact = {"Authorization": "Bearer " + auth.sign(private, contact, ttl_s=ttl)}
        as_staff = {"Authorization": "Bearer " + auth.sign(private, staff, ttl_s=ttl)}
        billing = Server("services.billing.app:create_app()", env, workdir, "billing")
        servers.append(billing)
        bare = Server("tests.bench.invoices:bare_app()", env, workdir, "bare")
        servers.append(bare)
        mine = f"/orgs/{org}/customers/{customer}/invoices"
        billing.wait_ready(mine, as_contact)
        bare.wait_ready("/bare")

        # Walk the customer's whole list through the API: the cursors of the deep pages, and
        # a check that keyset paging gives each invoice once.
        cursors, seen, took, cursor = [None], set(), [], None
        while True:
            page, dt = get_json(billing.port, mine + (f"?cursor={cursor}" if cursor else ""), as_contact)
            took.append(dt)
            seen.update(i["invoice_id"] for i in page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                break
            cursors.append(cursor)
        pages = len(cursors)
        deep = [c for c in cursors[max(1, pages // 2):]] or cursors
        print(f"  walk of the customer's list: {pages} pages, {len(seen):,} invoices "
              f"({'each once' if len(seen) == s['customer_visible'] else 'MISMATCH'}); page 1 "
              f"{took[0] * 1e3:.1f} ms, page {pages} {took[-1] * 1e3:.1f} ms, median "
              f"{_percentile(took, 50) * 1e3:.1f} ms, one client, cold", flush=True)

        engine = make_engine(url)
        with engine.connect() as conn:       # cursors from the middle half of the org's list
            org_cursors = []
            for k in range(16):
                depth = n // 4 + k * (n // 2) // 16
                row = conn.execute(text(
                    "SELECT listed_at, invoice_id FROM invoices WHERE org_id = :org "
                    "ORDER BY listed_at DESC, invoice_id DESC OFFSET :k LIMIT 1"), {"org": org, "k": depth}).one()
                org_cursors.append(encode_cursor("-issued_at", row.listed_at, row.invoice_id))

        # What the database does for these pages (the app's own SQL, each run once before).
        deep_cursor = deep[len(deep) // 2]
        plans = [
            ("customer, first page", ListQuery(customer_id=customer), contact, True),
            (f"customer, page {cursors.index(deep_cursor) + 1} of {pages}",
             ListQuery(customer_id=customer, cursor=deep_cursor), contact, True),
            ("customer, paid by -total", ListQuery(customer_id=customer, status="paid", sort="-total"),
             contact, True),
            ("org, first page", ListQuery(), staff, False),
            (f"org, ~{n // 2:,} rows in", ListQuery(cursor=org_cursors[8]), staff, False),
        ]
        for label, q, who, for_customer in plans:
            explain(engine, org, q, who, for_customer)          # warm
            e = explain(engine, org, q, who, for_customer)
            print(f"  EXPLAIN {label:<27} {' <- '.join(e['nodes'])}; buffers hit {e['hit']} "
                  f"read {e['read']}; execution {e['ms']:.2f} ms")
        engine.dispose()
        engine = None

        print(f"  server: gunicorn -c {GUNICORN_CONF}, billing {billing.workers()} workers, bare "
              f"{bare.workers()} workers (gthread, {os.environ.get('WEB_THREADS', '4')} threads each); "
              f"load: {args.load_procs} process(es) x {args.concurrency} keep-alive connections, "
              f"{args.warmup:g} s warm-up + {args.duration:g} s; {os.cpu_count()} CPUs shared by all "
              f"(load average {os.getloadavg()[0]:.1f} before)", flush=True)
        scenarios = [
            ("bare Flask page", bare.port, ["/bare"], {}),
            ("customer, first page", billing.port, [mine], as_contact),
            (f"customer, deep pages {pages - len(deep) + 1}-{pages}", billing.port,
             [f"{mine}?cursor={c}" for c in deep], as_contact),
            ("customer, status=paid sort=-total", billing.port, [f"{mine}?status=paid&sort=-total"], as_contact),
            (f"org ({n:,}), first page", billing.port, [f"/orgs/{org}/invoices"], as_staff),
            (f"org ({n:,}), pages {n // 4 // PAGE:,}-{3 * n // 4 // PAGE:,}", billing.port,
             [f"/orgs/{org}/invoices?cursor={c}" for c in org_cursors], as_staff),
            ("bare Flask page, again", bare.port, ["/bare"], {}),
        ]
        base = None
        for label, port, paths, headers in scenarios:
            r = drive(port, paths, headers, args)
            line = (f"  {label:<38} {r['rps']:>8,.0f} req/s   p50 {r['p50'] * 1e3:6.1f} ms  "
                    f"p99 {r['p99'] * 1e3:6.1f} ms")
            if base is None:
                base = r
            elif port == bare.port:
                line += f"   (drift from the first: req/s {r['rps'] / base['rps']:.2f}, p99 {r['p99'] / base['p99']:.1f}x)"
            else:
                line += (f"   ratio req/s {r['rps'] / base['rps']:.2f}  p50 {r['p50'] / base['p50']:.1f}x  "
                         f"p99 {r['p99'] / base['p99']:.1f}x")
            if r["errors"]:
                line += f"   ({r['errors']} errors: {r['statuses']})"
            print(line, flush=True)
    except KeyboardInterrupt:
        print("\n  interrupted: stopping the servers, dropping the database", flush=True)
        interrupted = True
    finally:
        for server in servers:
            server.stop()
        if engine is not None:
            engine.dispose()
        if db_name:
            drop_postgres_db(db_name)
        shutil.rmtree(workdir, ignore_errors=True)
        signal.signal(signal.SIGTERM, old_term)
    if interrupted:
        raise SystemExit(130)


if __name__ == "__main__":
    if sys.argv[1:] == ["--load"]:
        print(json.dumps(_load(json.loads(sys.stdin.read()))))
    else:
        sys.exit("usage: python -m tests.bench --only invoices [--invoices N] (this module's own "
                 "entry point is the load process: --load, a JSON spec on stdin)")
