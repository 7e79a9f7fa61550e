"""The arithmetic of a dividend run: month-end weighting, exact splits, tax per member."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from coopctl.dividends.allocation import (
    Declaration,
    MemberBasis,
    declare,
    month_end_balances,
    share_base,
)

D = Decimal
CENT = D("0.01")
ZERO = D("0.00")


def _declare(bases: list[MemberBasis], **kw: object) -> Declaration:
    args: dict[str, object] = {
        "surplus": D("1000000.00"),
        "dividend_rate": D("10"),
        "rebate_rate": D("0"),
        "reserve_percent": D("25"),
        "wht_percent": D("10"),
        "weighting": "monthly",
    }
    args.update(kw)
    return declare(bases, **args)  # type: ignore[arg-type]


def test_month_end_balances_follow_the_movements() -> None:
    """100,000.00 before the year; +50,000.00 in March (index 2); -30,000.00 in November."""
    ends = month_end_balances(D("100000"), [(2, D("50000")), (10, D("-30000"))])
    assert ends == [D("100000")] * 2 + [D("150000")] * 8 + [D("120000")] * 2
    assert share_base(ends, "monthly") == D("100000") * 2 + D("150000") * 8 + D("120000") * 2
    assert share_base(ends, "none") == D("120000")


def test_a_naira_held_from_july_earns_half_the_rate() -> None:
    """Shares of 60,000.00 bought in July: six month-ends of twelve; 10 % a year → 3,000.00."""
    ends = month_end_balances(ZERO, [(6, D("60000"))])
    assert sum(1 for b in ends if b) == 6
    decl = _declare([MemberBasis("M1", share_base(ends, "monthly"), ZERO)])
    assert decl.total_dividend == D("60000") * 6 / 12 * D("0.10") == D("3000.00")


def test_three_members_share_a_total_that_does_not_divide_evenly() -> None:
    """Year-end shares of 1,000.00 each, dividend 3.3333 %: the total is
    3,000.00 × 3.3333 % = 99.999 → 100.00; each member's exact share is 33.333…,
    so the parts are 33.34, 33.33, 33.33 (the leftover kobo goes to the first, ties
    broken by order) and sum to exactly 100.00."""
    bases = [MemberBasis(f"M{i}", D("1000.00"), ZERO) for i in range(3)]
    decl = _declare(bases, dividend_rate=D("3.3333"), weighting="none")
    parts = [m.dividend for m in decl.members]
    assert decl.total_dividend == D("100.00")
    assert parts == [D("33.34"), D("33.33"), D("33.33")]
    # tax is 10 % of each member's own dividend, rounded half-even per member
    assert [m.wht for m in decl.members] == [D("3.33"), D("3.33"), D("3.33")]


def test_reserve_first_and_rebates_on_interest() -> None:
    """Surplus 502,000.00: reserve 25 % = 125,500.00; rebate 10 % of interest paid."""
    bases = [
        MemberBasis("A", D("120000") * 12, ZERO),
        MemberBasis("C", D("50000") * 12, D("2000.00")),
    ]
    decl = _declare(bases, surplus=D("502000.00"), rebate_rate=D("10"))
    assert decl.reserve == D("125500.00")
    assert [(m.dividend, m.rebate, m.wht, m.net) for m in decl.members] == [
        (D("12000.00"), ZERO, D("1200.00"), D("10800.00")),
        (D("5000.00"), D("200.00"), D("500.00"), D("4700.00")),
    ]
    assert decl.appropriated == D("125500.00") + D("17200.00")


amounts = st.integers(min_value=0, max_value=10**12).map(lambda k: D(k) / 100)
rates = st.integers(min_value=0, max_value=1_000_000).map(lambda k: D(k) / 10000)


@settings(max_examples=200, deadline=None)
@given(
    shares=st.lists(amounts, min_size=1, max_size=40),
    interest=st.lists(amounts, min_size=1, max_size=40),
    dividend_rate=rates,
    rebate_rate=rates,
    weighting=st.sampled_from(["monthly", "none"]),
)
def test_splits_sum_exactly_to_the_declared_totals(
    shares: list[Decimal],
    interest: list[Decimal],
    dividend_rate: Decimal,
    rebate_rate: Decimal,
    weighting: str,
) -> None:
    n = min(len(shares), len(interest))
    bases = [MemberBasis(f"M{i}", shares[i], interest[i]) for i in range(n)]
    decl = _declare(
        bases, dividend_rate=dividend_rate, rebate_rate=rebate_rate, weighting=weighting
    )
    members = decl.members
    months = 12 if weighting == "monthly" else 1
    exact_div = sum(shares[:n], ZERO) * dividend_rate / 100 / months
    exact_reb = sum(interest[:n], ZERO) * rebate_rate / 100
    assert decl.total_dividend == exact_div.quantize(CENT, ROUND_HALF_EVEN)
    assert decl.total_rebate == exact_reb.quantize(CENT, ROUND_HALF_EVEN)
    assert sum((m.dividend for m in members), ZERO) == decl.total_dividend
    assert sum((m.rebate for m in members), ZERO) == decl.total_rebate
    assert sum((m.wht for m in members), ZERO) == decl.total_wht
    for m, b in zip(members, bases, strict=True):
        assert m.dividend >= 0 and m.rebate >= 0 and 0 <= m.wht <= m.dividend
        assert m.net == m.dividend + m.rebate - m.wht
        assert m.dividend == m.dividend.quantize(CENT)
        # no member is more than a kobo away from their exact share
        if sum(shares[:n], ZERO) > 0:
            exact = decl.total_dividend * b.share_base / sum(shares[:n], ZERO)
            assert abs(m.dividend - exact) < CENT
