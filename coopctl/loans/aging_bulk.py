"""Portfolio aging in one vectorized Polars pass (bulk twin of :mod:`coopctl.loans.aging`).

Amounts are Int64 kobo throughout (never Float64); the results are converted to
``Decimal`` only for the handful of totals. The definitions are those of
:mod:`coopctl.loans.aging`, and the tests hold this module to that scalar
reference, kobo for kobo, on random portfolios.

Input frames
    ``installments``: ``loan_id`` (Int64), ``due_date`` (Date), ``principal``,
    ``interest``, ``fees``, ``penalty``, ``principal_paid``, ``interest_paid``,
    ``fees_paid``, ``penalty_paid`` (Int64 kobo), optionally ``superseded`` (Boolean;
    true rows are ignored). Rows of loans not in ``loans`` are ignored.

    ``loans``: ``loan_id`` (Int64), ``outstanding`` (Int64 kobo, the ledger balance;
    null = the unpaid principal of the loan's installments), optionally
    ``product_code`` (String) and ``watch_until`` (Date).

The outstanding balance comes from the ledger, so only installments that are due
on or before ``as_of`` and not fully paid change the result; readers should load
only those (see :func:`coopctl.loans.portfolio.read_frames`).

Polars is imported when this module is imported; import it lazily (inside the
functions that need it) from CLI modules.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from math import gcd
from typing import Any

import polars as pl

from coopctl.core import money
from coopctl.core.frames import round_up
from coopctl.core.money import from_minor
from coopctl.core.sums import wide
from coopctl.loans.aging import (
    COMPONENTS,
    PAR_DAYS,
    Bucket,
    LoanAging,
    PortfolioAging,
    RiskLine,
)
from coopctl.loans.classification import ClassTable

AMOUNT_COLUMNS: tuple[str, ...] = COMPONENTS + tuple(f"{c}_paid" for c in COMPONENTS)
INSTALLMENT_SCHEMA: dict[str, Any] = {
    "loan_id": pl.Int64,
    "due_date": pl.Date,
    **{c: pl.Int64 for c in AMOUNT_COLUMNS},
}
LOAN_SCHEMA: dict[str, Any] = {
    "loan_id": pl.Int64,
    "outstanding": pl.Int64,
    "product_code": pl.String,
    "watch_until": pl.Date,
}


def _check_frame(df: pl.DataFrame, schema: dict[str, Any], what: str, optional: set[str]) -> None:
    for name, dtype in schema.items():
        if name not in df.columns:
            if name in optional:
                continue
            raise ValueError(f"{what} frame lacks column {name!r}")
        if df.schema[name] != dtype and df.height:
            raise TypeError(f"{what}.{name} must be {dtype}, not {df.schema[name]}")


def per_loan_frame(
    installments: pl.DataFrame, loans: pl.DataFrame, as_of: date, table: ClassTable
) -> pl.DataFrame:
    """One row per loan: ``loan_id, product_code, days_past_due, arrears,
    arrears_principal, outstanding, class_index, provision`` (amounts Int64 kobo)."""
    _check_frame(installments, INSTALLMENT_SCHEMA, "installments", set())
    _check_frame(loans, LOAN_SCHEMA, "loans", {"product_code", "watch_until"})
    inst = installments.lazy()
    if "superseded" in installments.columns:
        inst = inst.filter(~pl.col("superseded").fill_null(False))
    inst = inst.select(
        pl.col("loan_id").cast(pl.Int64),
        pl.col("due_date").cast(pl.Date),
        *[
            (pl.col(c).cast(pl.Int64) - pl.col(f"{c}_paid").cast(pl.Int64))
            .clip(lower_bound=0)
            .alias(f"u_{c}")
            for c in COMPONENTS
        ],
    ).with_columns(u_total=pl.sum_horizontal([f"u_{c}" for c in COMPONENTS]))
    due = pl.col("due_date") <= as_of
    late = (pl.col("due_date") < as_of) & (pl.col("u_total") > 0)
    agg = inst.group_by("loan_id").agg(
        oldest_late=pl.col("due_date").filter(late).min(),
        arrears=pl.col("u_total").filter(due).sum(),
        arrears_principal=pl.col("u_principal").filter(due).sum(),
        unpaid_principal=pl.col("u_principal").sum(),
    )
    lz = loans.lazy().select(
        pl.col("loan_id").cast(pl.Int64),
        (pl.col("product_code") if "product_code" in loans.columns else pl.lit(""))
        .cast(pl.String)
        .fill_null("")
        .alias("product_code"),
        pl.col("outstanding").cast(pl.Int64),
        (pl.col("watch_until") if "watch_until" in loans.columns else pl.lit(None))
        .cast(pl.Date)
        .alias("watch_until"),
    )
    res = (
        lz.join(agg, on="loan_id", how="left")
        .with_columns(
            days_past_due=(pl.lit(as_of) - pl.col("oldest_late")).dt.total_days().fill_null(0),
            arrears=pl.col("arrears").fill_null(0),
            arrears_principal=pl.col("arrears_principal").fill_null(0),
            outstanding=pl.coalesce(pl.col("outstanding"), pl.col("unpaid_principal"), pl.lit(0))
            .clip(lower_bound=0)
            .cast(pl.Int64),
        )
        .with_columns(class_index=_class_expr(table, as_of))
        .with_columns(provision=_provision_expr(table))
        .select(
            "loan_id",
            "product_code",
            pl.col("days_past_due").cast(pl.Int64),
            pl.col("arrears").cast(pl.Int64),
            pl.col("arrears_principal").cast(pl.Int64),
            "outstanding",
            "class_index",
            "provision",
        )
    )
    return res.collect()


def _class_expr(table: ClassTable, as_of: date) -> pl.Expr:
    dpd = pl.col("days_past_due")
    classes = table.classes
    expr: Any = pl.when(dpd <= classes[0].max_days).then(pl.lit(0, dtype=pl.Int8))
    for c in classes[1:-1]:
        expr = expr.when(dpd <= c.max_days).then(pl.lit(c.index, dtype=pl.Int8))
    cls = expr.otherwise(pl.lit(classes[-1].index, dtype=pl.Int8))
    watched = (cls == 0) & (pl.col("watch_until") >= as_of)
    return pl.when(watched.fill_null(False)).then(pl.lit(1, dtype=pl.Int8)).otherwise(cls)


def _rate_fractions(table: ClassTable) -> tuple[list[int], int]:
    """Each class's provision fraction as ``num / den`` over one common integer ``den``."""
    scale = 10**4  # percents carry at most four decimals (classification.build_table)
    nums = [int(c.provision_percent * scale) for c in table.classes]
    den = 100 * scale
    g = 0
    for n in [*nums, den]:
        g = gcd(g, n)
    return [n // g for n in nums], den // g


def _provision_expr(table: ClassTable) -> pl.Expr:
    """``round_money(outstanding × rate)`` in integer kobo, with the configured mode.

    outstanding × num / den is split as ``(q1·den + r1) × num / den`` = ``q1·num +
    r1·num / den`` so no intermediate product exceeds Int64 for any real balance.
    """
    nums, den = _rate_fractions(table)
    num = pl.col("class_index").replace_strict(list(range(len(nums))), nums, return_dtype=pl.Int64)
    out = pl.col("outstanding")
    q1, r1 = out // den, out % den
    q2, r = (r1 * num) // den, (r1 * num) % den
    q = q1 * num + q2
    return (q + round_up(q, r, den, money.rounding_mode()).cast(pl.Int64)).alias("provision")


class FrameMapping(Mapping[int, LoanAging]):
    """Per-loan results backed by the bulk frame; Python objects are built on first use."""

    def __init__(self, frame: pl.DataFrame, table: ClassTable) -> None:
        self.frame = frame
        self._table = table
        self._items: dict[int, LoanAging] | None = None

    def _load(self) -> dict[int, LoanAging]:
        if self._items is None:
            classes = self._table.classes
            cols = ["loan_id", "days_past_due", "arrears", "arrears_principal"]
            cols += ["class_index", "provision", "outstanding"]
            self._items = {
                loan_id: LoanAging(
                    days_past_due=dpd,
                    arrears=from_minor(arr),
                    arrears_principal=from_minor(arr_p),
                    classification=classes[ci].name,
                    provision_rate=classes[ci].provision_rate,
                    provision=from_minor(prov),
                    outstanding_principal=from_minor(out),
                )
                for loan_id, dpd, arr, arr_p, ci, prov, out in self.frame.select(cols).iter_rows()
            }
        return self._items

    def __getitem__(self, key: int) -> LoanAging:
        return self._load()[key]

    def __iter__(self) -> Iterator[int]:
        return iter(self._load())

    def __len__(self) -> int:
        return self.frame.height


def _line_aggs() -> list[pl.Expr]:
    out = pl.col("outstanding")
    return [
        pl.len().cast(pl.Int64).alias("loans"),
        wide(out).sum().alias("outstanding"),
        wide(pl.col("arrears")).sum().alias("arrears"),
        wide(pl.col("provision")).sum().alias("provision"),
        *[
            wide(out.filter(pl.col("days_past_due") > n)).sum().alias(f"at_risk_{n}")
            for n in PAR_DAYS
        ],
    ]


def _risk_line(code: str, row: dict[str, Any]) -> RiskLine:
    return RiskLine(
        product_code=code,
        loans=int(row["loans"] or 0),
        outstanding=from_minor(row["outstanding"] or 0),
        arrears=from_minor(row["arrears"] or 0),
        provision=from_minor(row["provision"] or 0),
        at_risk_1=from_minor(row["at_risk_1"] or 0),
        at_risk_30=from_minor(row["at_risk_30"] or 0),
        at_risk_90=from_minor(row["at_risk_90"] or 0),
    )


def summarise_frame(res: pl.DataFrame, as_of: date, table: ClassTable) -> PortfolioAging:
    """Buckets, per-product lines and totals from :func:`per_loan_frame` (vectorized sums)."""
    lz = res.lazy()
    by_class, by_product, totals = pl.collect_all(
        [
            lz.group_by("class_index").agg(
                pl.len().cast(pl.Int64).alias("loans"),
                # portfolio totals in Int128: they can pass 2^63 kobo (core/sums.py)
                wide(pl.col("outstanding")).sum(),
                wide(pl.col("arrears")).sum(),
                wide(pl.col("provision")).sum(),
            ),
            lz.group_by("product_code").agg(_line_aggs()).sort("product_code"),
            lz.select(_line_aggs()),
        ]
    )
    found = {r["class_index"]: r for r in by_class.iter_rows(named=True)}
    buckets = []
    for c in table.classes:
        r = found.get(c.index, {"loans": 0, "outstanding": 0, "arrears": 0, "provision": 0})
        buckets.append(
            Bucket(
                c.name,
                c.min_days,
                c.max_days,
                c.provision_percent,
                int(r["loans"]),
                from_minor(r["outstanding"]),
                from_minor(r["arrears"]),
                from_minor(r["provision"]),
            )
        )
    return PortfolioAging(
        as_of=as_of,
        buckets=tuple(buckets),
        totals=_risk_line("", totals.row(0, named=True)),
        by_product=tuple(
            _risk_line(str(r["product_code"]), r) for r in by_product.iter_rows(named=True)
        ),
        per_loan=FrameMapping(res, table),
    )


def portfolio_aging_bulk(
    installments: pl.DataFrame, loans: pl.DataFrame, as_of: date, table: ClassTable
) -> PortfolioAging:
    """Aging of every loan in ``loans`` in one vectorized pass (same result as the
    scalar :func:`coopctl.loans.aging.portfolio_aging_scalar`, to the kobo)."""
    return summarise_frame(per_loan_frame(installments, loans, as_of, table), as_of, table)
