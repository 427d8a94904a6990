"""`make bench BENCH_ARGS="--only idle"`: the whole `make up` stack left alone (issue 15's idle
budget: under 5% of one core and under 1 GB in all, every process at most 80 MB).

It starts `make up`'s stack in a folder of its own, waits until it is up and has settled,
then reads every process's CPU time and memory (resident, and its proportional share) from /proc at the start and the end
of a quiet minute. CPU is the processes' own time (user + system), so what else the machine
does changes it little. It prints each kind of process (the services' web and worker
processes, the gateway, the live channel, the broker, the mail catcher) with its share of
one core and its memory, the totals, and the budget beside them. Never pass/fail."""
from __future__ import annotations

import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from tests.e2e.stack import Stack

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> tuple[int, float, int] | None:
    """(parent pid, CPU seconds, resident bytes) of a process, None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS, rss


def proportional(pid: int) -> int:
    """The process's proportional share of memory (PSS: a page shared by n processes counts
    1/n to each), so that the sum over processes is the memory they take together."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def tree(root: int) -> dict[int, tuple[float, int]]:
    """Every process under `root` (itself included): pid -> (CPU seconds, resident bytes)."""
    found, parents = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))):
            parents[int(entry)] = stat[0]
            found[int(entry)] = stat[1:]
    ours, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in ours:
                ours.add(child)
                frontier.append(child)
    return {pid: found[pid] for pid in ours if pid in found}


def name(pid: int) -> str:
    """What a process is, from its command line: "billing web", "billing worker", "broker", ..."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    line = " ".join(a.decode(errors="replace") for a in argv if a)
    for service in ("identity", "billing", "orders", "support", "documents", "notifications"):
        if f"services.{service}" in line:
            return f"{service} {'worker' if 'worker' in line else 'web'}"
    for word, label in (("gateway.live", "live channel"), ("gateway.app", "gateway web"),
                        ("mailcatcher", "mail catcher"), ("broker", "broker"), ("honcho", "honcho"),
                        ("up.py", "make up")):
        if word in line:
            return label
    return line[:40]


def run(args) -> None:
    data = Path(tempfile.mkdtemp(prefix="bench-idle-"))
    stack = Stack(data / "var")
    stack.start()
    try:
        time.sleep(args.idle_settle)
        first, started = tree(stack.proc.pid), time.monotonic()
        time.sleep(args.idle_seconds)
        last, took = tree(stack.proc.pid), time.monotonic() - started
        names = {pid: name(pid) for pid in last}
        shares = {pid: proportional(pid) for pid in last}
    finally:
        stack.stop()
    kinds: dict[str, list] = defaultdict(lambda: [0, 0.0, 0, 0])      # processes, CPU s, PSS, max RSS
    for pid, (cpu, rss) in last.items():
        kind = kinds[names[pid]]
        kind[0] += 1
        kind[1] += cpu - first.get(pid, (cpu, 0))[0]
        kind[2] += shares[pid]
        kind[3] = max(kind[3], rss)
    total_cpu = sum(k[1] for k in kinds.values()) / took * 100
    total_rss = sum(k[2] for k in kinds.values())
    print(f"\n[idle] `make up`'s stack left alone for {took:.0f} s after {args.idle_settle:.0f} s to settle")
    print(f"  {'process':<24} {'n':>3} {'% of a core':>12} {'MB (PSS)':>10} {'largest RSS MB':>15}")
    for label, (n, cpu, rss, top) in sorted(kinds.items(), key=lambda kv: -kv[1][1]):
        print(f"  {label:<24} {n:>3} {cpu / took * 100:>11.1f}% {rss / 2**20:>10.0f} {top / 2**20:>15.0f}")
    largest = max(k[3] for k in kinds.values())
    print(f"  {'all':<24} {len(last):>3} {total_cpu:>11.1f}% {total_rss / 2**20:>10.0f} {largest / 2**20:>15.0f}")
    print(f"  budget: under 5% of a core ({total_cpu / 5:.1f}x of it), under 1 GB ({total_rss / 2**30:.2f} GB), "
          f"every process at most 80 MB (largest {largest / 2**20:.0f} MB)")
