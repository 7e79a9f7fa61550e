"""Fixed-deposit arithmetic: the textbook case and the property that month-end
accruals always add up to exactly the interest paid at maturity."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from coopctl.deposits import fd_math

D = Decimal


def test_fd90_textbook_case() -> None:
    """100,000 × 10 % × 90 / 365 = 2,465.7534… → 2,465.75; WHT 246.575 → 246.58."""
    placed, maturity = date(2026, 3, 1), date(2026, 5, 30)
    assert fd_math.term_days(placed, maturity) == 90
    total = fd_math.interest(D("100000"), D("10"), 365, 90)
    assert total == D("2465.75")
    assert fd_math.withholding(total, D("10")) == (D("246.58"), D("2219.17"))
    assert fd_math.days_earned(placed, maturity, date(2026, 3, 31)) == 31
    assert fd_math.days_earned(placed, maturity, date(2026, 2, 28)) == 0
    assert fd_math.days_earned(placed, maturity, date(2026, 6, 30)) == 90
    march = fd_math.accrual_due(
        D("100000"), D("10"), 365, placed, maturity, date(2026, 3, 31), D(0)
    )
    assert march == D("849.32")
    april = fd_math.accrual_due(
        D("100000"), D("10"), 365, placed, maturity, date(2026, 4, 30), march
    )
    assert april == D("821.91")  # 1,671.23 cumulative − 849.32
    assert fd_math.early_interest(D("100000"), D("4"), 365, placed, date(2026, 4, 15)) == D(
        "493.15"
    )
    assert fd_math.early_interest(D("100000"), D("0"), 365, placed, date(2026, 4, 15)) == D(0)


def _month_ends(start: date, end: date) -> list[date]:
    out, d = [], start
    while d <= end:
        last = d.replace(day=calendar.monthrange(d.year, d.month)[1])
        out.append(last)
        d = last + timedelta(days=1)
    return out


@settings(max_examples=200, deadline=None)
@given(
    kobo=st.integers(min_value=1, max_value=10**13),
    rate_e2=st.integers(min_value=1, max_value=5000),
    term=st.integers(min_value=1, max_value=1100),
    offset=st.integers(min_value=0, max_value=3000),
    year=st.sampled_from([360, 365]),
)
def test_accruals_sum_exactly_to_the_interest_at_maturity(
    kobo: int, rate_e2: int, term: int, offset: int, year: int
) -> None:
    principal, rate = D(kobo) / 100, D(rate_e2) / 100
    placed = date(2024, 1, 1) + timedelta(days=offset)
    maturity = placed + timedelta(days=term)

    def textbook(days: int) -> Decimal:
        return (principal * rate / 100 * days / year).quantize(D("0.01"), ROUND_HALF_EVEN)

    accrued = D(0)
    last_days = 0
    for end in _month_ends(placed, maturity - timedelta(days=1)):
        step = fd_math.accrual_due(principal, rate, year, placed, maturity, end, accrued)
        assert step >= 0
        accrued += step
        last_days = min((end - placed).days + 1, term)
    total = fd_math.interest(principal, rate, year, term)
    assert total == textbook(term)
    # the accruals telescope to the cumulative interest at the last month end, and
    # maturity adds the rest: the interest paid is exactly the total, once
    assert accrued == textbook(last_days)
    assert D(0) <= total - accrued <= total
