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


def daily_frame(
    accounts: pl.DataFrame, moves: pl.DataFrame, start: date, end: date
) -> pl.DataFrame:
    """``account_id, day, balance`` (Int64 kobo, negatives as zero) for every day of
    ``start..end`` and every account: a date grid, the day's movements, cumulative sums."""
    days = pl.DataFrame({"day": pl.date_range(start, end, "1d", eager=True)})
    grid = accounts.lazy().select("account_id", "opening").join(days.lazy(), how="cross")
    mv = (
        moves.lazy()
        .filter(pl.col("day").is_between(start, end))
        .group_by("account_id", "day")
        .agg(pl.col("delta").sum())
    )
    return (
        grid.join(mv, on=["account_id", "day"], how="left")
        .sort("account_id", "day")
        .with_columns(
            balance=(
                pl.col("opening") + pl.col("delta").fill_null(0).cum_sum().over("account_id")
            ).clip(lower_bound=0)
        )
        .select("account_id", "day", "balance")
        .collect()
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
    daily = daily_frame(accounts, moves, start, end)
    terms = accounts.select("account_id", "rate_e4", "days_in_year", "method", "min_balance")
    bal, floor = pl.col("balance"), pl.col("min_balance")
    per_month = (
        daily.lazy()
        .join(terms.lazy(), on="account_id")
        .group_by(
            "account_id",
            pl.col("day").dt.year().alias("year"),
            pl.col("day").dt.month().alias("month"),
        )
        .agg(
            days=pl.len().cast(pl.Int64),
            # Int128: a month of daily balances can pass 2^63 kobo (core/sums.py)
            s_all=wide(bal).sum(),
            s_earning=wide(bal.filter(bal >= floor)).sum(),
            lowest=bal.min(),
            floor=floor.first(),
            method=pl.col("method").first(),
            rate_e4=pl.col("rate_e4").first(),
            days_in_year=pl.col("days_in_year").first(),
        )
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
    out = (
        per_month.with_columns(base=base, den=den)
        .with_columns(interest=_round_ratio(pl.col("base"), pl.col("rate_e4"), pl.col("den")))
        .select(
            "account_id",
            pl.col("year").cast(pl.Int32),
            pl.col("month").cast(pl.Int8),
            "days",
            "interest",
        )
        .sort("account_id", "year", "month")
        .collect()
    )
    return out


def totals(per_month: pl.DataFrame) -> pl.DataFrame:
    """``account_id, interest``: the window's monthly amounts (each rounded) summed."""
    return per_month.group_by("account_id").agg(pl.col("interest").sum()).sort("account_id")


def _round_ratio(x: pl.Expr, num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """``round_money(x × num / den)`` in integer kobo (x, num ≥ 0, den > 0).

    Split as ``x = q1·den + r1`` so ``x·num/den = q1·num + r1·num/den``: no
    intermediate product exceeds Int64 for any real balance and rate.
    """
    q1, r1 = x // den, x % den
    q2, r = (r1 * num) // den, (r1 * num) % den
    q = q1 * num + q2
    return (q + round_up(q, r, den, money.rounding_mode()).cast(pl.Int64)).cast(pl.Int64)
