"""Repayment allocation strategies (pure): worked cases and properties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopctl.loans.allocation import (
    STRATEGIES,
    Due,
    allocate_due,
    allocate_future_principal,
    due_up_to,
    payoff_amount,
    split,
)

D = Decimal
JAN, FEB, MAR, APR = date(2027, 1, 28), date(2027, 2, 28), date(2027, 3, 28), date(2027, 4, 28)


def schedule() -> list[Due]:
    return [
        Due(
            1, JAN, principal=D("900.00"), interest=D("100.00"), fees=D("10.00"), penalty=D("5.00")
        ),
        Due(2, FEB, principal=D("910.00"), interest=D("90.00"), penalty=D("3.00")),
        Due(3, MAR, principal=D("920.00"), interest=D("80.00")),
        Due(4, APR, principal=D("930.00"), interest=D("70.00")),
    ]


def triples(portions: list) -> list[tuple[int, str, str]]:  # type: ignore[type-arg]
    return [(p.no, p.component, str(p.amount)) for p in portions]


def test_standard_oldest_first_penalty_fees_interest_principal() -> None:
    # on 10 March: installments 1 and 2 are past due, 3 is current, 4 is future
    a = allocate_due(schedule(), D("1500.00"), date(2027, 3, 10))
    assert triples(a.portions) == [
        (1, "penalty", "5.00"),
        (1, "fees", "10.00"),
        (1, "interest", "100.00"),
        (1, "principal", "900.00"),
        (2, "penalty", "3.00"),
        (2, "interest", "90.00"),
        (2, "principal", "392.00"),
    ]
    assert a.left == D("0.00")


def test_current_installment_then_a_prepayment_is_left() -> None:
    a = allocate_due(schedule(), D("4000.00"), date(2027, 3, 10))
    assert a.applied == D("1015.00") + D("1003.00") + D("1000.00")
    assert a.left == D("982.00")
    f = allocate_future_principal(schedule(), a.left, date(2027, 3, 10))
    assert triples(f.portions) == [(4, "principal", "930.00")]
    assert f.left == D("52.00")  # beyond all principal: an overpayment


def test_a_payment_on_the_due_date_counts_that_installment_as_current() -> None:
    past, current, future = split(schedule(), FEB)
    assert [d.no for d in past] == [1]
    assert current is not None and current.no == 2
    assert [d.no for d in future] == [3, 4]


def test_horizontal_interest_first() -> None:
    a = allocate_due(schedule(), D("300.00"), date(2027, 3, 10), "horizontal_interest_first")
    assert triples(a.portions) == [
        (1, "interest", "100.00"),
        (2, "interest", "90.00"),
        (1, "principal", "110.00"),
    ]


def test_principal_first_order() -> None:
    a = allocate_due(
        schedule(), D("950.00"), date(2027, 1, 20), "principal_interest_penalties_fees"
    )
    # nothing is past due on 20 Jan: installment 1 is current
    assert triples(a.portions) == [(1, "principal", "900.00"), (1, "interest", "50.00")]


def test_fully_paid_installments_are_skipped_and_unknown_strategy_refused() -> None:
    rows = [Due(1, JAN), *schedule()[1:]]
    a = allocate_due(rows, D("10.00"), date(2027, 3, 10))
    assert triples(a.portions) == [(2, "penalty", "3.00"), (2, "interest", "7.00")]
    with pytest.raises(ValueError, match="strategy"):
        allocate_due(rows, D("1.00"), JAN, "lifo")
    with pytest.raises(ValueError):
        allocate_due(rows, D("-1.00"), JAN)


def test_due_up_to_and_payoff() -> None:
    assert due_up_to(schedule(), FEB) == D("1015.00") + D("1003.00")
    # on 10 March: 1 and 2 in full, 3 (current) in full, 4's principal only
    assert payoff_amount(schedule(), date(2027, 3, 10)) == D("3948.00")


amounts = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def schedules(draw: st.DrawFn) -> list[Due]:
    n = draw(st.integers(1, 8))
    start = date(2027, 1, 1)
    return [
        Due(
            i + 1,
            start + timedelta(days=30 * i),
            principal=draw(amounts),
            interest=draw(amounts),
            fees=draw(amounts),
            penalty=draw(amounts),
        )
        for i in range(n)
    ]


@settings(max_examples=200, deadline=None)
@given(schedules(), amounts, st.integers(0, 300), st.sampled_from(sorted(STRATEGIES)))
def test_parts_sum_to_the_payment_and_never_exceed_what_is_owed(
    dues: list[Due], amount: Decimal, day: int, strategy: str
) -> None:
    as_of = date(2027, 1, 1) + timedelta(days=day)
    a = allocate_due(dues, amount, as_of, strategy)
    f = allocate_future_principal(dues, a.left, as_of)
    assert a.applied + f.applied + f.left == amount
    taken: dict[tuple[int, str], Decimal] = {}
    for p in a.portions + f.portions:
        assert p.amount > 0
        taken[(p.no, p.component)] = taken.get((p.no, p.component), D(0)) + p.amount
    by_no = {d.no: d for d in dues}
    for (no, comp), amt in taken.items():
        assert amt <= by_no[no].get(comp)
    # nothing is left over while something due on or before the date is unpaid
    if a.left > 0:
        past, current, _ = split(dues, as_of)
        for d in [*past, *([current] if current else [])]:
            for comp in ("principal", "interest", "fees", "penalty"):
                assert taken.get((d.no, comp), D(0)) == d.get(comp)
    # a payment of the payoff amount leaves nothing but future interest unpaid
    pay = allocate_due(dues, payoff_amount(dues, as_of), as_of, strategy)
    rest = allocate_future_principal(dues, pay.left, as_of)
    assert rest.left == 0
