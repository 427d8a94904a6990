"""`make bench`: figures and ratios for the event backbone, measured in one run.

- event-store appends/s, single (1 event per transaction) and batched (100 per
  transaction), against raw INSERTs of the same rows on the same database;
- relay throughput (events/s from the table to the broker, confirmed);
- append -> consumer-handled latency p50/p99 against a bare produce -> consume
  round trip on the same broker.
- the invoice lists (tests/bench/invoices.py): requests/s, p50, p99 of billing's list
  pages for an org with 1M invoices and a customer with 10k, on PostgreSQL, against a bare
  Flask page under the same gunicorn set-up; EXPLAIN of the pages' SQL.
- live updates (tests/bench/live.py): N streams open on `make up`'s live process (2,000
  and 10,000), a message's commit -> every stream p50/p99, the process's RSS, and a page's
  latency while they are open beside without.
- portal pages (tests/bench/pages.py): the contact's sales orders (an org of 1M orders, 10k
  the customer's), invoices and home page through the gateway, signed in, on make up's stack
  with PostgreSQL, beside a one-process Flask app running the same query and template.
- invoice push (tests/bench/push.py): an ERP pushing invoices through /api/v1 on make up's
  stack with PostgreSQL, 16 clients: batches of 500 (invoices/s end to end: appended,
  numbered, projected, published) and single creates; the conflicts (409) counted and the
  numbers checked for doubles and gaps.
Never pass/fail: it prints what it measured. `--only backbone|invoices|live|pages|push|idle` runs one part,
`--invoices 100000` a smaller org (make bench BENCH_ARGS="--only invoices --invoices 100000").
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from sqlalchemy import JSON, BigInteger, Column, Integer, MetaData, String, Table, insert

from services.chassis import migrate
from services.chassis.config import Config
from services.chassis.consumer import ConsumerRunner
from services.chassis.events import Event
from services.chassis.relay import OutboxRelay
from services.chassis.runtime import ServiceSpec, bootstrap
from services.identity.bootstrap import SPEC as IDENTITY
from services.identity.domain.organization import Organization
from tests.bench import idle, invoices, live, pages, push
from tests.helpers.broker import Broker
from tests.helpers.databases import create_postgres_db, drop_postgres_db, postgres_available

raw_md = MetaData()
raw_events = Table("raw_events", raw_md,
                   Column("position", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
                   Column("event_id", String(36), unique=True), Column("stream_id", String(64)),
                   Column("stream_type", String(64)), Column("version", Integer),
                   Column("type", String(100)), Column("schema_version", Integer),
                   Column("org_id", String(64)), Column("occurred_at", String(40)),
                   Column("data", JSON), Column("meta", JSON))


def org_events(n: int) -> list[Event]:
    return [Organization.create("Bench", f"b-{uuid.uuid4().hex[:20]}").pending[0] for _ in range(n)]


def raw_row(e: Event) -> dict:
    return {"event_id": e.event_id, "stream_id": e.aggregate_id, "stream_type": e.aggregate_type,
            "version": 1, "type": e.type, "schema_version": 1, "org_id": e.org_id,
            "occurred_at": e.occurred_at, "data": e.data,
            "meta": {"actor": e.actor, "correlation_id": e.correlation_id, "causation_id": None}}


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else float("inf")


def bench_appends(rt, n_single: int, n_batched: int, batch: int) -> dict:
    rt.store.projections = []          # the store alone, not a read model's work
    raw_md.create_all(rt.engine)
    res = {}
    evs = org_events(n_single)
    t = time.perf_counter()
    for e in evs:
        with rt.store.unit_of_work() as uow:
            uow.append([e])
            uow.commit()
    res["store single"] = rate(n_single, time.perf_counter() - t)
    evs = org_events(n_single)
    t = time.perf_counter()
    for e in evs:
        with rt.engine.begin() as conn:
            conn.execute(insert(raw_events), [raw_row(e)])
    res["raw single"] = rate(n_single, time.perf_counter() - t)
    evs = org_events(n_batched)
    t = time.perf_counter()
    for i in range(0, n_batched, batch):
        with rt.store.unit_of_work() as uow:
            uow.append(evs[i:i + batch])
            uow.commit()
    res["store batched"] = rate(n_batched, time.perf_counter() - t)
    evs = org_events(n_batched)
    t = time.perf_counter()
    for i in range(0, n_batched, batch):
        with rt.engine.begin() as conn:
            conn.execute(insert(raw_events), [raw_row(e) for e in evs[i:i + batch]])
    res["raw batched"] = rate(n_batched, time.perf_counter() - t)
    return res


def bench_relay(rt) -> float:
    relay = OutboxRelay(rt.engine, rt.config)
    backlog = relay.backlog()
    t = time.perf_counter()
    relay.drain(timeout=300)
    seconds = time.perf_counter() - t
    relay.close()
    return rate(backlog, seconds)


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def bare_round_trip(bootstrap_servers: str, n: int, fetch_wait: int) -> list[float]:
    topic = f"bench.rtt.{uuid.uuid4().hex[:6]}"
    producer = Producer({"bootstrap.servers": bootstrap_servers, "enable.idempotence": True,
                         "acks": "all", "linger.ms": 1})
    producer.produce(topic, b"warm")
    producer.flush(10)
    consumer = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": "bench-rtt",
                         "fetch.wait.max.ms": fetch_wait, "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(4)])
    while consumer.poll(0.5) is None:
        pass
    out = []
    for _ in range(n):
        t = time.perf_counter()
        producer.produce(topic, b"x")
        producer.poll(0)
        while True:
            msg = consumer.poll(1)
            if msg is not None and not msg.error():
                break
        out.append(time.perf_counter() - t)
        time.sleep(0.01)
    consumer.close()
    return out


def bench_latency(rt_source, rt_sink, n: int) -> list[float]:
    """Append in identity; a billing-side consumer handles it; time between the two."""
    handled: dict[str, float] = {}
    done = threading.Event()

    def on_created(event, uow):
        handled[event.event_id] = time.perf_counter()
        if len(handled) >= n:
            done.set()
    spec = ServiceSpec(name="billing", metadata=MetaData(), migrations=IDENTITY.migrations,
                       subscriptions=lambda: {"portal.identity.v1": {"OrganizationCreated": on_created}})
    stop = threading.Event()
    relay = OutboxRelay(rt_source.engine, rt_source.config)
    rt_source.store.on_commit.append(relay.waker.poke)
    consumer = ConsumerRunner(rt_sink.store, rt_sink.config, spec.subscriptions())
    threads = [threading.Thread(target=relay.run, args=(stop,)),
               threading.Thread(target=consumer.run, args=(stop,))]
    [t.start() for t in threads]
    # warm up: the consumer has joined when a first event is handled
    warm = org_events(1)
    with rt_source.store.unit_of_work() as uow:
        uow.append(warm)
        uow.commit()
    while warm[0].event_id not in handled:
        time.sleep(0.05)
    handled.clear()
    sent: dict[str, float] = {}
    for e in org_events(n):
        with rt_source.store.unit_of_work() as uow:
            uow.append([e])
            sent[e.event_id] = time.perf_counter()
            uow.commit()
        time.sleep(0.02)
    done.wait(60)
    stop.set()
    [t.join(30) for t in threads]
    return [handled[k] - sent[k] for k in sent if k in handled]


def run(kind: str, args) -> None:
    made = None
    if kind == "postgresql":
        why = postgres_available()
        if why:
            print(f"\n[{kind}] skipped: {why}")
            return
        made = [create_postgres_db(), create_postgres_db()]
        urls = [made[0][1], made[1][1]]
    else:
        tmp = tempfile.mkdtemp(prefix="bench-")
        urls = [f"sqlite:///{tmp}/identity.db", f"sqlite:///{tmp}/billing.db"]
    broker = Broker().start()      # a fresh broker per database: no earlier backlog in the way
    try:
        cfgs = [Config.from_env(s, database_url=u, kafka_bootstrap=broker.bootstrap,
                                session_timeout_ms=2000, heartbeat_interval_ms=200, log_level="WARNING")
                for s, u in zip(("identity", "billing"), urls)]
        for cfg in cfgs:
            migrate.upgrade(IDENTITY, cfg.database_url)
        source, sink = bootstrap(IDENTITY, cfgs[0]), bootstrap(IDENTITY, cfgs[1])
        latency = bench_latency(source, sink, args.latency)
        rtt = bare_round_trip(broker.bootstrap, args.latency, cfgs[0].fetch_wait_max_ms)
        appends = bench_appends(source, args.single, args.batched, args.batch)
        relay_rate = bench_relay(source)
        print(f"\n[{kind}]")
        print(f"  append, 1 event/tx      {appends['store single']:>10,.0f} ev/s   raw INSERT "
              f"{appends['raw single']:>10,.0f} rows/s   ratio {appends['store single'] / appends['raw single']:.2f}")
        print(f"  append, {args.batch} events/tx  {appends['store batched']:>10,.0f} ev/s   raw INSERT "
              f"{appends['raw batched']:>10,.0f} rows/s   ratio {appends['store batched'] / appends['raw batched']:.2f}"
              f"   (target >= 10,000 ev/s on PostgreSQL)")
        print(f"  relay throughput        {relay_rate:>10,.0f} ev/s confirmed by the broker")
        lp50, lp99 = percentile(latency, 50) * 1e3, percentile(latency, 99) * 1e3
        bp50, bp99 = percentile(rtt, 50) * 1e3, percentile(rtt, 99) * 1e3
        print(f"  append -> handled       p50 {lp50:6.1f} ms  p99 {lp99:6.1f} ms  (n={len(latency)})")
        print(f"  bare produce -> consume p50 {bp50:6.1f} ms  p99 {bp99:6.1f} ms")
        print(f"  latency ratio           p50 {lp50 / bp50:5.2f}x  p99 {lp99 / bp99:5.2f}x  "
              f"(target p99 <= 5x, never above 250 ms)")
        source.dispose()
        sink.dispose()
    finally:
        broker.stop()
        for name, _ in made or []:
            drop_postgres_db(name)


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--single", type=int, default=2000)
    parser.add_argument("--batched", type=int, default=50000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--latency", type=int, default=300)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both",
                        help="the backbone's databases (the invoice lists run on PostgreSQL)")
    parser.add_argument("--only", choices=["backbone", "invoices", "live", "pages", "push", "idle"],
                        help="one part of the bench")
    parser.add_argument("--orders", type=int, default=1_000_000, help="sales orders in the org (pages)")
    parser.add_argument("--customer-orders", type=int, default=10_000, help="of them, the customer's (pages)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per process of the stack (pages)")
    parser.add_argument("--live", default="2000,10000", help="open streams in the live bench, comma-separated")
    parser.add_argument("--live-messages", type=int, default=20, help="messages posted per size in the live bench")
    parser.add_argument("--invoices", type=int, default=1_000_000, help="invoices in the org")
    parser.add_argument("--customer-invoices", type=int, default=10_000, help="of them, the customer's")
    parser.add_argument("--duration", type=float, default=10, help="seconds measured per invoice page")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per invoice page")
    parser.add_argument("--concurrency", type=int, default=8, help="connections driving the pages")
    parser.add_argument("--load-procs", type=int, default=1, help="load processes (connections each)")
    parser.add_argument("--push-clients", type=int, default=16, help="clients pushing invoices at once (push)")
    parser.add_argument("--push-invoices", type=int, default=32_000, help="invoices pushed in batches of 500 (push)")
    parser.add_argument("--push-seconds", type=float, default=10, help="seconds of single pushes (push)")
    parser.add_argument("--idle-seconds", type=float, default=60, help="seconds the stack is watched idle (idle)")
    parser.add_argument("--idle-settle", type=float, default=20, help="seconds it settles first (idle)")
    args = parser.parse_args()
    if args.only in (None, "backbone"):
        for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
            run(kind, args)
    if args.only in (None, "invoices"):
        invoices.run(args)
    if args.only in (None, "live"):
        live.run(args)
    if args.only in (None, "pages"):
        pages.run(args)
    if args.only in (None, "push"):
        push.run(args)
    if args.only in (None, "idle"):
        idle.run(args)


if __name__ == "__main__":
    main()
