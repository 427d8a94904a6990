"""Invoice numbers: unique per org (case-insensitive), given by staff or taken in sequence.

Race-safe without a lock: the next number is one past the highest INV-nnnnnn of the org,
and the unique index `uq_invoices_number` refuses a second invoice with it. Two requests
that pick the same number at once both write; the second write fails at the index (it
waits for the first transaction on PostgreSQL; SQLite serialises writers), and its handler
runs again and takes the next one. A number staff gave that is taken answers 409.
"""
from sqlalchemy import func, select

from services.billing.domain.invoice import auto_number
from services.billing.projections import invoices
from services.chassis.errors import DomainError


class NumberTaken(DomainError):
    status = 409
    title = "Conflict"


def next_number(conn, org_id: str) -> str:
    highest = conn.execute(select(func.max(invoices.c.number_seq))
                           .where(invoices.c.org_id == org_id)).scalar()
    return auto_number((highest or 0) + 1)


def is_free(conn, org_id: str, number: str, invoice_id: str) -> bool:
    """True unless another invoice of the org has this number (in any case)."""
    found = conn.execute(select(invoices.c.invoice_id).where(
        invoices.c.org_id == org_id, invoices.c.number_key == number.lower(),
        invoices.c.invoice_id != invoice_id)).first()
    return found is None


def ensure_free(conn, org_id: str, number: str | None, invoice_id: str) -> None:
    if number is not None and not is_free(conn, org_id, number, invoice_id):
        raise NumberTaken(f"Invoice number {number} is already used.", field="number")
