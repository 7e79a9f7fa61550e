"""Savings interest for many accounts in one vectorized Polars pass.

Bulk twin of :mod:`coopctl.deposits.interest` (the definitions are there); the
tests hold the two identical to the kobo on random accounts. Amounts are Int64
kobo throughout, never floats.

Input frames
    ``accounts``: ``account_id`` (Int64), ``opening`` (Int64 kobo: the balance
    before the window's first day), ``rate_e4`` (Int64: annual rate in
    ten-thousandths of a percent, 4 % = 40000), ``days_in_year`` (Int64),
    ``method`` (String), ``min_balance`` (Int64 kobo).

    ``moves``: ``account_id`` (Int64), ``day`` (Date), ``delta`` (Int64 kobo, signed
    in the account's direction); several rows per day are summed. Rows outside
    the window or of unknown accounts are ignored.

Result: one row per account and month of the window, ``account_id, year, month,
days, interest`` (Int64 kobo, rounded once per account per month with the
configured rounding mode).

Polars is imported with this module: import it lazily from CLI modules.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from coopctl.core import money
from coopctl.core.frames import round_up
from coopctl.core.sums import wide

ACCOUNT_SCHEMA: dict[str, Any] = {
    "account_id": pl.Int64,
    "opening": pl.Int64,
    "rate_e4": pl.Int64,
    "days_in_year": pl.Int64,
    "method": pl.String,
    "min_balance": pl.Int64,
}
MOVE_SCHEMA: dict[str, Any] = {"account_id": pl.Int64, "day": pl.Date, "delta": pl.Int64}
RESULT_SCHEMA: dict[str, Any] = {
    "account_id": pl.Int64,
    "year": pl.Int32,
    "month": pl.Int8,
    "days": pl.Int64,
    "interest": pl.Int64,
}


def _grid(accounts: pl.DataFrame, moves: pl.DataFrame, start: date, end: date) -> pl.DataFrame:
    """``k, d, balance``: the daily balance (Int64 kobo, negatives as zero) of the account
    in row ``k`` of ``accounts`` sorted by ``account_id``, on day ``d`` (0 = ``start``),
    account by account, day by day.

    Dense, without a hash join or a sort over the grid: the window's movements are
    summed per position ``k × days + d`` (one integer key) and scattered into a zero
    column of that layout, which is then summed cumulatively per account."""
    n_days = (end - start).days + 1
    acc = accounts.select("account_id", "opening").sort("account_id").with_row_index("k")
    size = acc.height * n_days
    mv = (
        moves.lazy()
        .filter(pl.col("day").is_between(start, end))
        .join(acc.lazy().select("account_id", "k"), on="account_id", how="inner")
        .group_by(
            pos=pl.col("k").cast(pl.Int64) * n_days
            + (pl.col("day") - pl.lit(start)).dt.total_days().cast(pl.Int64)
        )
        .agg(pl.col("delta").sum())
        .collect()
    )
    delta = pl.zeros(size, pl.Int64, eager=True)
    if mv.height:
        delta = delta.scatter(mv["pos"], mv["delta"])
    idx = pl.int_range(0, size, dtype=pl.Int64, eager=True)
    k = idx // n_days
    opening = acc["opening"].gather(k)
    moved = mv["delta"].cast(pl.Int128).abs().sum() if mv.height else 0
    if moved < 2**62:
        # one running sum down the whole column less the sum before each account's first
        # day: every partial sum is at most the window's total movement, so exact in
        # Int64; a per-account window (``over``) costs a sort-free grouping of the grid
        running = delta.cum_sum()
        first = k * n_days
        before = running.gather(first) - delta.gather(first)
        balance = (opening + running - before).clip(lower_bound=0)
        return pl.DataFrame({"k": k, "d": idx % n_days, "balance": balance})
    return pl.DataFrame({"k": k, "d": idx % n_days, "opening": opening, "delta": delta}).select(
        "k",
        "d",
        balance=(pl.col("opening") + pl.col("delta").cum_sum().over("k")).clip(lower_bound=0),
    )


def daily_frame(
    accounts: pl.DataFrame, moves: pl.DataFrame, start: date, end: date
) -> pl.DataFrame:
    """``account_id, day, balance`` (Int64 kobo, negatives as zero) for every day of
    ``start..end`` and every account, sorted by account and day."""
    ids = accounts["account_id"].sort()
    grid = _grid(accounts, moves, start, end)
    return grid.select(
        account_id=ids.gather(grid["k"]),
        day=pl.lit(start) + pl.duration(days=pl.col("d")),
        balance=pl.col("balance"),
    )


def compute(accounts: pl.DataFrame, moves: pl.DataFrame, start: date, end: date) -> pl.DataFrame:
    """Gross interest per account and month of ``start..end`` (whole months)."""
    for frame, schema, what in (
        (accounts, ACCOUNT_SCHEMA, "accounts"),
        (moves, MOVE_SCHEMA, "moves"),
    ):
        for name, dtype in schema.items():
            if name not in frame.columns:
                raise ValueError(f"{what} frame lacks column {name!r}")
            if frame.height and frame.schema[name] != dtype:
                raise TypeError(f"{what}.{name} must be {dtype}, not {frame.schema[name]}")
    if accounts.height == 0:
        return pl.DataFrame(schema=RESULT_SCHEMA)
    grid = _grid(accounts, moves, start, end)
    terms = accounts.sort("account_id")
    # the window's months, numbered 0.. in order; each day's month number
    days = pl.date_range(start, end, "1d", eager=True)
    month_of_day = (
        (days.dt.year().cast(pl.Int64) - start.year) * 12
        + days.dt.month().cast(pl.Int64)
        - start.month
    )
    n_months = int(month_of_day.max()) + 1  # type: ignore[arg-type]
    per_month = _per_month(grid, terms["min_balance"], month_of_day, n_months, days.len())
    k = per_month["g"] // n_months
    m = per_month["g"] % n_months + (start.month - 1)
    per_month = per_month.with_columns(
        account_id=terms["account_id"].gather(k),
        year=(m // 12 + start.year).cast(pl.Int32),
        month=(m % 12 + 1).cast(pl.Int8),
        floor=terms["min_balance"].gather(k),
        method=terms["method"].gather(k),
        rate_e4=terms["rate_e4"].gather(k),
        days_in_year=terms["days_in_year"].gather(k),
    )
    method = pl.col("method")
    base = (
        pl.when(method == "daily_balance")
        .then(pl.col("s_earning"))
        .when(method == "average_daily_balance")
        .then(
            pl.when(pl.col("s_all") >= wide(pl.col("floor")) * pl.col("days"))
            .then(pl.col("s_all"))
            .otherwise(0)
        )
        .otherwise(
            pl.when(pl.col("lowest") >= pl.col("floor"))
            .then(wide(pl.col("lowest")) * pl.col("days"))
            .otherwise(0)
        )
        .cast(pl.Int128)
    )
    # interest = base × rate_e4 / (10^6 × days_in_year), rounded once
    den = pl.lit(1_000_000, dtype=pl.Int128) * pl.col("days_in_year")
    return (
        per_month.lazy()
        .with_columns(base=base, den=den)
        .with_columns(interest=_round_ratio(pl.col("base"), pl.col("rate_e4"), pl.col("den")))
        .select("account_id", "year", "month", "days", "interest")
        .sort("account_id", "year", "month")
        .collect()
    )


def _per_month(
    grid: pl.DataFrame, floors: pl.Series, month_of_day: pl.Series, n_months: int, n_days: int
) -> pl.DataFrame:
    """``g, days, s_all, s_earning, lowest`` per account and month of the grid (``g`` =
    k × n_months + month), sorted by ``g``: the days, the sum of the daily balances,
    the sum of those at or above the account's floor, the lowest balance."""
    bal, floor = pl.col("balance"), pl.col("floor")
    n = grid.height // n_days
    top = grid["balance"].max() if grid.height else 0
    if n_months == 1 and n and int(top) < 2**63 // n_days:  # type: ignore[arg-type]
        # one month: each account's days are one contiguous run of the column, summed as
        # rows of an n × days array; no sum can pass 2^63, so Int64 is exact
        balance = grid["balance"]
        earning = grid.select(
            pl.when(bal >= floors.gather(grid["k"])).then(bal).otherwise(0)
        ).to_series()
        return pl.DataFrame(
            {
                "g": pl.int_range(0, n, dtype=pl.Int64, eager=True),
                "days": pl.repeat(n_days, n, dtype=pl.Int64, eager=True),
                "s_all": balance.reshape((n, n_days)).arr.sum().cast(pl.Int128),
                "s_earning": earning.reshape((n, n_days)).arr.sum().cast(pl.Int128),
                "lowest": balance.reshape((n, n_days)).arr.min(),
            }
        )
    return (
        grid.with_columns(
            g=grid["k"] * n_months + month_of_day.gather(grid["d"]),
            floor=floors.gather(grid["k"]),
        )
        .group_by("g")
        .agg(
            days=pl.len().cast(pl.Int64),
            # Int128: a month of daily balances can pass 2^63 kobo (core/sums.py)
            s_all=wide(bal).sum(),
            s_earning=wide(bal.filter(bal >= floor)).sum(),
            lowest=bal.min(),
        )
        .sort("g")
    )


def totals(per_month: pl.DataFrame) -> pl.DataFrame:
    """``account_id, interest``: the window's monthly amounts (each rounded) summed."""
    return per_month.group_by("account_id").agg(pl.col("interest").sum()).sort("account_id")


def withholding(gross: list[int], wht_percent: Decimal) -> list[int]:
    """WHT in kobo of each gross amount in kobo (≥ 0): ``round_money(gross ×
    wht_percent / 100)`` of :func:`coopctl.deposits.interest.withholding`, exactly (the
    percentage as an exact fraction, rounded once with the configured mode)."""
    num, den = wht_percent.as_integer_ratio()
    if num < 0:
        raise ValueError(f"a withholding percentage is not negative: {wht_percent}")
    if any(g < 0 for g in gross):
        raise ValueError("gross interest is never negative")
    frame = pl.DataFrame({"gross": gross}, schema={"gross": pl.Int64})
    wht = _round_ratio(pl.col("gross"), pl.lit(num, pl.Int64), pl.lit(den * 100, pl.Int64))
    return frame.select(wht=wht)["wht"].to_list()


def _round_ratio(x: pl.Expr, num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """``round_money(x × num / den)`` in integer kobo (x, num ≥ 0, den > 0).

    Split as ``x = q1·den + r1`` so ``x·num/den = q1·num + r1·num/den``: no
    intermediate product exceeds Int64 for any real balance and rate.
    """
    q1, r1 = x // den, x % den
    q2, r = (r1 * num) // den, (r1 * num) % den
    q = q1 * num + q2
    return (q + round_up(q, r, den, money.rounding_mode()).cast(pl.Int64)).cast(pl.Int64)
