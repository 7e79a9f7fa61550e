"""Eligibility rules (pure): every failure is reported, and the guarantee cover."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from coopctl.loans.eligibility import (
    Facts,
    Rules,
    check,
    guarantee_shortfall,
    max_by_savings,
    months_between,
    required_cover,
)
from coopctl.loans.penalties import charge_dates, penalty_amount, period_key

D = Decimal
RULES = Rules(
    min_amount=D("10000.00"),
    max_amount=D("2000000.00"),
    min_term=1,
    max_term=36,
    savings_multiple=D(3),
    min_membership_months=6,
    max_active_loans=1,
)
GOOD = Facts(
    amount=D("300000.00"),
    term=12,
    member_status="active",
    kyc_status="approved",
    joined_on=date(2025, 1, 15),
    applied_on=date(2026, 11, 28),
    free_savings=D("100000.00"),
    open_loans=0,
)


def test_an_eligible_application_has_no_failures() -> None:
    assert check(RULES, GOOD) == []


def test_every_failure_is_listed_at_once() -> None:
    bad = replace(
        GOOD,
        amount=D("5000000.00"),
        term=48,
        member_status="suspended",
        kyc_status="pending",
        joined_on=date(2026, 10, 1),
        open_loans=1,
        free_savings=D("1000.00"),
    )
    failures = check(RULES, bad)
    assert [f.split(":")[0] for f in failures] == [
        "member",
        "kyc",
        "--amount",
        "--term",
        "membership",
        "active loans",
        "savings",
    ]
    assert "5,000,000.00 is above the product maximum 2,000,000.00" in failures[2]
    assert "3 × free savings 1,000.00 = 3,000.00" in failures[-1]


def test_limits_are_inclusive_and_rules_can_be_switched_off() -> None:
    assert check(RULES, replace(GOOD, amount=D("300000.00"), term=36)) == []
    assert check(RULES, replace(GOOD, amount=D("300000.01")))[0].startswith("savings:")
    assert check(RULES, replace(GOOD, amount=D("9999.99")))[0].startswith("--amount:")
    free = replace(RULES, savings_multiple=D(0), max_active_loans=0, max_amount=None)
    assert (
        check(free, replace(GOOD, amount=D("9000000.00"), open_loans=5, has_savings_account=False))
        == []
    )
    assert max_by_savings(free, D("1.00")) is None
    assert check(RULES, replace(GOOD, has_savings_account=False)) == [
        "savings: the member has no savings account"
    ]


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 1, 31), date(2026, 2, 28), 0),
        (date(2026, 1, 31), date(2026, 3, 31), 2),
        (date(2026, 1, 15), date(2026, 7, 15), 6),
        (date(2026, 1, 15), date(2026, 7, 14), 5),
        (date(2026, 5, 1), date(2026, 4, 1), 0),
    ],
)
def test_months_between(start: date, end: date, months: int) -> None:
    assert months_between(start, end) == months


def test_guarantee_cover() -> None:
    # 1,000,000 with 400,000 of free savings: guarantees must cover 600,000
    assert required_cover(D("1000000.00"), D("400000.00"), D(100)) == D("600000.00")
    assert required_cover(D("1000000.00"), D("400000.00"), D(50)) == D("300000.00")
    assert required_cover(D("100000.00"), D("400000.00"), D(100)) == D("0.00")
    assert (
        guarantee_shortfall(
            D("1000000.00"), D("400000.00"), D(100), 2, [D("300000.00"), D("300000.00")]
        )
        == []
    )
    short = guarantee_shortfall(D("1000000.00"), D("400000.00"), D(100), 2, [D("500000.00")])
    assert short == [
        "guarantors: 1 accepted, the product needs 2",
        "guarantees: accepted guarantees total 500,000.00, they must cover 600,000.00 "
        "(100% of principal − free savings)",
    ]


def test_penalty_periods() -> None:
    due = date(2027, 1, 31)
    assert charge_dates(due, 0, date(2027, 1, 31)) == []
    assert charge_dates(due, 0, date(2027, 2, 1)) == [date(2027, 2, 1)]
    # month-end: 31 Jan → 28 Feb → 31 Mar, each plus one day
    assert charge_dates(due, 0, date(2027, 4, 1)) == [
        date(2027, 2, 1),
        date(2027, 3, 1),
        date(2027, 4, 1),
    ]
    assert charge_dates(due, 5, date(2027, 2, 5)) == []
    assert charge_dates(due, 5, date(2027, 2, 6)) == [date(2027, 2, 6)]
    assert penalty_amount(D("34675.47"), D("2"), D("0.00")) == D("693.51")
    assert penalty_amount(D("34675.47"), D("1"), D("100.00")) == D("446.75")
    assert penalty_amount(D("0.00"), D("2"), D("100.00")) == D("0.00")
    assert period_key("L00000013", 7, 2) == "L00000013:i7:p2"
