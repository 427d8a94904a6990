"""billing's money: currencies, line pricing and its rounding rule, with properties checked
by hypothesis over many generated lines (not only the examples we thought of)."""
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from services.billing.domain import money
from services.billing.domain.money import Line, format_major, totals
from services.chassis.errors import DomainError

quantities = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100000"), places=4)
prices = st.integers(min_value=0, max_value=10**9)
rates = st.decimals(min_value=0, max_value=100, places=4)
percents = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def lines(draw):
    quantity, price, rate = draw(quantities), draw(prices), draw(rates)
    kind = draw(st.sampled_from(["none", "percent", "fixed"]))
    subtotal = money.round_minor(quantity * price)
    return Line.of("item", quantity, price, rate,
                   discount_percent=draw(percents) if kind == "percent" else None,
                   discount_fixed_minor=draw(st.integers(0, subtotal)) if kind == "fixed" else None)


@pytest.mark.parametrize("currency, digits", [("EUR", 2), ("USD", 2), ("GBP", 2), ("CHF", 2),
                                              ("JPY", 0), ("KRW", 0), ("BHD", 3), ("KWD", 3),
                                              ("JOD", 3), ("OMR", 3), ("TND", 3)])
def test_currency_exponents(currency, digits):
    assert money.exponent(currency) == digits


@pytest.mark.parametrize("currency", ["XXX", "eur", "", None, "EURO"])
def test_an_unknown_currency_is_a_clear_domain_error(currency):
    with pytest.raises(DomainError, match="Unknown currency") as caught:
        money.exponent(currency)
    assert caught.value.extensions["field"] == "currency"


def test_amounts_show_with_the_currencys_digits():
    assert (format_major(12345, "EUR"), format_major(5, "EUR")) == ("123.45", "0.05")
    assert (format_major(500, "JPY"), format_major(1234, "KWD")) == ("500", "1.234")


def test_every_step_rounds_half_away_from_zero_on_the_discounted_amount():
    # 2.5 x 1.99 = 4.975 -> 4.98; 10% = 0.498 -> 0.50; net 4.48; 20% tax = 0.896 -> 0.90
    priced = Line.of("Widget", "2.5", 199, "20", discount_percent="10").price()
    assert (priced.subtotal_minor, priced.discount_minor, priced.net_minor,
            priced.tax_minor, priced.total_minor) == (498, 50, 448, 90, 538)
    assert Line.of("x", "0.5", 1).price().subtotal_minor == 1          # 0.5 -> 1, not banker's 0
    assert Line.of("x", "1", 5, "10").price().tax_minor == 1            # 0.5 -> 1
    assert Line.of("x", "1", 25, "10").price().tax_minor == 3           # 2.5 -> 3, not 2


def test_a_fixed_discount_and_a_zero_tax_rate():
    priced = Line.of("Service", 3, 1000, 0, discount_fixed_minor=500).price()
    assert (priced.subtotal_minor, priced.discount_minor, priced.tax_minor, priced.total_minor) == (3000, 500, 0, 2500)


def test_large_amounts_keep_full_precision():
    priced = Line.of("Big", "999999.9999", 10**9, "19.9999").price()
    assert priced.subtotal_minor == 999999999900000
    assert priced.tax_minor == money.round_minor(Decimal(priced.net_minor) * Decimal("19.9999") / 100)


@pytest.mark.parametrize("kwargs, field", [
    ({"quantity": "1.23456"}, "quantity"), ({"quantity": "0"}, "quantity"), ({"quantity": "-1"}, "quantity"),
    ({"quantity": "NaN"}, "quantity"), ({"quantity": "abc"}, "quantity"), ({"quantity": True}, "quantity"),
    ({"unit_price_minor": -1}, "unit_price_minor"), ({"unit_price_minor": 1.5}, "unit_price_minor"),
    ({"tax_rate": "12.34567"}, "tax_rate"), ({"tax_rate": "-1"}, "tax_rate"), ({"tax_rate": "101"}, "tax_rate"),
    ({"discount_percent": "10.123"}, "discount_percent"), ({"discount_percent": "100.01"}, "discount_percent"),
    ({"discount_fixed_minor": 1001}, "discount_fixed_minor"), ({"description": " "}, "description"),
    ({"discount_percent": "5", "discount_fixed_minor": 5}, "discount_percent"),
    ({"quantity": "1000000000", "unit_price_minor": 10**9}, "quantity"),
])
def test_bad_lines_are_refused_naming_the_field(kwargs, field):
    given = {"description": "x", "quantity": "1", "unit_price_minor": 1000, **kwargs}
    with pytest.raises(DomainError) as caught:
        Line.of(**given)
    assert caught.value.extensions["field"] == field


def test_decimals_travel_as_plain_text():
    line = Line.of("x", Decimal("1E+2"), 1, "7.50", discount_percent="10.00").price().as_dict()
    assert (line["quantity"], line["tax_rate"], line["discount_percent"]) == ("100", "7.5", "10")


@settings(max_examples=300)
@given(lines())
def test_a_line_adds_up_and_never_goes_negative(line):
    p = line.price()
    assert p.net_minor == p.subtotal_minor - p.discount_minor
    assert p.total_minor == p.net_minor + p.tax_minor
    assert 0 <= p.discount_minor <= p.subtotal_minor
    assert p.net_minor >= 0 and p.tax_minor >= 0 and p.total_minor >= 0
    assert all(isinstance(v, int) for v in (p.subtotal_minor, p.discount_minor, p.tax_minor, p.total_minor))


@settings(max_examples=300)
@given(lines())
def test_each_rounding_is_within_half_a_minor_unit_of_the_exact_amount(line):
    p = line.price()
    assert abs(p.subtotal_minor - line.quantity * line.unit_price_minor) <= Decimal("0.5")
    assert abs(p.tax_minor - Decimal(p.net_minor) * line.tax_rate / 100) <= Decimal("0.5")
    if line.discount_percent is not None:
        assert abs(p.discount_minor - Decimal(p.subtotal_minor) * line.discount_percent / 100) <= Decimal("0.5")


@settings(max_examples=200)
@given(st.lists(lines(), min_size=1, max_size=20), st.randoms())
def test_invoice_totals_are_the_sums_of_the_lines_in_any_order(given_lines, rnd):
    priced = [line.price() for line in given_lines]
    result = totals(priced)
    assert result.total_minor == sum(p.total_minor for p in priced)
    assert result.tax_minor == sum(p.tax_minor for p in priced)
    assert result.subtotal_minor - result.discount_minor + result.tax_minor == result.total_minor
    shuffled = list(priced)
    rnd.shuffle(shuffled)
    assert totals(shuffled) == result
    assert totals([line.price() for line in reversed(given_lines)]) == result


@settings(max_examples=200)
@given(quantities, prices, rates, percents)
def test_more_discount_never_means_more_to_pay(quantity, price, rate, percent):
    without = Line.of("x", quantity, price, rate).price()
    with_discount = Line.of("x", quantity, price, rate, discount_percent=percent).price()
    assert with_discount.total_minor <= without.total_minor
    full = Line.of("x", quantity, price, rate, discount_percent=100).price()
    assert full.total_minor == 0 and full.tax_minor == 0


@settings(max_examples=200)
@given(quantities, prices, rates)
def test_a_higher_tax_rate_never_lowers_the_tax(quantity, price, rate):
    lower = Line.of("x", quantity, price, rate).price().tax_minor
    higher = Line.of("x", quantity, price, min(rate + 1, Decimal(100))).price().tax_minor
    assert higher >= lower >= 0


def test_tax_breakdown_groups_by_rate():
    priced = [Line.of("a", 1, 1000, "20").price().as_dict(), Line.of("b", 1, 500, "7.5").price().as_dict(),
              Line.of("c", 2, 1000, "20").price().as_dict()]
    assert money.tax_breakdown(priced) == [{"rate": "7.5", "taxable_minor": 500, "tax_minor": 38},
                                           {"rate": "20", "taxable_minor": 3000, "tax_minor": 600}]
