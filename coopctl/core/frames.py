"""Exact money arithmetic on Polars expressions (Int64 kobo, never Float64).

Imported only by the bulk computations (it imports Polars at module level).
"""

from __future__ import annotations

from typing import Any

import polars as pl


def round_up(q: pl.Expr, r: pl.Expr, den: Any, mode: str) -> pl.Expr:
    """Whether ``q + r/den`` (q, r ≥ 0, r < den) rounds up to ``q + 1`` under ``mode``,
    a ``decimal`` ROUND_* name — so a bulk result rounds exactly as ``round_money``."""
    if mode == "ROUND_HALF_EVEN":
        return (2 * r > den) | ((2 * r == den) & (q % 2 == 1))
    if mode == "ROUND_HALF_UP":
        return 2 * r >= den
    if mode == "ROUND_HALF_DOWN":
        return 2 * r > den
    if mode in ("ROUND_UP", "ROUND_CEILING"):
        return r > 0
    if mode in ("ROUND_DOWN", "ROUND_FLOOR"):
        return pl.lit(False)
    if mode == "ROUND_05UP":
        return (r > 0) & ((q % 10 == 0) | (q % 10 == 5))
    raise ValueError(f"unknown rounding mode {mode}")  # pragma: no cover
