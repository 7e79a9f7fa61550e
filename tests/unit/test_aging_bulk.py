"""The Polars bulk aging equals the scalar reference, kobo for kobo, on random portfolios.

Also: PAR cross-checked by a tiny independent computation written here (exact
fractions, its own days-past-due), the provision's integer rounding in every
rounding mode, huge balances (no Int64 overflow), and the frame contract.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopctl.core import money
from coopctl.core.money import D, from_minor
from coopctl.loans.aging import InstallmentRow, LoanRow, portfolio_aging_scalar
from coopctl.loans.aging_bulk import per_loan_frame, portfolio_aging_bulk
from coopctl.loans.classification import ClassTable, build_table, default_table

BASE = date(2026, 1, 1)
AMOUNTS = ("principal", "interest", "fees", "penalty",
           "principal_paid", "interest_paid", "fees_paid", "penalty_paid")  # fmt: skip
MODES = ("ROUND_HALF_EVEN", "ROUND_HALF_UP", "ROUND_HALF_DOWN", "ROUND_UP", "ROUND_DOWN",
         "ROUND_CEILING", "ROUND_FLOOR", "ROUND_05UP")  # fmt: skip


LOAN_SCHEMA = {"loan_id": pl.Int64, "outstanding": pl.Int64, "product_code": pl.String,
               "watch_until": pl.Date}  # fmt: skip


# --- building the two representations of one portfolio ------------------------------
def frames(loans: list[LoanRow], by_loan: dict[int, list[InstallmentRow]]) -> tuple[Any, Any]:
    rows = []
    for loan_id, items in by_loan.items():
        for i in items:
            r: dict[str, Any] = {"loan_id": loan_id, "due_date": i.due_date,
                                 "superseded": i.superseded}  # fmt: skip
            r.update({c: money.to_minor(getattr(i, c)) for c in AMOUNTS})
            rows.append(r)
    schema = {"loan_id": pl.Int64, "due_date": pl.Date, "superseded": pl.Boolean,
              **{c: pl.Int64 for c in AMOUNTS}}  # fmt: skip
    installments = pl.DataFrame(rows, schema=schema)
    loans_df = pl.DataFrame(
        {
            "loan_id": [ln.loan_id for ln in loans],
            "outstanding": [
                None
                if ln.outstanding_principal is None
                else money.to_minor(ln.outstanding_principal)
                for ln in loans
            ],
            "product_code": [ln.product_code for ln in loans],
            "watch_until": [ln.watch_until for ln in loans],
        },
        schema=LOAN_SCHEMA,
    )
    return installments, loans_df


kobo = st.integers(min_value=0, max_value=5_000_000_00)


@st.composite
def installment(draw: st.DrawFn) -> InstallmentRow:
    due = {c: draw(kobo) for c in ("principal", "interest")}
    due["fees"] = draw(st.sampled_from([0, 0, draw(kobo)]))
    due["penalty"] = draw(st.sampled_from([0, 0, draw(kobo)]))
    paid = {}
    for c, amount in due.items():
        how = draw(st.sampled_from(["none", "full", "full", "part", "over"]))
        paid[f"{c}_paid"] = {
            "none": 0,
            "full": amount,
            "part": draw(st.integers(0, amount)),
            "over": amount + draw(st.integers(0, 1000)),  # not possible in the DB; still exact
        }[how]
    amounts: dict[str, Any] = {k: from_minor(v) for k, v in {**due, **paid}.items()}
    return InstallmentRow(
        due_date=BASE + timedelta(days=draw(st.integers(0, 400))),
        superseded=draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans()),
        **amounts,
    )


@st.composite
def portfolio(draw: st.DrawFn) -> tuple[list[LoanRow], dict[int, list[InstallmentRow]]]:
    n = draw(st.integers(0, 12))
    ids = draw(st.lists(st.integers(1, 10**9), min_size=n, max_size=n, unique=True))
    loans, by_loan = [], {}
    for loan_id in ids:
        outstanding = draw(
            st.one_of(
                st.none(),
                st.integers(-10_000, 10**12).map(from_minor),
                st.integers(0, 2_000).map(from_minor),  # small: many rounding ties
                st.integers(0, 10**8).map(lambda k: from_minor(k * 50)),  # ties at 1 %, 5 %
            )
        )
        watch = draw(st.one_of(st.none(), st.dates(BASE, BASE + timedelta(days=500))))
        product = draw(st.sampled_from(["", "STD", "EMG", "EDU"]))
        loans.append(LoanRow(loan_id, outstanding, product, watch))
        by_loan[loan_id] = draw(st.lists(installment(), max_size=8))
    if draw(st.booleans()):  # installments of a loan that is not in the portfolio
        by_loan[0] = draw(st.lists(installment(), max_size=3))
    return loans, by_loan


@st.composite
def tables(draw: st.DrawFn) -> ClassTable:
    if draw(st.booleans()):
        return default_table()
    bounds = sorted(draw(st.lists(st.integers(0, 400), min_size=4, max_size=4, unique=True)))
    pcts = sorted(
        draw(st.lists(st.integers(0, 100_0000), min_size=5, max_size=5))  # ten-thousandths
    )
    return build_table(bounds, [str(Decimal(p).scaleb(-4)) for p in pcts])


# --- the property ---------------------------------------------------------------------
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    book=portfolio(),
    as_of=st.dates(BASE - timedelta(days=30), BASE + timedelta(days=500)),
    table=tables(),
    mode=st.sampled_from(MODES),
)
def test_bulk_equals_scalar_to_the_kobo(
    book: tuple[list[LoanRow], dict[int, list[InstallmentRow]]],
    as_of: date,
    table: ClassTable,
    mode: str,
) -> None:
    loans, by_loan = book
    money.set_rounding(mode)
    try:
        scalar = portfolio_aging_scalar(loans, by_loan, as_of, table)
        bulk = portfolio_aging_bulk(*frames(loans, by_loan), as_of, table)
    finally:
        money.set_rounding("ROUND_HALF_EVEN")
    assert dict(bulk.per_loan) == dict(scalar.per_loan)  # every loan
    assert bulk.buckets == scalar.buckets
    assert bulk.totals == scalar.totals
    assert bulk.by_product == scalar.by_product
    assert (bulk.par1, bulk.par30, bulk.par90) == (scalar.par1, scalar.par30, scalar.par90)
    assert bulk == scalar


# --- PAR by an independent tiny computation ------------------------------------------
def independent_par(
    loans: list[LoanRow], by_loan: dict[int, list[InstallmentRow]], as_of: date, n: int
) -> Decimal:
    at_risk = gross = Fraction(0)
    for ln in loans:
        rows = [r for r in by_loan.get(ln.loan_id, []) if not r.superseded]
        owed = [
            r.due_date for r in rows
            if r.due_date < as_of and any(
                getattr(r, c) > getattr(r, f"{c}_paid")
                for c in ("principal", "interest", "fees", "penalty"))
        ]  # fmt: skip
        dpd = (as_of - min(owed)).days if owed else 0
        if ln.outstanding_principal is None:
            bal = sum((max(r.principal - r.principal_paid, D(0)) for r in rows), D(0))
        else:
            bal = ln.outstanding_principal
        bal = max(bal, D(0))
        gross += Fraction(bal)
        if dpd > n:
            at_risk += Fraction(bal)
    if gross == 0:
        return D("0.00")
    ratio = at_risk * 100 / gross
    return (Decimal(ratio.numerator) / Decimal(ratio.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_EVEN
    )


@settings(max_examples=100, deadline=None)
@given(book=portfolio(), as_of=st.dates(BASE, BASE + timedelta(days=450)))
def test_par_matches_an_independent_computation(
    book: tuple[list[LoanRow], dict[int, list[InstallmentRow]]], as_of: date
) -> None:
    loans, by_loan = book
    bulk = portfolio_aging_bulk(*frames(loans, by_loan), as_of, default_table())
    for n in (1, 30, 90):
        assert getattr(bulk, f"par{n}") == independent_par(loans, by_loan, as_of, n), n


# --- edges ------------------------------------------------------------------------------
def test_huge_balances_do_not_overflow() -> None:
    # ₦90 trillion at 33.3333 %: the kobo product would overflow Int64 if multiplied directly.
    table = build_table([0, 30, 60, 90], ["33.3333", "50", "60", "70", "100"])
    loans = [LoanRow(1, from_minor(9_000_000_000_000_000)), LoanRow(2, from_minor(12_345))]
    bulk = portfolio_aging_bulk(*frames(loans, {}), BASE, table)
    scalar = portfolio_aging_scalar(loans, {}, BASE, table)
    assert bulk == scalar
    assert bulk.per_loan[1].provision == D("29999970000000.00")  # 9e13 naira × 0.333333


def test_empty_frames() -> None:
    bulk = portfolio_aging_bulk(*frames([], {}), BASE, default_table())
    assert bulk.total_outstanding == D("0.00") and bulk.par90 == D("0.00")
    assert [b.loans for b in bulk.buckets] == [0] * 5
    assert len(bulk.per_loan) == 0


def test_per_loan_frame_is_integer_kobo() -> None:
    loans = [LoanRow(7, D("1000.00"), "STD")]
    by_loan = {7: [InstallmentRow(BASE, D("100.00"), D("10.00"))]}
    res = per_loan_frame(*frames(loans, by_loan), BASE + timedelta(days=45), default_table())
    assert res.schema["provision"] == pl.Int64 and res.schema["outstanding"] == pl.Int64
    assert not any(dt == pl.Float64 for dt in res.schema.values())
    assert res.row(0, named=True) == {
        "loan_id": 7, "product_code": "STD", "days_past_due": 45, "arrears": 11000,
        "arrears_principal": 10000, "outstanding": 100000, "class_index": 2, "provision": 20000,
    }  # fmt: skip


def test_frames_must_carry_kobo_integers() -> None:
    inst, loans = frames([LoanRow(1, D("1.00"))], {1: [InstallmentRow(BASE, D("1.00"))]})
    with pytest.raises(TypeError, match="principal must be Int64"):
        portfolio_aging_bulk(inst.with_columns(pl.col("principal").cast(pl.Float64)), loans,
                             BASE, default_table())  # fmt: skip
    with pytest.raises(ValueError, match="lacks column 'outstanding'"):
        portfolio_aging_bulk(inst, loans.drop("outstanding"), BASE, default_table())
