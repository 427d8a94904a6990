"""`make bench --only pages`: portal pages the way a customer reaches them, through the
gateway and signed in, beside a one-process Flask app doing the same query and template on
the same database in the same run (issues 15 and 16).

- `make up`'s whole stack (tests/e2e/stack.py: gateway, live, every service's web and
  worker, the bundled broker) with identity, billing and orders on fresh PostgreSQL
  databases; make up seeds the demo org, its customer and the demo contact.
- The orders read model seeded directly (INSERT ... SELECT from generate_series): the demo
  org gets N sales orders (default 1,000,000) over five years, M of them (default 10,000)
  the demo customer's; indexes built after, then VACUUM ANALYZE.
- The demo contact signs in through the gateway's own sign-in form; its cookie drives the
  pages. The monolith (`monolith_app`, one gunicorn worker process under the same settings)
  runs orders' own list query (services/orders/queries/orders.py) on the same database and
  renders the same table with the gateway's money and day filters.
- The load process of tests/bench/invoices.py drives each page the same way: a warm-up,
  then a fixed time at a fixed concurrency; requests/s, p50, p99, and the ratio to the
  monolith.

Never pass/fail: it prints what it measured. Everything made here is removed again.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import requests

from tests.bench.invoices import PAGE, Server, drive

SEED_ORDERS = """
INSERT INTO sales_orders (sales_order_id, org_id, customer_id, number, number_key, number_seq, status, currency,
                          subtotal_minor, tax_minor, total_minor, lines, ordered_on, notes, external_ref,
                          invoice_ids, cancel_reason, placed_at, updated_at)
SELECT gen_random_uuid()::text, %(org)s,
       CASE WHEN g %% %(stride)s = 0 THEN %(customer)s ELSE md5('bench-customer-' || (g %% 20000))::uuid::text END,
       'SO-' || lpad((g + 1000)::text, 7, '0'), 'so-' || lpad((g + 1000)::text, 7, '0'), g + 1000,
       CASE WHEN r < .1 THEN 'confirmed' WHEN r < .15 THEN 'partially_shipped' WHEN r < .25 THEN 'shipped'
            WHEN r < .6 THEN 'invoiced' WHEN r < .97 THEN 'closed' ELSE 'cancelled' END,
       'EUR', net, round(net * 0.2)::bigint, net + round(net * 0.2)::bigint,
       json_build_array(json_build_object('description', 'Shelving units', 'sku', NULL, 'quantity', '1',
                                          'unit_price_minor', net, 'tax_rate', '20', 'subtotal_minor', net,
                                          'tax_minor', round(net * 0.2)::bigint,
                                          'total_minor', net + round(net * 0.2)::bigint)),
       to_char(day, 'YYYY-MM-DD'), NULL, NULL, '[]'::json, NULL,
       to_char(day, 'YYYY-MM-DD') || 'T09:00:00+00:00', to_char(day, 'YYYY-MM-DD') || 'T09:00:00+00:00'
FROM (SELECT g, random() AS r, (500 + floor(random() * 2000000))::bigint AS net,
             (current_date - (5 * 365) + (g::bigint * 5 * 365 / %(n)s)::int) AS day
      FROM generate_series(1, %(n)s) AS g) AS x
"""

TABLE = """<table class="table"><caption>Your sales orders</caption>
<thead><tr><th>Number</th><th>Ordered</th><th>Status</th><th class="num">Total</th></tr></thead><tbody>
{% for o in page["items"] %}<tr><td><a href="/sales-orders/{{ o.sales_order_id }}">{{ o.number }}</a></td>
<td>{{ o.ordered_on | day }}</td><td><span class="badge">{{ o.status }}</span></td>
<td class="num">{{ o.total_minor | money(o.currency) }}</td></tr>{% endfor %}</tbody></table>
{% if page.next_cursor %}<a href="?cursor={{ page.next_cursor }}" rel="next">Next page</a>{% endif %}"""


def monolith_app():
    """gunicorn "tests.bench.pages:monolith_app()": one process reading the same database
    with orders' own query and rendering the same table with the gateway's filters."""
    from flask import Flask, g, request

    from gateway.web import filters
    from services.chassis import auth
    from services.chassis.db import make_engine, read_only
    from services.orders.queries import orders as queries

    app = Flask("monolith")
    app.add_template_filter(filters.money, "money")
    app.add_template_filter(filters.day, "day")
    table = app.jinja_env.from_string(TABLE)              # compiled once, as Flask caches a template file
    engine = make_engine(os.environ["BENCH_ORDERS_URL"])
    org, customer = os.environ["BENCH_ORG"], os.environ["BENCH_CUSTOMER"]
    caller = auth.Principal(kind="contact", id="bench", org_id=org, customer_id=customer,
                            permissions=frozenset({"view"}), modules=frozenset({"sales_orders"}))

    @app.get("/sales-orders")
    def page():
        g.session_view = {"principal": {"language": "en"}}
        with read_only(engine) as conn:
            found = queries.list_orders(conn, org, queries.ListQuery(
                customer_id=customer, cursor=request.args.get("cursor"), limit=PAGE), caller)
        return table.render(page=found)
    return app


def seed_orders(url: str, org: str, customer: str, n: int, m: int) -> dict:
    import psycopg
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        defs = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'sales_orders' "
                            "AND indexname <> 'sales_orders_pkey'").fetchall()
        for name, _ in defs:
            conn.execute(f'DROP INDEX "{name}"')
        t = time.perf_counter()
        conn.execute(SEED_ORDERS, {"org": org, "customer": customer, "n": n, "stride": max(1, n // m)})
        took = time.perf_counter() - t
        for _, ddl in defs:
            conn.execute(ddl)
        conn.commit()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) sales_orders")
        rows, mine, size = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE customer_id = %s), "
            "pg_total_relation_size('sales_orders') FROM sales_orders", (customer,)).fetchone()
    return {"rows": rows, "customer": mine, "bytes": size, "insert_s": took}


def signed_in_cookie(base: str, email: str, password: str) -> str:
    """The session cookie a person gets from the gateway's sign-in form."""
    browser = requests.Session()
    form = browser.get(base + "/signin", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    answer = browser.post(base + "/signin", data={"email": email, "password": password, "csrf_token": token},
                          timeout=30, allow_redirects=False)
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in answered {answer.status_code}")
    return "; ".join(f"{c.name}={c.value}" for c in browser.cookies)


def run(args) -> None:
    from tests.e2e.stack import Stack
    from tests.e2e.test_payments import BUYER
    from tests.helpers.databases import create_postgres_db, drop_postgres_db, postgres_available

    n, m = args.orders, max(1, min(args.customer_orders, args.orders))
    title = f"[pages: through the gateway, signed in; orders on PostgreSQL, {n:,} in the org, {m:,} the customer's]"
    why = postgres_available()
    if why:
        print(f"\n{title} skipped: {why}")
        return
    workdir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    databases, stack, servers = {}, None, []
    try:
        for name in ("identity", "billing", "orders"):
            databases[name] = create_postgres_db()
        env = {f"{name.upper()}_DATABASE_URL": url for name, (_, url) in databases.items()}
        stack = Stack(workdir / "var", WEB_CONCURRENCY=str(args.web_workers), **env)
        stack.start()
        base = f"http://localhost:{stack.gateway}"
        operator = stack.operator()
        org = requests.get(stack.url("identity") + "/orgs/by-host/localhost", headers=operator, timeout=10).json()
        customer = requests.get(stack.url("identity") + f"/orgs/{org['org_id']}/customers", headers=operator,
                                timeout=10).json()
        customer = (customer.get("items") if isinstance(customer, dict) else customer)[0]
        print(f"\n{title}", flush=True)
        s = seed_orders(databases["orders"][1], org["org_id"], customer["customer_id"], n, m)
        print(f"  seeded {s['rows']:,} orders in {s['insert_s']:.1f} s ({s['customer']:,} the customer's); "
              f"table and indexes {s['bytes'] / 2**20:,.0f} MB", flush=True)

        # the gateway finds the org by the page's host name, as a browser sends it
        cookie = {"Cookie": signed_in_cookie(base, *BUYER), "Host": f"localhost:{stack.gateway}"}
        monolith = Server("tests.bench.pages:monolith_app()",
                          {**os.environ, "WEB_CONCURRENCY": "1", "BENCH_ORDERS_URL": databases["orders"][1],
                           "BENCH_ORG": org["org_id"], "BENCH_CUSTOMER": customer["customer_id"]},
                          workdir, "monolith")
        servers.append(monolith)
        monolith.wait_ready("/sales-orders")
        # cursors of the customer's deep pages, from the monolith's own next links
        cursors, cursor = [], None
        for _ in range(min(200, m // PAGE)):
            html = requests.get(f"http://127.0.0.1:{monolith.port}/sales-orders",
                                params={"cursor": cursor} if cursor else None, timeout=30).text
            found = re.search(r'href="\?cursor=([^"]+)" rel="next"', html)
            if not found:
                break
            cursor = found.group(1)
            cursors.append(cursor)
        deep = cursors[len(cursors) // 2:] or [None]
        check = requests.get(base + "/sales-orders", headers=cookie, timeout=30)
        rows = check.text.count("/sales-orders/")
        print(f"  the gateway's page shows {rows} order links (the monolith's {PAGE}); "
              f"{len(cursors)} deep cursors walked", flush=True)

        print(f"  servers: make up's stack (gunicorn, WEB_CONCURRENCY={args.web_workers} per service and "
              f"gateway), monolith 1 worker; load: {args.concurrency} keep-alive connections, "
              f"{args.warmup:g} s warm-up + {args.duration:g} s; {os.cpu_count()} CPUs shared by all "
              f"(load average {os.getloadavg()[0]:.1f} before)", flush=True)
        scenarios = [
            ("monolith: orders, first page", monolith.port, ["/sales-orders"], {}),
            ("portal /sales-orders, first page", stack.gateway, ["/sales-orders"], cookie),
            ("monolith: orders, deep pages", monolith.port, [f"/sales-orders?cursor={c}" for c in deep], {}),
            ("portal /sales-orders, deep pages", stack.gateway, [f"/sales-orders?cursor={c}" for c in deep], cookie),
            ("portal /invoices (the demo's)", stack.gateway, ["/invoices"], cookie),
            ("portal home", stack.gateway, ["/"], cookie),
        ]
        base_line = {}
        for label, port, paths, headers in scenarios:
            r = drive(port, paths, headers, args)
            line = (f"  {label:<36} {r['rps']:>8,.0f} req/s   p50 {r['p50'] * 1e3:6.1f} ms  "
                    f"p99 {r['p99'] * 1e3:6.1f} ms")
            kind = "deep" if "deep" in label else "first"
            if port == monolith.port:
                base_line[kind] = r
            elif kind in base_line and "/sales-orders" in label:        # the same page as the monolith's
                b = base_line[kind]
                line += f"   ratio to the monolith: req/s {r['rps'] / b['rps']:.2f}  p99 {r['p99'] / b['p99']:.1f}x"
            if r["errors"]:
                line += f"   ({r['errors']} errors: {r['statuses']})"
            print(line, flush=True)
    finally:
        for server in servers:
            server.stop()
        if stack is not None and stack.proc is not None:
            stack.stop()
        for name, _url in databases.values():
            drop_postgres_db(name)
        shutil.rmtree(workdir, ignore_errors=True)
