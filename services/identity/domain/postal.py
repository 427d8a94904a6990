"""A postal address and a tax id as billing's documents print them (the customer's under
"Bill to", the org's as the seller). An address is free lines, not fields: formats differ
by country and the PDF prints them as given, so blank lines are dropped and the rest kept
in order."""
from __future__ import annotations

from services.chassis.errors import DomainError

ADDRESS_LINES = 6                  # the contract's limit (contracts/events/identity.py)
LINE_LENGTH = 200
TAX_ID_LENGTH = 50


def address_lines(lines, field: str) -> list[str]:
    kept = [str(line).strip() for line in lines or [] if str(line).strip()]
    if len(kept) > ADDRESS_LINES:
        raise DomainError(f"An address has at most {ADDRESS_LINES} lines.", field=field)
    if any(len(line) > LINE_LENGTH for line in kept):
        raise DomainError(f"An address line has at most {LINE_LENGTH} characters.", field=field)
    return kept


def tax_id(value, field: str) -> str | None:
    """None for no tax id; spaces kept as typed ("GB 123 4567 89" is how many print it)."""
    value = (value or "").strip()
    if len(value) > TAX_ID_LENGTH:
        raise DomainError(f"A tax id has at most {TAX_ID_LENGTH} characters.", field=field)
    return value or None
