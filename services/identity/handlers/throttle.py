"""Sign-in throttling that slows attackers without locking the real person out for good.

Per account (and per MFA user): the first few failures are free, then each further one
blocks the account for 1, 2, 4 ... seconds up to `max_block_s` (15 minutes): at most a few
dozen guesses an hour get checked (ASVS asks for no more than 100), and the real person
waits minutes, never forever. A success clears the count. Per client IP: after
`ip_per_hour` failures in an hour, the rest of that hour is refused. While blocked, no
password is even verified, so throttled guesses cannot burn argon2 CPU.

**Counted before the secret is checked** (`attempt`), in one transaction that locks the
counters' rows: every try counts as a failure until it turns out right (then `clear` /
`forgive` take it back). Checking first and counting after a wrong answer let parallel
guesses all pass the check before any of them was counted; now the sixth of a hundred
guesses sent at once finds the account blocked.

The same fixed hourly window also caps the mails with a link that anyone may trigger for an
address (password resets, sign-up confirmations): `within_budget` with `mail_key`."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update

from services.chassis.db import upsert_insert
from services.identity.tables import throttle

HOUR = 3600.0


@dataclass(frozen=True)
class Limits:
    free: int = 5
    max_block_s: float = 900.0
    ip_per_hour: int = 100


LIMITS = Limits()                  # what sign-in, MFA and password change count against


def attempt(conn, keys: list[tuple[str, bool]], now: float, limits: Limits) -> float:
    """Count one try against every (key, per_ip) before the secret is checked. Answers how
    long the caller must wait (nothing counted then), or 0.0: go ahead, counted. Run it in
    its own transaction, committed before the check, so parallel tries see each other."""
    ins = upsert_insert(conn, throttle)
    names = sorted({key for key, _ in keys})                 # one lock order: no deadlocks
    rows: dict = {}
    while len(rows) < len(names):       # a success elsewhere may `clear` a row between the two steps
        for key in names:
            conn.execute(ins.values(key=key, window_start=now, failures=0, blocked_until=0)
                         .on_conflict_do_nothing(index_elements=["key"]))
        rows = {r.key: r for r in conn.execute(select(throttle).where(throttle.c.key.in_(names))
                                               .order_by(throttle.c.key).with_for_update())}
    wait = max([rows[key].blocked_until - now for key in names] + [0.0])
    if wait > 0:
        return wait
    for key, per_ip in keys:
        _count(conn, rows[key], now, limits, per_ip)
    return 0.0


def _count(conn, row, now: float, limits: Limits, per_ip: bool) -> None:
    window_start, failures = row.window_start, row.failures
    if now - window_start > HOUR:
        window_start, failures = now, 0
    failures += 1
    if per_ip:
        blocked = window_start + HOUR if failures >= limits.ip_per_hour else 0.0
    elif failures >= limits.free:
        blocked = now + min(2.0 ** (failures - limits.free), limits.max_block_s)
    else:
        blocked = 0.0
    conn.execute(update(throttle).where(throttle.c.key == row.key).values(
        window_start=window_start, failures=failures, blocked_until=blocked))


def hold(conn, key: str) -> None:
    """Lock `key`'s counter until the transaction ends: writers of one account's audit trail
    take turns instead of colliding on its stream's version (forty guesses at once)."""
    conn.execute(select(throttle.c.key).where(throttle.c.key == key).with_for_update())


def forgive(conn, key: str) -> None:
    """Take back the try `attempt` counted against a shared key (a client IP) once it was right."""
    conn.execute(update(throttle).where(throttle.c.key == key, throttle.c.failures > 0)
                 .values(failures=throttle.c.failures - 1))


def within_budget(conn, key: str, now: float, per_hour: int) -> bool:
    """Counts one more use of `key` in its hour; False (and nothing counted) once `per_hour`
    were used. Atomic like `attempt`: two requests at the same instant take turns."""
    return not attempt(conn, [(key, True)], now, Limits(ip_per_hour=per_hour))


def clear(conn, key: str) -> None:
    conn.execute(delete(throttle).where(throttle.c.key == key))


def account_key(org_id: str, kind: str, email: str) -> str:
    return f"acct:{org_id}:{kind}:{email.lower()}"[:400]


def ip_key(org_id: str, ip: str | None) -> str:
    return f"ip:{org_id}:{ip or '-'}"[:400]


def mfa_key(user_id: str) -> str:
    return f"mfa:{user_id}"


def mail_key(org_id: str, email: str) -> str:
    return f"mail:{org_id}:{email.lower()}"[:400]
