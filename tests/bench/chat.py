"""`make bench --only chat`: how long a ticket message takes from the writer's POST to a
reader waiting on support's long poll (what the gateway's live stream relays), p50/p99,
against the bare round trip of a GET on the same support process. Support is served by
gunicorn with the services' own settings, on PostgreSQL when it is there, else SQLite.

A writer posts `--chat` messages one after another, alternating contact and staff; a
reader waits with `after=<last seq>` as the gateway does and notes when each arrives.
Printed, never pass/fail.
"""
from __future__ import annotations

import os
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, insert

from tests.bench.invoices import Server, _percentile


def _ms(values: list[float]) -> str:
    return f"p50 {_percentile(values, 50) * 1000:6.1f} ms   p99 {_percentile(values, 99) * 1000:6.1f} ms"


def run(args) -> None:
    from services.chassis import auth, migrate
    from services.chassis.orgs import known_orgs
    from services.support.bootstrap import SPEC
    from tests.helpers.databases import create_postgres_db, drop_postgres_db, postgres_available

    workdir = Path(tempfile.mkdtemp(prefix="bench-chat-"))
    pg = postgres_available() is None
    db_name = None
    if pg:
        db_name, url = create_postgres_db()
    else:
        url = f"sqlite:///{workdir / 'support.db'}"
    server = None
    try:
        migrate.upgrade(SPEC, url)
        org = str(uuid.uuid4())
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(insert(known_orgs).values(org_id=org, name="Bench", host=None, settings={}))
        engine.dispose()
        private = auth.generate_private_pem()
        env = {**os.environ, "SUPPORT_DATABASE_URL": url, "KAFKA_BOOTSTRAP": "127.0.0.1:1",
               "INTERNAL_TOKEN_PUBLIC_KEYS": auth.public_pem(private), "LOG_FORMAT": "text"}
        server = Server("services.support.app:create_app()", env, workdir, "support")
        server.wait_ready("/healthz")
        base = f"http://127.0.0.1:{server.port}"

        def token(kind: str, **claims) -> dict:
            who = auth.Principal(kind=kind, org_id=org, mfa=True, name=kind, **claims)
            return {"Authorization": "Bearer " + auth.sign(private, who, ttl_s=3600)}

        contact = token("contact", id="c-1", customer_id="cust-1", permissions=frozenset({"view", "submit_tickets"}),
                        modules=frozenset({"tickets"}))
        staff = token("staff", id="s-1", role="owner")
        writer, reader = requests.Session(), requests.Session()
        ticket = writer.post(f"{base}/orgs/{org}/customers/cust-1/tickets", headers=contact, timeout=10,
                             json={"subject": "Bench", "description": "start"}).json()
        messages_url = f"{base}/orgs/{org}/customers/cust-1/tickets/{ticket['ticket_id']}/messages"
        staff_url = f"{base}/orgs/{org}/tickets/{ticket['ticket_id']}/messages"

        bare = []
        for _ in range(50):
            t = time.perf_counter()
            reader.get(messages_url, params={"after": 10**9, "wait": 0}, headers=contact, timeout=10)
            bare.append(time.perf_counter() - t)

        sent: dict[int, float] = {}
        seen: dict[int, float] = {}
        done = threading.Event()

        def read():
            after = 1
            while not done.is_set():
                found = reader.get(messages_url, params={"after": after, "wait": 5}, headers=contact, timeout=15).json()
                now = time.perf_counter()
                for m in found["items"]:
                    seen[m["seq"]] = now
                    after = m["seq"]

        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        time.sleep(0.5)
        posts = []
        for i in range(args.chat):
            url, who = (staff_url, staff) if i % 2 else (messages_url, contact)
            t = time.perf_counter()
            answer = writer.post(url, json={"body": f"message {i}"}, headers=who, timeout=10).json()
            posts.append(time.perf_counter() - t)
            sent[answer["seq"]] = t
            time.sleep(0.05)                       # people type; the reader is idle between messages
        deadline = time.monotonic() + 10
        while len(seen) < len(sent) and time.monotonic() < deadline:
            time.sleep(0.05)
        done.set()
        latency = [seen[s] - sent[s] for s in sent if s in seen]
        print(f"\n[chat: support on {'postgresql' if pg else 'sqlite'}, {args.chat} messages, "
              f"gunicorn with the services' settings]")
        print(f"  bare GET round trip        {_ms(bare)}")
        print(f"  POST a message             {_ms(posts)}")
        print(f"  POST -> waiting reader     {_ms(latency)}   ({len(latency)}/{len(sent)} arrived)")
        print(f"  ratio p50 reader/bare      {_percentile(latency, 50) / _percentile(bare, 50):6.1f}x "
              f"(the long poll looks every {0.2:.1f} s: half of that is the expected wait)")
    finally:
        if server:
            server.stop()
        if db_name:
            drop_postgres_db(db_name)
