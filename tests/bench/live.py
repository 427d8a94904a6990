"""`python -m tests.bench --only live`: the live channel on `make up`'s stack (SQLite, the
bundled broker, one live process). For each N of `--live` (default 2,000 and 10,000): open
N streams on one ticket's page, post messages, and print when they arrived (p50/p99 from
the message's `posted_at`, taken inside the transaction before its commit, to the moment a
stream received it: the bench's own client, in Python on the same machine, is part of that),
how many streams got each, the live process's memory (RSS), /invoices' latency while the
streams are open beside without, and from the live process's own /metrics: how old an
event is when it arrives there (relay + broker) and how long one batch's pass over all
its pages takes (the fan-out). Figures only, never pass/fail.
"""
from __future__ import annotations

import re
import tempfile
import urllib.request
from pathlib import Path

from tests.bench.invoices import _percentile as _pct
from tests.e2e.stack import Stack
from tests.helpers.live_load import fan_out


def rss_mb(port: int) -> float:
    """Resident memory of the live process that listens on `port` (found through /proc)."""
    for proc in Path("/proc").iterdir():
        try:
            if b"gateway.live" in (proc / "cmdline").read_bytes() and \
                    f"BIND=127.0.0.1:{port}".encode() in (proc / "environ").read_bytes():
                for line in (proc / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            continue
    return float("nan")


def histograms(port: int) -> dict[str, dict]:
    """The live process's histograms from /metrics: {name: {"buckets": {le: n}, "sum", "count"}}."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    found: dict[str, dict] = {}
    for name in ("portal_live_event_age_seconds", "portal_live_fanout_seconds"):
        h = found[name] = {"buckets": {}, "sum": 0.0, "count": 0.0}
        for le, n in re.findall(rf'^{name}_bucket{{le="([^"]+)"}} (\S+)$', text, re.M):
            h["buckets"][float(le)] = float(n)
        h["sum"] = float(re.search(rf"^{name}_sum (\S+)$", text, re.M).group(1))
        h["count"] = float(re.search(rf"^{name}_count (\S+)$", text, re.M).group(1))
    return found


def bucket_quantile(after: dict, before: dict, q: float) -> str:
    """The bucket the q-quantile of what came between two readings falls in ("<= 25 ms")."""
    total = after["count"] - before["count"]
    for le in sorted(after["buckets"]):
        if after["buckets"][le] - before["buckets"].get(le, 0) >= q * total:
            return f"<= {le * 1000:.0f} ms" if le != float("inf") else "> 2.5 s"
    return "n/a"


def server_side(after: dict, before: dict) -> str:
    parts = []
    for name, label in (("portal_live_event_age_seconds", "commit -> live process"),
                        ("portal_live_fanout_seconds", "one batch's pass over all its pages")):
        a, b = after[name], before[name]
        n = a["count"] - b["count"]
        mean = (a["sum"] - b["sum"]) / n * 1000 if n else float("nan")
        parts.append(f"{label}: mean {mean:.1f} ms, p50 {bucket_quantile(a, b, 0.5)}, p99 {bucket_quantile(a, b, 0.99)}")
    return "; ".join(parts)


def run(args) -> None:
    sizes = [int(n) for n in args.live.split(",")]
    stack = Stack(Path(tempfile.mkdtemp(prefix="bench-live-")) / "var",
                  LIVE_MAX_STREAMS_PER_PERSON=str(max(sizes) + 10))
    stack.start()
    try:
        idle = rss_mb(stack.live)
        print(f"\n[live: make up's stack, one live process; RSS idle {idle:.0f} MB]")
        for n in sizes:
            before = histograms(stack.live)
            memory: list[float] = []
            result, closed = fan_out(f"http://localhost:{stack.gateway}", n,
                                     messages=args.live_messages,
                                     page_times=50, while_open=lambda: memory.append(rss_mb(stack.live)))
            delays, reached = result.delays_ms, result.reached
            inside = server_side(histograms(stack.live), before)
            print(f"  {n:>6} streams  opened in {result.open_s:5.1f} s   live RSS {memory[0]:5.0f} MB   "
                  f"reached {min(reached)}..{max(reached)} of {n} per message")
            print(f"         posted -> delivered   p50 {_pct(delays, 50):6.1f} ms   p99 {_pct(delays, 99):6.1f} ms"
                  f"   ({len(delays)} deliveries)")
            print(f"         /invoices while open  p50 {_pct(result.page_ms_open, 50):6.1f} ms   "
                  f"p99 {_pct(result.page_ms_open, 99):6.1f} ms   beside without: p50 {_pct(closed, 50):6.1f} ms   "
                  f"p99 {_pct(closed, 99):6.1f} ms")
            print(f"         inside the live process: {inside}")
    finally:
        stack.stop()
