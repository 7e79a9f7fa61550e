"""Exact money: parse ⇄ format round-trips, allocation sums to the whole, malformed
amounts are refused naming the field, and the Money column never rounds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopctl.core import money
from coopctl.core.db import Money
from coopctl.core.errors import MoneyFormatError, ValidationError

kobo = st.integers(min_value=0, max_value=10**13)  # up to ₦100 billion ([money] max_amount)
amounts = kobo.map(lambda k: Decimal(k).scaleb(-2))
positive = st.integers(min_value=1, max_value=10**13).map(lambda k: Decimal(k).scaleb(-2))


@given(positive)
def test_parse_fmt_round_trip(x: Decimal) -> None:
    assert money.parse(money.fmt(x)) == x
    assert money.parse(money.fmt_human(x)) == x  # "12,500.50" too
    s = money.fmt(x)
    assert "." in s and len(s.split(".")[1]) == 2 and "E" not in s


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_minor_units_round_trip(k: int) -> None:
    assert money.to_minor(money.from_minor(k)) == k
    assert money.from_minor(k) == Decimal(k) / 100


@given(amounts)
def test_negative_and_zero_only_when_allowed(x: Decimal) -> None:
    neg = money.parse("-" + money.fmt(x), allow_negative=True, allow_zero=True)
    assert neg == -x
    if x > 0:
        with pytest.raises(MoneyFormatError, match="negative"):
            money.parse("-" + money.fmt(x), field="AMOUNT")
    else:
        with pytest.raises(MoneyFormatError, match="more than zero"):
            money.parse(money.fmt(x))


@given(
    total=st.integers(min_value=-(10**12), max_value=10**12).map(lambda k: Decimal(k).scaleb(-2)),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40),
)
def test_allocate_sums_to_the_total(total: Decimal, weights: list[int]) -> None:
    parts = money.allocate(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts, Decimal("0.00")) == total
    assert all(p == p.quantize(money.CENT) for p in parts)
    wsum = sum(weights)
    for p, w in zip(parts, weights, strict=True):
        if wsum:
            exact = total * w / wsum
            assert abs(p - exact) < money.CENT  # each part within a kobo of its share
        if total >= 0:
            assert p >= 0


def test_allocate_textbook_case() -> None:
    """₦100.00 of interest across three equal savers: 33.34 + 33.33 + 33.33."""
    assert money.allocate(Decimal("100.00"), [1, 1, 1]) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    with pytest.raises(ValueError):
        money.allocate(Decimal("1.00"), [])
    with pytest.raises(ValueError):
        money.allocate(Decimal("1.00"), [1, -1])


@pytest.mark.parametrize(
    "text",
    [
        "1.234",
        "-5",
        "NaN",
        "nan",
        "Infinity",
        "1e5",
        "1E5",
        "1,23,456",
        "12,34",
        "",
        " ",
        "abc",
        "1.2.3",
        "١٢",
        "１２",
        "12 500",
        "₦500",
        "0x10",
        "--5",
        "5-",
    ],
)
def test_malformed_amounts_are_refused_naming_the_field(text: str) -> None:
    with pytest.raises(MoneyFormatError) as exc:
        money.parse(text, field="--amount")
    assert exc.value.message.startswith("--amount:")
    assert isinstance(exc.value, ValidationError) and exc.value.exit_code == 2


def test_accepted_spellings() -> None:
    assert money.parse("12500") == Decimal("12500.00")
    assert money.parse("12,500.50") == Decimal("12500.50")
    assert money.parse(" 1,000,000 ") == Decimal("1000000.00")
    assert money.parse("0.10") == Decimal("0.10")
    assert money.parse("7.500") == Decimal("7.50")  # trailing zeros are not precision
    assert money.parse(Decimal("3.1")) == Decimal("3.10")
    with pytest.raises(MoneyFormatError):
        money.parse(1.5)  # type: ignore[arg-type]
    with pytest.raises(MoneyFormatError):
        money.parse(Decimal("NaN"))


def test_round_money_is_half_even_by_default() -> None:
    assert money.round_money(Decimal("0.125")) == Decimal("0.12")
    assert money.round_money(Decimal("0.135")) == Decimal("0.14")
    assert money.round_money(Decimal("-0.125")) == Decimal("-0.12")


@given(amounts)
def test_money_column_binds_exact_kobo(x: Decimal) -> None:
    col = Money()
    assert col.process_bind_param(x, None) == int(x * 100)
    assert col.process_result_value(int(x * 100), None) == x
    assert col.process_bind_param(None, None) is None


@pytest.mark.parametrize("value", ["0.001", "12500.505", "1E-3", "NaN", "Infinity"])
def test_money_column_refuses_sub_kobo_instead_of_rounding(value: str) -> None:
    with pytest.raises(MoneyFormatError):
        Money().process_bind_param(Decimal(value), None)


def test_money_column_refuses_ints_and_floats() -> None:
    with pytest.raises(TypeError):
        Money().process_bind_param(100, None)  # kobo or naira? refused, never guessed
    with pytest.raises(TypeError):
        Money().process_bind_param(1.5, None)
