"""Savings interest: worked examples by hand, and bulk (Polars) = scalar to the kobo."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopctl.core.money import to_minor
from coopctl.deposits import interest_bulk
from coopctl.deposits.interest import (
    METHODS,
    daily_balances,
    month_interest,
    window_months,
    withholding,
)

JUNE = (2026, 6)


def scalar(opening: str, moves: list[tuple[date, str]], method: str, rate: str = "4",
           diy: int = 365, minimum: str = "0") -> Decimal:  # fmt: skip
    return month_interest(
        Decimal(opening),
        [(d, Decimal(a)) for d, a in moves],
        *JUNE,
        annual_rate=Decimal(rate),
        method=method,
        days_in_year=diy,
        min_balance=Decimal(minimum),
    )


def test_textbook_daily_balance_whole_june() -> None:
    # ₦100,000 all of June at 4 %, 365 days: 100000 × 0.04 × 30 / 365 = 328.767… → 328.77
    gross = scalar("100000", [], "daily_balance")
    assert gross == Decimal("328.77")
    # WHT 10 %: 32.877 → 32.88; net 328.77 − 32.88 = 295.89
    assert withholding(gross, Decimal("10")) == (Decimal("32.88"), Decimal("295.89"))


def test_daily_balance_with_a_mid_month_deposit_and_minimum() -> None:
    # 0 until 15 June, 50,000 deposited on the 16th: 15 days × 50,000 = 750,000 naira-days
    # 750000 × 0.04 / 365 = 82.191… → 82.19
    assert scalar("0", [(date(2026, 6, 16), "50000")], "daily_balance") == Decimal("82.19")
    # a 1,000.00 minimum: 500 for 10 days earns nothing, 5,000 for 20 days earns
    # 5000 × 20 × 0.04 / 365 = 10.958… → 10.96
    moves = [(date(2026, 6, 11), "4500")]
    assert scalar("500", moves, "daily_balance", minimum="1000") == Decimal("10.96")


def test_average_and_minimum_methods() -> None:
    # 10,000 for 10 days then 40,000 for 20 days: average (100000 + 800000) / 30 = 30,000
    # 30000 × 0.04 × 30 / 365 = 98.630… → 98.63
    moves = [(date(2026, 6, 11), "30000")]
    assert scalar("10000", moves, "average_daily_balance") == Decimal("98.63")
    # average 30,000 below a 35,000 minimum: nothing
    assert scalar("10000", moves, "average_daily_balance", minimum="35000") == Decimal("0.00")
    # lowest balance 10,000: 10000 × 0.04 × 30 / 365 = 32.876… → 32.88
    assert scalar("10000", moves, "minimum_monthly_balance") == Decimal("32.88")
    # 360-day year: 10000 × 0.04 × 30 / 360 = 33.333… → 33.33
    assert scalar("10000", moves, "minimum_monthly_balance", diy=360) == Decimal("33.33")


def test_negative_balances_count_as_zero() -> None:
    # overdrawn (-5,000) for 10 days, then +25,000 → 20,000 for 20 days
    # 20000 × 20 × 0.04 / 365 = 43.835… → 43.84 ; lowest balance is zero
    moves = [(date(2026, 6, 11), "25000")]
    assert scalar("-5000", moves, "daily_balance") == Decimal("43.84")
    assert scalar("-5000", moves, "minimum_monthly_balance") == Decimal("0.00")
    assert daily_balances(Decimal("-5000"), [], *JUNE)[0] == Decimal("-5000")


def test_posting_windows() -> None:
    assert window_months("monthly", 2026, 5) == [(2026, 5)]
    assert window_months("quarterly", 2026, 5) == []
    assert window_months("quarterly", 2026, 6) == [(2026, 4), (2026, 5), (2026, 6)]
    assert window_months("annually", 2026, 11) == []
    assert len(window_months("annually", 2026, 12)) == 12


def _bulk(rows: list[tuple[Decimal, list[tuple[date, Decimal]], str, Decimal, int, Decimal]],
          start: date, end: date) -> pl.DataFrame:  # fmt: skip
    accounts = pl.DataFrame(
        {
            "account_id": list(range(1, len(rows) + 1)),
            "opening": [to_minor(r[0]) for r in rows],
            "rate_e4": [int(r[3] * 10_000) for r in rows],
            "days_in_year": [r[4] for r in rows],
            "method": [r[2] for r in rows],
            "min_balance": [to_minor(r[5]) for r in rows],
        },
        schema=interest_bulk.ACCOUNT_SCHEMA,
    )
    moves = pl.DataFrame(
        {
            "account_id": [i for i, r in enumerate(rows, 1) for _ in r[1]],
            "day": [d for r in rows for d, _ in r[1]],
            "delta": [to_minor(a) for r in rows for _, a in r[1]],
        },
        schema=interest_bulk.MOVE_SCHEMA,
    )
    return interest_bulk.compute(accounts, moves, start, end)


def test_bulk_textbook_and_quarter_is_sum_of_rounded_months() -> None:
    one = (Decimal("100000"), [], "daily_balance", Decimal("4"), 365, Decimal("0"))
    res = _bulk([one], date(2026, 6, 1), date(2026, 6, 30))
    assert res["interest"].to_list() == [32877]
    q = _bulk([one], date(2026, 4, 1), date(2026, 6, 30))
    # April 30 days 328.77, May 31 days 339.73 (100000 × .04 × 31 / 365 = 339.726…), June 328.77
    assert q["interest"].to_list() == [32877, 33973, 32877]
    assert interest_bulk.totals(q)["interest"].to_list() == [32877 + 33973 + 32877]


amounts = st.integers(min_value=-2_000_000, max_value=50_000_000).map(
    lambda k: Decimal(k).scaleb(-2)
)
days = st.integers(min_value=0, max_value=29).map(lambda i: date(2026, 6, 1) + timedelta(days=i))
account = st.tuples(
    amounts,
    st.lists(st.tuples(days, amounts), max_size=8),
    st.sampled_from(METHODS),
    st.integers(min_value=1, max_value=250_000).map(lambda k: Decimal(k).scaleb(-4)),
    st.sampled_from([360, 365]),
    st.integers(min_value=0, max_value=2_000_000).map(lambda k: Decimal(k).scaleb(-2)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(account, min_size=1, max_size=6))
def test_bulk_equals_scalar_to_the_kobo(rows: list) -> None:  # type: ignore[type-arg]
    res = _bulk(rows, date(2026, 6, 1), date(2026, 6, 30))
    got = dict(zip(res["account_id"].to_list(), res["interest"].to_list(), strict=True))
    for i, (opening, moves, method, rate, diy, minimum) in enumerate(rows, 1):
        expected = month_interest(
            opening, moves, *JUNE, annual_rate=rate, method=method, days_in_year=diy,
            min_balance=minimum,
        )  # fmt: skip
        assert got[i] == to_minor(expected), (i, method)


def test_bulk_refuses_float_amounts() -> None:
    accounts = pl.DataFrame(
        {"account_id": [1], "opening": [1.5], "rate_e4": [1], "days_in_year": [365],
         "method": ["daily_balance"], "min_balance": [0]}
    )  # fmt: skip
    moves = pl.DataFrame(schema=interest_bulk.MOVE_SCHEMA)
    with pytest.raises(TypeError, match="opening"):
        interest_bulk.compute(accounts, moves, date(2026, 6, 1), date(2026, 6, 30))


quarter_days = st.integers(min_value=-5, max_value=95).map(
    lambda i: date(2026, 4, 1) + timedelta(days=i)  # a few days outside Apr..Jun too
)
q_account = st.tuples(
    st.integers(min_value=1, max_value=10**12),  # account ids: sparse, in any order
    amounts,
    st.lists(st.tuples(quarter_days, amounts), max_size=10),
    st.sampled_from(METHODS),
    st.integers(min_value=1, max_value=250_000).map(lambda k: Decimal(k).scaleb(-4)),
    st.sampled_from([360, 365]),
    st.integers(min_value=0, max_value=2_000_000).map(lambda k: Decimal(k).scaleb(-2)),
)


@settings(max_examples=120, deadline=None)
@given(st.lists(q_account, min_size=1, max_size=6, unique_by=lambda a: a[0]), st.randoms())
def test_bulk_equals_scalar_over_a_quarter_in_any_order(rows: list, rnd) -> None:  # type: ignore[no-untyped-def, type-arg]
    """Apr..Jun window, account ids sparse and shuffled, movements outside the window and
    of an unknown account ignored: every month equals the scalar reference."""
    start, end = date(2026, 4, 1), date(2026, 6, 30)
    rnd.shuffle(rows)
    accounts = pl.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "opening": [to_minor(r[1]) for r in rows],
            "rate_e4": [int(r[4] * 10_000) for r in rows],
            "days_in_year": [r[5] for r in rows],
            "method": [r[3] for r in rows],
            "min_balance": [to_minor(r[6]) for r in rows],
        },
        schema=interest_bulk.ACCOUNT_SCHEMA,
    )
    stray = [(0, date(2026, 5, 5), Decimal("7.00"))]  # account 0 is not in the frame
    moves = pl.DataFrame(
        {
            "account_id": [r[0] for r in rows for _ in r[2]] + [s[0] for s in stray],
            "day": [d for r in rows for d, _ in r[2]] + [s[1] for s in stray],
            "delta": [to_minor(a) for r in rows for _, a in r[2]] + [to_minor(s[2]) for s in stray],
        },
        schema=interest_bulk.MOVE_SCHEMA,
    )
    res = interest_bulk.compute(accounts, moves, start, end)
    assert res["account_id"].to_list() == sorted(r[0] for r in rows for _ in range(3))
    got = {(a, m): v for a, _y, m, _d, v in res.iter_rows()}
    for acct, opening, mv, method, rate, diy, minimum in rows:
        inside = [(d, a) for d, a in mv if start <= d <= end]
        bal = opening
        for month in (4, 5, 6):
            expected = month_interest(
                bal, inside, 2026, month, annual_rate=rate, method=method, days_in_year=diy,
                min_balance=minimum,
            )  # fmt: skip
            assert got[(acct, month)] == to_minor(expected), (acct, month, method)
            bal += sum((a for d, a in inside if d.month == month), Decimal(0))


@pytest.mark.parametrize("mode", ["ROUND_HALF_EVEN", "ROUND_HALF_UP", "ROUND_DOWN", "ROUND_UP"])
def test_bulk_withholding_equals_the_scalar_to_the_kobo(mode: str) -> None:
    """WHT of many gross amounts at once (Int64 kobo) equals ``withholding`` one by one,
    for whole and fractional percentages, half-kobo ties included, in every mode."""
    import random

    from coopctl.core import money
    from coopctl.deposits.interest import withholding

    rng = random.Random(mode)
    gross = [0, 1, 5, 15, 25, 35, 45, 105, 2**40 + 5] + [rng.randint(0, 10**9) for _ in range(3000)]
    money.set_rounding(mode)
    try:
        for pct in ("10", "7.5", "0", "12.345", "100", "33.3333"):
            wht = interest_bulk.withholding(gross, Decimal(pct))
            expected = [withholding(money.from_minor(g), Decimal(pct))[0] for g in gross]
            assert [money.from_minor(w) for w in wht] == expected, pct
    finally:
        money.set_rounding("ROUND_HALF_EVEN")


def _python_grid(openings: list[int], moves: list[tuple[int, int, int]], n_days: int) -> list[int]:
    """Daily balances (negatives as zero) worked out in Python integers, account by account."""
    out = []
    for k, opening in enumerate(openings):
        day = [0] * n_days
        for kk, d, x in moves:
            if kk == k:
                day[d] += x
        running = opening
        for d in range(n_days):
            running += day[d]
            out.append(max(running, 0))
    return out


@pytest.mark.parametrize("scale", [10**6, 2**59])
def test_grid_running_balances_equal_exact_sums(scale: int) -> None:
    """The daily grid's running balances (one running sum down the column, or per account
    when the window's movements could pass 2^62) equal exact per-account sums."""
    import random

    rng = random.Random(scale)
    n, n_days = 12, 30
    start = date(2026, 11, 1)
    openings = [rng.randint(0, scale) for _ in range(n)]
    moves = [
        (rng.randrange(n), rng.randrange(n_days), rng.randint(-scale, scale)) for _ in range(60)
    ]
    accounts = pl.DataFrame(
        {"account_id": [100 + k for k in range(n)], "opening": openings, "rate_e4": [40000] * n,
         "days_in_year": [365] * n, "method": ["daily_balance"] * n, "min_balance": [0] * n},
        schema=interest_bulk.ACCOUNT_SCHEMA,
    )  # fmt: skip
    frame = pl.DataFrame(
        {"account_id": [100 + k for k, _, _ in moves],
         "day": [start + timedelta(days=d) for _, d, _ in moves], "delta": [x for *_, x in moves]},
        schema=interest_bulk.MOVE_SCHEMA,
    )  # fmt: skip
    grid = interest_bulk._grid(accounts, frame, start, start + timedelta(days=n_days - 1))
    assert grid["balance"].to_list() == _python_grid(openings, moves, n_days)
    assert (sum(abs(x) for *_, x in moves) >= 2**62) == (scale == 2**59)  # both routes met


@pytest.mark.parametrize("top", [10**9, 2**62])
def test_month_aggregates_equal_exact_sums(top: int) -> None:
    """Per account and month: the days, the sum of daily balances, the sum of those at or
    above the floor and the lowest — by rows of an array for one month of small
    balances, by grouping when a sum could pass 2^63 — equal exact Python sums."""
    import random

    rng = random.Random(top)
    n, n_days = 9, 31
    balances = [rng.randint(0, top) for _ in range(n * n_days)]
    floors = [rng.choice([0, top // 3, top]) for _ in range(n)]
    grid = pl.DataFrame(
        {"k": [i // n_days for i in range(n * n_days)],
         "d": [i % n_days for i in range(n * n_days)], "balance": balances},
        schema={"k": pl.Int64, "d": pl.Int64, "balance": pl.Int64},
    )  # fmt: skip
    month_of_day = pl.Series([0] * n_days, dtype=pl.Int64)
    got = interest_bulk._per_month(grid, pl.Series(floors, dtype=pl.Int64), month_of_day, 1, n_days)
    rows = [balances[k * n_days : (k + 1) * n_days] for k in range(n)]
    assert got["g"].to_list() == list(range(n))
    assert got["days"].to_list() == [n_days] * n
    assert got["s_all"].to_list() == [sum(r) for r in rows]
    earning = [sum(b for b in r if b >= f) for r, f in zip(rows, floors, strict=True)]
    assert got["s_earning"].to_list() == earning
    assert got["lowest"].to_list() == [min(r) for r in rows]
