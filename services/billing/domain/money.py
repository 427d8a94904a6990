"""Money: integer minor units next to an ISO 4217 currency, and how invoice lines are priced.

Amounts are never floats. A currency's exponent (2 for EUR, 0 for JPY, 3 for KWD) says how
many minor units make a major one; it matters for showing amounts, not for the arithmetic,
which is all in minor units.

Rounding (the rule customers, staff and ERPs can check by hand):

1. line subtotal = quantity x unit price, rounded to a whole minor unit;
2. line discount = subtotal x percent / 100, rounded (or a fixed amount in minor units,
   never more than the subtotal);
3. line net = subtotal - discount;
4. line tax = net x tax rate / 100, rounded (tax is on the discounted amount);
5. line total = net + tax.

Every rounding is half away from zero (`ROUND_HALF_UP` in Python's decimal module, which
rounds ties away from zero; all our values are >= 0, so this is also "half up"). Each line is
rounded on its own and the invoice's totals are the sums of the rounded line amounts, so a
total always equals the sum of what its lines show, whatever their order. There is no
invoice-level discount. Quantities have at most 4 decimals, discount percents 2, tax rates 4.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

from services.chassis.errors import DomainError

# ISO 4217 minor-unit exponents of the currencies we accept. Most have 2.
_ZERO = ("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF").split()
_THREE = ("BHD IQD JOD KWD LYD OMR TND").split()
_TWO = ("AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP "
        "BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL "
        "GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP "
        "LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR "
        "NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP "
        "STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW "
        "ZWG").split()
EXPONENTS: dict[str, int] = {**{c: 2 for c in _TWO}, **{c: 0 for c in _ZERO}, **{c: 3 for c in _THREE}}

MAX_MINOR = 10**15                    # per line and per invoice: far beyond any real invoice,
MAX_QUANTITY = Decimal("1000000000")  # and well inside a 64-bit integer column
HUNDRED = Decimal(100)
_PRECISE = Context(prec=60)           # the default 28 digits could round a large product


def exponent(currency: str) -> int:
    """The currency's number of minor-unit digits; an unknown code is refused."""
    if not isinstance(currency, str) or currency not in EXPONENTS:
        raise DomainError(f"Unknown currency {currency!r}: use an ISO 4217 code such as EUR.",
                          field="currency")
    return EXPONENTS[currency]


def round_minor(value: Decimal) -> int:
    """Round to a whole minor unit, half away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP, context=_PRECISE))


def format_major(amount_minor: int, currency: str) -> str:
    """12345 EUR -> "123.45", 500 JPY -> "500", 1234 KWD -> "1.234" (no symbol, no grouping)."""
    digits = exponent(currency)
    sign = "-" if amount_minor < 0 else ""
    whole, part = divmod(abs(amount_minor), 10**digits)
    return f"{sign}{whole}.{part:0{digits}d}" if digits else f"{sign}{whole}"


def decimal_in(value, field: str, places: int, low: Decimal, high: Decimal, what: str) -> Decimal:
    """A decimal given as text or number, with at most `places` decimals, low <= value <= high."""
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal, float)):
        raise DomainError(f"The {what} must be a number.", field=field)
    try:
        number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise DomainError(f"The {what} must be a number.", field=field) from None
    if not number.is_finite():
        raise DomainError(f"The {what} must be a number.", field=field)
    if number != number.quantize(Decimal(1).scaleb(-places), context=_PRECISE):
        raise DomainError(f"The {what} may have at most {places} decimals.", field=field)
    if not low <= number <= high:
        raise DomainError(f"The {what} must be between {low} and {high}.", field=field)
    return Decimal(format(number.normalize(_PRECISE), "f")) if number != 0 else Decimal(0)


def minor_in(value, field: str, what: str, high: int = MAX_MINOR) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(f"The {what} must be a whole number of minor units.", field=field)
    if not 0 <= value <= high:
        raise DomainError(f"The {what} must be between 0 and {high}.", field=field)
    return value


@dataclass(frozen=True)
class Line:
    """One invoice line as given, checked; `price()` gives its rounded amounts."""

    description: str
    quantity: Decimal
    unit_price_minor: int
    tax_rate: Decimal = Decimal(0)              # percent, e.g. Decimal("20") or Decimal("7.75")
    discount_percent: Decimal | None = None     # percent of the subtotal, or ...
    discount_fixed_minor: int | None = None     # ... a fixed amount off the line

    @classmethod
    def of(cls, description, quantity, unit_price_minor, tax_rate=0, discount_percent=None,
           discount_fixed_minor=None) -> "Line":
        description = (description or "").strip() if isinstance(description, str) else ""
        if not description or len(description) > 500:
            raise DomainError("A line needs a description (at most 500 characters).", field="description")
        quantity = decimal_in(quantity, "quantity", 4, Decimal(0), MAX_QUANTITY, "quantity")
        if quantity == 0:
            raise DomainError("The quantity must be more than 0.", field="quantity")
        unit = minor_in(unit_price_minor, "unit_price_minor", "unit price")
        rate = decimal_in(tax_rate, "tax_rate", 4, Decimal(0), HUNDRED, "tax rate")
        if discount_percent is not None and discount_fixed_minor is not None:
            raise DomainError("Give a discount as a percent or as an amount, not both.",
                              field="discount_percent")
        percent = None if discount_percent is None else decimal_in(
            discount_percent, "discount_percent", 2, Decimal(0), HUNDRED, "discount percent")
        fixed = None if discount_fixed_minor is None else minor_in(
            discount_fixed_minor, "discount_fixed_minor", "discount")
        line = cls(description, quantity, unit, rate, percent, fixed)
        subtotal = line.subtotal_minor()
        if subtotal > MAX_MINOR:
            raise DomainError("This line's amount is too large.", field="quantity")
        if fixed is not None and fixed > subtotal:
            raise DomainError("A discount cannot be more than the line's amount.",
                              field="discount_fixed_minor")
        return line

    def subtotal_minor(self) -> int:
        with localcontext(_PRECISE):
            return round_minor(self.quantity * self.unit_price_minor)

    def price(self) -> "PricedLine":
        with localcontext(_PRECISE):
            subtotal = round_minor(self.quantity * self.unit_price_minor)
            if self.discount_fixed_minor is not None:
                discount = min(self.discount_fixed_minor, subtotal)
            elif self.discount_percent is not None:
                discount = round_minor(subtotal * self.discount_percent / HUNDRED)
            else:
                discount = 0
            net = subtotal - discount
            tax = round_minor(net * self.tax_rate / HUNDRED)
        return PricedLine(self, subtotal, discount, net, tax, net + tax)


@dataclass(frozen=True)
class PricedLine:
    line: Line
    subtotal_minor: int
    discount_minor: int
    net_minor: int
    tax_minor: int
    total_minor: int

    def as_dict(self) -> dict:
        """The line as it travels in events and is stored: decimals as text, never floats."""
        line = self.line
        return {
            "description": line.description, "quantity": str(line.quantity),
            "unit_price_minor": line.unit_price_minor, "tax_rate": str(line.tax_rate),
            "discount_percent": None if line.discount_percent is None else str(line.discount_percent),
            "discount_fixed_minor": line.discount_fixed_minor,
            "subtotal_minor": self.subtotal_minor, "discount_minor": self.discount_minor,
            "net_minor": self.net_minor, "tax_minor": self.tax_minor, "total_minor": self.total_minor,
        }


@dataclass(frozen=True)
class Totals:
    subtotal_minor: int
    discount_minor: int
    net_minor: int
    tax_minor: int
    total_minor: int

    def as_dict(self) -> dict:
        return {"subtotal_minor": self.subtotal_minor, "discount_minor": self.discount_minor,
                "tax_minor": self.tax_minor, "total_minor": self.total_minor}


def totals(priced: list[PricedLine]) -> Totals:
    """Sums of the rounded lines (nothing is rounded again here)."""
    result = Totals(sum(p.subtotal_minor for p in priced), sum(p.discount_minor for p in priced),
                    sum(p.net_minor for p in priced), sum(p.tax_minor for p in priced),
                    sum(p.total_minor for p in priced))
    if result.total_minor > MAX_MINOR or result.subtotal_minor > MAX_MINOR:
        raise DomainError("The invoice's total is too large.", field="lines")
    return result


def tax_breakdown(lines: list[dict]) -> list[dict]:
    """Tax per rate, for the invoice's tax summary: [{rate, taxable_minor, tax_minor}], by rate."""
    by_rate: dict[Decimal, list[int]] = {}
    for line in lines:
        rate = Decimal(line["tax_rate"])
        sums = by_rate.setdefault(rate, [0, 0])
        sums[0] += line["net_minor"]
        sums[1] += line["tax_minor"]
    return [{"rate": str(rate), "taxable_minor": taxable, "tax_minor": tax}
            for rate, (taxable, tax) in sorted(by_rate.items())]
