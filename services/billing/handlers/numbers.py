"""Invoice numbers: INV-000001, INV-000002, ... per org, never failing, never leaving a gap.

Each org has one counter row, `invoice_numbers` (tables.py). A create or an issue moves it
inside the very transaction that appends the invoices it numbers, with an upsert that
returns where it stands (INSERT ... ON CONFLICT DO UPDATE ... RETURNING, the same SQL on
both databases):

- PostgreSQL locks the row until the transaction ends, so the org's numbering transactions
  take turns on it, and every statement after it sees what the one before committed (READ
  COMMITTED takes a fresh snapshot per statement);
- SQLite's writers take turns anyway (every write transaction starts with BEGIN IMMEDIATE,
  services/chassis/db.py).

A transaction that rolls back (a refused item, an error, a lost connection) gives its
numbers back with it: the next one takes them. No number is handed out by a sequence
outside the transaction, so none is lost.

Staff may give a number. One in our own form (INV-000041, any case) moves the counter up to
it when it is higher, so the next one we give is one past the highest, as before; every
given number is checked and written after `lock`, so two requests giving the same number
take turns and the second answers 409. As a safety net, numbers taken from the counter are
checked against the invoices and any already used (a row older than the counter) is passed
over: it is used, so that is no gap.
"""
from __future__ import annotations

from sqlalchemy import case, func, literal, select

from services.billing.domain.invoice import auto_number, number_sequence
from services.billing.projections.invoices import invoices
from services.billing.tables import invoice_numbers
from services.chassis.db import upsert_insert


def lock(conn, org_id: str) -> int:
    """Take the org's counter for this transaction (first, before the checks it guards);
    returns the last number given."""
    return _advance(conn, org_id, 0)


def take(conn, org_id: str, count: int) -> list[str]:
    """The next `count` numbers of the org, in order; they are this transaction's until it
    commits (then used) or rolls back (then free again)."""
    numbers: list[str] = []
    while len(numbers) < count:
        need = count - len(numbers)
        last = _advance(conn, org_id, need)
        fresh = [auto_number(seq) for seq in range(last - need + 1, last + 1)]
        used = taken(conn, org_id, fresh)
        numbers += [n for n in fresh if n.lower() not in used]
    return numbers


def claim(conn, org_id: str, numbers) -> None:
    """After `lock`, before writing numbers staff gave: move the counter up to the highest of
    them in our own form."""
    highest = max((number_sequence(n) or 0 for n in numbers if n), default=0)
    if highest:                               # else `lock` has done all there is to do
        _advance(conn, org_id, 0, at_least=highest)


def taken(conn, org_id: str, numbers) -> set[str]:
    """Which of these numbers (lower-cased) an invoice of the org already has."""
    keys = sorted({n.lower() for n in numbers if n})
    if not keys:
        return set()
    return set(conn.execute(select(invoices.c.number_key).where(
        invoices.c.org_id == org_id, invoices.c.number_key.in_(keys))).scalars())


def _advance(conn, org_id: str, by: int, at_least: int = 0) -> int:
    """Move the counter to max(last, at_least) + by and return it (a new org's counter starts
    at its highest INV-nnnnnn so far, which the migration also seeded existing orgs with)."""
    c = invoice_numbers.c
    highest = (select(func.coalesce(func.max(invoices.c.number_seq), 0))
               .where(invoices.c.org_id == org_id).scalar_subquery())
    start = case((highest < at_least, literal(at_least)), else_=highest) + by
    moved = case((c.last_seq < at_least, literal(at_least)), else_=c.last_seq) + by
    return conn.execute(upsert_insert(conn, invoice_numbers)
                        .values(org_id=org_id, last_seq=start)
                        .on_conflict_do_update(index_elements=["org_id"], set_={"last_seq": moved})
                        .returning(c.last_seq)).scalar_one()
