"""Order lines and their amounts: integer minor units next to an ISO 4217 currency.

The rule an ERP can check by hand, per line: subtotal = quantity x unit price, tax =
subtotal x tax rate / 100, each rounded half away from zero to a whole minor unit; total =
subtotal + tax. The order's amounts are the sums of its rounded lines. Quantities have at
most 4 decimals, tax rates 4. Never a float: quantities and rates travel as text.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from services.chassis.errors import DomainError

MAX_LINES = 500
MAX_MINOR = 10**15                     # far beyond any real order, well inside a 64-bit column
MAX_QUANTITY = Decimal("1000000000")
MAX_DESCRIPTION = 500
CURRENCY = re.compile(r"^[A-Z]{3}$")
_EXACT = Context(prec=60)


def check_currency(value) -> str:
    if not isinstance(value, str) or not CURRENCY.match(value):
        raise DomainError("The currency is an ISO 4217 code such as EUR.", field="currency")
    return value


def _decimal(value, field: str, what: str, high: Decimal) -> Decimal:
    """A decimal given as text or a whole number: 0 <= value <= high, at most 4 decimals."""
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise DomainError(f"The {what} must be a number written as text, such as \"2.5\".", field=field)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError(f"The {what} must be a number.", field=field) from None
    if not number.is_finite():
        raise DomainError(f"The {what} must be a number.", field=field)
    if number < 0:
        raise DomainError(f"The {what} cannot be negative.", field=field)
    if number > high:
        raise DomainError(f"The {what} is at most {high}.", field=field)
    if number != number.quantize(Decimal("0.0001"), context=_EXACT):
        raise DomainError(f"The {what} may have at most 4 decimals.", field=field)
    return number.normalize(_EXACT) if number else Decimal(0)


def _rounded(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP, context=_EXACT))


def price_line(given: dict) -> dict:
    """One line as the API gives it, checked and priced (the shape of contracts' OrderLine)."""
    description = given.get("description")
    if not isinstance(description, str) or not description.strip():
        raise DomainError("A line needs a description.", field="description")
    if len(description.strip()) > MAX_DESCRIPTION:
        raise DomainError(f"A line's description is at most {MAX_DESCRIPTION} characters.", field="description")
    sku = given.get("sku")
    if sku is not None and (not isinstance(sku, str) or len(sku) > 100):
        raise DomainError("A SKU is text of at most 100 characters.", field="sku")
    quantity = _decimal(given.get("quantity"), "quantity", "quantity", MAX_QUANTITY)
    if quantity == 0:
        raise DomainError("The quantity must be more than 0.", field="quantity")
    unit = given.get("unit_price_minor")
    if isinstance(unit, bool) or not isinstance(unit, int) or not 0 <= unit <= MAX_MINOR:
        raise DomainError("The unit price is a whole number of minor units, 0 or more.", field="unit_price_minor")
    rate = _decimal(given.get("tax_rate", "0"), "tax_rate", "tax rate", Decimal(100))
    subtotal = _rounded(quantity * unit)
    if subtotal > MAX_MINOR:
        raise DomainError("This line's amount is too large.", field="quantity")
    tax = _rounded(subtotal * rate / 100)
    return {"description": description.strip(), "sku": sku.strip() if sku else None,
            "quantity": format(quantity, "f"), "unit_price_minor": unit, "tax_rate": format(rate, "f"),
            "subtotal_minor": subtotal, "tax_minor": tax, "total_minor": subtotal + tax}


def price_lines(lines) -> tuple[list[dict], dict]:
    """(priced lines, {subtotal_minor, tax_minor, total_minor}); 1 to 500 lines. An error
    names the line as marshmallow names a nested field (lines.2.quantity)."""
    if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_LINES:
        raise DomainError(f"An order has 1 to {MAX_LINES} lines.", field="lines")
    priced = []
    for i, given in enumerate(lines):
        try:
            if not isinstance(given, dict):
                raise DomainError("A line is an object.", field="line")
            priced.append(price_line(given))
        except DomainError as exc:
            field = exc.extensions.get("field") or "line"
            raise DomainError(f"Line {i + 1}: {exc.detail}", field="lines",
                              errors={"json": {"lines": {str(i): {field: [exc.detail]}}}}) from None
    amounts = {key: sum(line[key] for line in priced) for key in ("subtotal_minor", "tax_minor", "total_minor")}
    if amounts["total_minor"] > MAX_MINOR:
        raise DomainError("The order's total is too large.", field="lines")
    return priced, amounts


def tax_breakdown(lines: list[dict]) -> list[dict]:
    """Tax per rate for the order's tax summary: [{rate, taxable_minor, tax_minor}], by rate."""
    by_rate: dict[Decimal, list[int]] = {}
    for line in lines:
        sums = by_rate.setdefault(Decimal(line["tax_rate"]), [0, 0])
        sums[0] += line["subtotal_minor"]
        sums[1] += line["tax_minor"]
    return [{"rate": format(rate, "f"), "taxable_minor": taxable, "tax_minor": tax}
            for rate, (taxable, tax) in sorted(by_rate.items())]
