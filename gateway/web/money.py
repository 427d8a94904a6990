"""Money as people type it: "120,50" read as integer minor units with the currency's own
precision (Babel). The portal's partial payments and the console's invoices share it."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision


def decimal_text(text: str | None) -> str | None:
    """"2,5 " -> "2.5"; None for an empty field."""
    text = (text or "").strip().replace(",", ".")
    return text or None


def to_minor(text: str | None, currency: str) -> int | None:
    """"120,5" in EUR -> 12050, "5000" in JPY -> 5000; None when it is not an amount of this
    currency (more decimals than the currency has, or not a number)."""
    try:
        amount = Decimal(decimal_text(text) or "x")
    except InvalidOperation:
        return None
    minor = amount.scaleb(get_currency_precision(currency))
    return int(minor) if minor >= 0 and minor == minor.to_integral_value() else None
