"""Loan schedule math: textbook worked examples, properties, malformed input.

Expected values are never taken from the module under test: the literals below were
worked out once with exact ``fractions.Fraction`` arithmetic, and the property tests
recompute the annuity and the interest with the small exact reference in this file.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coopctl.core.errors import ValidationError
from coopctl.core.money import CENT, D
from coopctl.loans.schedule import (
    METHODS,
    Installment,
    LoanTerms,
    Schedule,
    annuity_payment,
    build_schedule,
    periodic_rate,
    periods_per_year,
    remaining_schedule,
)

START = date(2024, 1, 15)
PPY = {"monthly": 12, "fortnightly": 26, "weekly": 52}


# --- an exact reference, independent of the module ---------------------------------


def kobo_half_even(x: Fraction) -> Decimal:
    """Round an exact fraction to the kobo, ties to even."""
    scaled = x * 100
    floor = scaled.numerator // scaled.denominator
    rest = scaled - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1):
        floor += 1
    return (Decimal(floor) / 100).quantize(CENT)


def ref_annuity(principal: Decimal, annual_rate: Decimal, n: int, ppy: int) -> Fraction:
    r = Fraction(annual_rate) / 100 / ppy
    if r == 0:
        return Fraction(principal) / n
    return Fraction(principal) * r / (1 - (1 + r) ** -n)


def rows(schedule: Schedule) -> list[tuple[Decimal, Decimal, Decimal, Decimal, Decimal]]:
    return [(i.principal, i.interest, i.fees, i.total, i.balance) for i in schedule.installments]


def row(p: str, i: str, t: str, b: str, f: str = "0.00") -> tuple[Decimal, ...]:
    return (D(p), D(i), D(f), D(t), D(b))


# --- worked examples ------------------------------------------------------------------


def test_annuity_worked_example_one_million_at_24_percent_over_12_months() -> None:
    terms = LoanTerms(principal=D("1000000.00"), annual_rate=D("24"), term=12, start=START)
    schedule = build_schedule(terms)
    inst = schedule.installments

    # The installment is the annuity formula, computed exactly here, rounded once.
    expected = kobo_half_even(ref_annuity(D("1000000"), D("24"), 12, 12))
    assert expected == D("94559.60")
    assert all(i.total == expected for i in inst[:-1])

    assert rows(schedule)[0] == row("74559.60", "20000.00", "94559.60", "925440.40")
    assert rows(schedule)[1] == row("76050.79", "18508.81", "94559.60", "849389.61")
    assert rows(schedule)[10] == row("90887.74", "3671.86", "94559.60", "92705.46")
    # The last installment clears the balance exactly: 3 kobo less than the others.
    assert rows(schedule)[11] == row("92705.46", "1854.11", "94559.57", "0.00")

    assert schedule.total_principal == D("1000000.00")
    assert schedule.total_interest == D("134715.17")
    assert schedule.total_fees == D("0.00")
    assert schedule.total_payable == D("1134715.17")
    assert [i.due_date for i in inst[:3]] == [
        date(2024, 2, 15),
        date(2024, 3, 15),
        date(2024, 4, 15),
    ]
    assert [i.no for i in inst] == list(range(1, 13))


def test_published_example_100k_at_12_percent_for_a_year_is_8884_88_a_month() -> None:
    schedule = build_schedule(LoanTerms(D("100000"), D("12"), 12, start=START))
    assert kobo_half_even(ref_annuity(D("100000"), D("12"), 12, 12)) == D("8884.88")
    assert {i.total for i in schedule.installments[:-1]} == {D("8884.88")}
    assert rows(schedule)[0] == row("7884.88", "1000.00", "8884.88", "92115.12")
    assert rows(schedule)[-1] == row("8796.88", "87.97", "8884.85", "0.00")
    assert schedule.total_interest == D("6618.53")


def test_fortnightly_annuity_at_one_percent_per_period() -> None:
    schedule = build_schedule(
        LoanTerms(D("52000"), D("26"), 26, frequency="fortnightly", start=START)
    )
    assert rows(schedule)[0] == row("1761.18", "520.00", "2281.18", "50238.82")
    assert rows(schedule)[1] == row("1778.79", "502.39", "2281.18", "48460.03")
    assert rows(schedule)[-1] == row("2258.64", "22.59", "2281.23", "0.00")
    assert schedule.total_interest == D("7310.73")
    assert schedule.installments[1].due_date == date(2024, 2, 12)


def test_zero_rate_annuity_is_principal_over_n() -> None:
    schedule = build_schedule(LoanTerms(D("1000"), D("0"), 3, start=START))
    assert rows(schedule) == [
        row("333.33", "0.00", "333.33", "666.67"),
        row("333.33", "0.00", "333.33", "333.34"),
        row("333.34", "0.00", "333.34", "0.00"),
    ]


def test_equal_principal_worked_example() -> None:
    terms = LoanTerms(D("100000"), D("24"), 3, method="declining_equal_principal", start=START)
    schedule = build_schedule(terms)
    assert rows(schedule) == [
        row("33333.33", "2000.00", "35333.33", "66666.67"),
        row("33333.33", "1333.33", "34666.66", "33333.34"),
        row("33333.34", "666.67", "34000.01", "0.00"),
    ]
    assert schedule.total_interest == D("4000.00")


def test_flat_worked_example_even_split() -> None:
    schedule = build_schedule(LoanTerms(D("100000"), D("24"), 12, method="flat", start=START))
    assert {i.interest for i in schedule.installments} == {D("2000.00")}
    assert rows(schedule)[0] == row("8333.33", "2000.00", "10333.33", "91666.67")
    assert rows(schedule)[-1] == row("8333.37", "2000.00", "10333.37", "0.00")
    assert schedule.total_interest == D("24000.00")


def test_flat_worked_example_with_leftover_kobo() -> None:
    # 100,000 × 10 % × 7/12 year = 5,833.333… → 5,833.33; 7 shares of 833.33 leave 2 kobo,
    # which go to the first two installments.
    schedule = build_schedule(LoanTerms(D("100000"), D("10"), 7, method="flat", start=START))
    assert [i.interest for i in schedule.installments] == [D("833.34")] * 2 + [D("833.33")] * 5
    assert schedule.total_interest == D("5833.33")
    assert [i.principal for i in schedule.installments] == [D("14285.71")] * 6 + [D("14285.74")]


def test_actual_365_counts_the_days_of_each_period() -> None:
    # 36.5 % a year is 0.1 % a day: Jan 15 → Feb 15 is 31 days, Feb 15 → Mar 15 (2024) 29.
    ep = LoanTerms(
        D("100000"), D("36.5"), 2, "declining_equal_principal", day_count="actual_365", start=START
    )
    assert rows(build_schedule(ep)) == [
        row("50000.00", "3100.00", "53100.00", "50000.00"),
        row("50000.00", "1450.00", "51450.00", "0.00"),
    ]
    annuity = replace(ep, method="declining_equal_installment")
    assert rows(build_schedule(annuity)) == [
        row("49192.64", "3100.00", "52292.64", "50807.36"),
        row("50807.36", "1473.41", "52280.77", "0.00"),
    ]
    # Same loan at 36 % on a 360-day year: 0.1 % a day again.
    a360 = replace(ep, annual_rate=D("36"), day_count="actual_360")
    assert [i.interest for i in build_schedule(a360).installments] == [D("3100.00"), D("1450.00")]


def test_holiday_moves_change_actual_days_but_not_periodic_interest() -> None:
    # Sep 1 2025 + 1 month = Wed Oct 1 (National Day) → Thu Oct 2; + 2 months = Sat Nov 1
    # → Mon Nov 3. Actual days: 31 and 32 instead of 30 and 31.
    terms = LoanTerms(
        D("100000"),
        D("36.5"),
        2,
        "declining_equal_principal",
        day_count="actual_365",
        start=date(2025, 9, 1),
        move_off_holidays=True,
    )
    moved = build_schedule(terms)
    assert [i.due_date for i in moved.installments] == [date(2025, 10, 2), date(2025, 11, 3)]
    assert [i.interest for i in moved.installments] == [D("3100.00"), D("1600.00")]
    unmoved = build_schedule(replace(terms, move_off_holidays=False))
    assert [i.interest for i in unmoved.installments] == [D("3000.00"), D("1550.00")]
    periodic = replace(terms, day_count="periodic")
    assert rows(build_schedule(periodic)) == rows(
        build_schedule(replace(periodic, move_off_holidays=False))
    )


def test_grace_principal_pays_interest_only_then_amortises_over_the_rest() -> None:
    terms = LoanTerms(D("100000"), D("12"), 14, start=START, grace_principal=2)
    schedule = build_schedule(terms)
    assert rows(schedule)[:2] == [row("0.00", "1000.00", "1000.00", "100000.00")] * 2
    # The rest is the published 12-month example.
    assert {i.total for i in schedule.installments[2:-1]} == {D("8884.88")}
    assert rows(schedule)[-1] == row("8796.88", "87.97", "8884.85", "0.00")

    ep = LoanTerms(D("120000"), D("12"), 4, "declining_equal_principal", start=START)
    assert rows(build_schedule(replace(ep, grace_principal=2))) == [
        row("0.00", "1200.00", "1200.00", "120000.00"),
        row("0.00", "1200.00", "1200.00", "120000.00"),
        row("60000.00", "1200.00", "61200.00", "60000.00"),
        row("60000.00", "600.00", "60600.00", "0.00"),
    ]


def test_grace_interest_waives_the_interest_of_the_first_installments() -> None:
    terms = LoanTerms(D("1000000"), D("24"), 12, start=START, grace_interest=2)
    schedule = build_schedule(terms)
    assert rows(schedule)[:2] == [
        row("74559.60", "0.00", "74559.60", "925440.40"),
        row("76050.79", "0.00", "76050.79", "849389.61"),
    ]
    assert rows(schedule)[2][1] == D("16987.79")  # charged again from installment 3
    assert schedule.total_interest == D("134715.17") - D("20000.00") - D("18508.81")

    flat = build_schedule(
        LoanTerms(D("100000"), D("24"), 12, "flat", start=START, grace_interest=1)
    )
    assert flat.total_interest == D("22000.00")
    assert flat.installments[0].interest == D("0.00")


def test_first_installment_fee() -> None:
    terms = LoanTerms(D("1000000"), D("24"), 12, start=START, first_installment_fee=D("1500"))
    schedule = build_schedule(terms)
    assert rows(schedule)[0] == row("74559.60", "20000.00", "96059.60", "925440.40", f="1500.00")
    assert all(i.fees == D("0.00") for i in schedule.installments[1:])
    assert schedule.total_fees == D("1500.00")
    assert schedule.total_payable == D("1134715.17") + D("1500.00")


def test_rounding_unit_rounds_the_installment_up_and_the_last_absorbs() -> None:
    terms = LoanTerms(D("1000000"), D("24"), 12, start=START, rounding_unit=D("100.00"))
    schedule = build_schedule(terms)
    assert {i.total for i in schedule.installments[:-1]} == {D("94600.00")}
    assert rows(schedule)[0] == row("74600.00", "20000.00", "94600.00", "925400.00")
    assert rows(schedule)[1] == row("76092.00", "18508.00", "94600.00", "849308.00")
    assert rows(schedule)[-1] == row("92213.82", "1844.28", "94058.10", "0.00")

    ep = LoanTerms(
        D("100000"), D("24"), 3, "declining_equal_principal", start=START, rounding_unit=D("100")
    )
    assert rows(build_schedule(ep)) == [
        row("33400.00", "2000.00", "35400.00", "66600.00"),
        row("33368.00", "1332.00", "34700.00", "33232.00"),
        row("33232.00", "664.64", "33896.64", "0.00"),
    ]


def test_remaining_schedule_re_amortises_the_outstanding_balance() -> None:
    terms = LoanTerms(D("1"), D("12"), 12, start=START)
    rescheduled = remaining_schedule(D("100000.00"), terms)
    assert {i.total for i in rescheduled.installments[:-1]} == {D("8884.88")}
    assert rescheduled.total_principal == D("100000.00")
    with pytest.raises(ValidationError, match=r"^outstanding:"):
        remaining_schedule(D("-5"), terms)


def test_rate_helpers() -> None:
    assert periods_per_year("monthly") == 12
    assert periods_per_year("fortnightly") == 26
    assert periods_per_year("weekly") == 52
    assert periodic_rate(D("24"), "monthly") == D("0.02")
    assert Fraction(periodic_rate(D("12"), "weekly")) - Fraction(12, 5200) < Fraction(1, 10**45)
    exact = ref_annuity(D("1000000"), D("24"), 12, 12)
    assert abs(Fraction(annuity_payment(D("1000000"), D("0.02"), 12)) - exact) < Fraction(1, 10**40)
    assert annuity_payment(D("90"), D("0"), 4) == D("22.5")


# --- properties ----------------------------------------------------------------------

money = st.integers(1, 10**11).map(lambda k: (Decimal(k) / 100).quantize(CENT))
rates = st.integers(0, 10_000).map(lambda k: (Decimal(k) / 100).quantize(CENT))


@st.composite
def loan_terms(draw: st.DrawFn, **fixed: object) -> LoanTerms:
    """Random valid terms; keyword arguments pin a field to a value or a strategy."""
    pinned = {k: draw(v) if isinstance(v, st.SearchStrategy) else v for k, v in fixed.items()}
    term = pinned.get("term", draw(st.integers(1, 600)))
    assert isinstance(term, int)
    values: dict[str, object] = {
        "principal": draw(money),
        "annual_rate": draw(rates),
        "term": term,
        "method": draw(st.sampled_from(METHODS)),
        "frequency": draw(st.sampled_from(sorted(PPY))),
        "day_count": draw(st.sampled_from(["periodic", "actual_365", "actual_360"])),
        "start": draw(st.dates(date(2000, 1, 1), date(2040, 12, 31))),
        "grace_principal": draw(st.integers(0, term - 1)),
        "grace_interest": draw(st.integers(0, term - 1)),
        "first_installment_fee": draw(st.sampled_from([D("0.00"), D("0.01"), D("2500.00")])),
        "rounding_unit": draw(st.sampled_from([CENT, D("1.00"), D("100.00")])),
        "move_off_holidays": draw(st.booleans()),
    }
    values.update(pinned)
    return LoanTerms(**values)  # type: ignore[arg-type]


def _amounts(i: Installment) -> list[Decimal]:
    return [i.principal, i.interest, i.fees, i.total, i.balance]


@settings(deadline=None, max_examples=150)
@given(loan_terms())
def test_schedule_invariants(terms: LoanTerms) -> None:
    schedule = build_schedule(terms)
    inst = schedule.installments
    assert [i.no for i in inst] == list(range(1, terms.term + 1))
    assert sum((i.principal for i in inst), Decimal(0)) == terms.principal
    balance = terms.principal
    for i in inst:
        for amount in _amounts(i):
            assert amount >= 0
            assert amount.as_tuple().exponent == -2, amount
        assert i.total == i.principal + i.interest + i.fees
        assert i.balance <= balance
        balance -= i.principal
        assert i.balance == balance
        assert i.fees == (terms.first_installment_fee if i.no == 1 else 0)
        if i.no <= terms.grace_principal:
            assert i.principal == 0
        if i.no <= terms.grace_interest:
            assert i.interest == 0
    assert inst[-1].balance == 0
    assert schedule.total_principal == sum((i.principal for i in inst), Decimal(0))
    assert schedule.total_interest == sum((i.interest for i in inst), Decimal(0))
    assert schedule.total_fees == terms.first_installment_fee
    assert schedule.total_payable == sum((i.total for i in inst), Decimal(0))
    assert schedule.total_payable == (
        schedule.total_principal + schedule.total_interest + schedule.total_fees
    )
    assert terms.start is not None
    dates = [terms.start, *(i.due_date for i in inst)]
    assert all(a < b for a, b in itertools.pairwise(dates))
    assert remaining_schedule(terms.principal, replace(terms, principal=D("1"))) == schedule


@settings(deadline=None)
@given(loan_terms(method=st.sampled_from(METHODS[:2]), day_count="periodic"))
def test_periodic_interest_is_outstanding_times_rate_rounded(terms: LoanTerms) -> None:
    r = Fraction(terms.annual_rate) / 100 / PPY[terms.frequency]
    outstanding = terms.principal
    for i in build_schedule(terms).installments:
        expected = (
            D("0.00") if i.no <= terms.grace_interest else kobo_half_even(Fraction(outstanding) * r)
        )
        assert i.interest == expected
        outstanding = i.balance


@settings(deadline=None)
@given(
    st.integers(100_000, 10**11).map(lambda k: (Decimal(k) / 100).quantize(CENT)),
    st.integers(0, 6_000).map(lambda k: (Decimal(k) / 100).quantize(CENT)),
    st.integers(1, 360),
    st.sampled_from(sorted(PPY)),
)
def test_annuity_installments_equal_the_rounded_annuity(
    principal: Decimal, rate: Decimal, term: int, frequency: str
) -> None:
    ppy = PPY[frequency]
    exact = ref_annuity(principal, rate, term, ppy)
    level = kobo_half_even(exact)
    # Only where rounding drift cannot reach a whole installment (otherwise the
    # last-but-one installments are legitimately capped at the balance).
    r = Fraction(rate) / 100 / ppy
    drift = Fraction(1, 100) * (((1 + r) ** term - 1) / r if r else term)
    assume(2 * drift < exact / (1 + r) and exact - Fraction(principal) * r > Fraction(1, 50))
    terms = LoanTerms(principal, rate, term, frequency=frequency, start=START)
    inst = build_schedule(terms).installments
    assert all(i.total == level for i in inst[:-1])
    assert inst[-1].principal == (inst[-2].balance if term > 1 else principal)


@settings(deadline=None)
@given(money, rates, st.integers(1, 600), st.sampled_from(sorted(PPY)))
def test_equal_principal_and_flat_split(
    principal: Decimal, rate: Decimal, term: int, frequency: str
) -> None:
    level = kobo_half_even(Fraction(principal) / term)
    assume(level * (term - 1) <= principal)
    for method in ("declining_equal_principal", "flat"):
        terms = LoanTerms(principal, rate, term, method, frequency=frequency, start=START)
        schedule = build_schedule(terms)
        assert all(i.principal == level for i in schedule.installments[:-1])
        assert schedule.installments[-1].principal == principal - level * (term - 1)
    flat_total = kobo_half_even(Fraction(principal) * Fraction(rate) / 100 * term / PPY[frequency])
    interest = [i.interest for i in schedule.installments]
    assert sum(interest, Decimal(0)) == flat_total
    assert max(interest) - min(interest) <= CENT


@settings(deadline=None)
@given(loan_terms(grace_interest=0, term=st.integers(2, 600)), st.data())
def test_grace_interest_only_waives_interest(terms: LoanTerms, data: st.DataObject) -> None:
    grace = data.draw(st.integers(1, terms.term - 1), label="grace_interest")
    plain = build_schedule(terms).installments
    waived = build_schedule(replace(terms, grace_interest=grace)).installments
    assert [i.principal for i in waived] == [i.principal for i in plain]
    assert all(w.interest == 0 for w in waived[:grace])
    assert [w.interest for w in waived[grace:]] == [p.interest for p in plain[grace:]]


@settings(deadline=None)
@given(loan_terms(grace_interest=0, rounding_unit=st.sampled_from([D("1.00"), D("100.00")])))
def test_regular_installments_are_multiples_of_the_rounding_unit(terms: LoanTerms) -> None:
    unit = terms.rounding_unit
    for i in build_schedule(terms).installments[:-1]:
        if i.no > terms.grace_principal and i.balance > 0 and i.principal > 0:
            assert (i.principal + i.interest) % unit == 0, (i, unit)


# --- malformed input ------------------------------------------------------------------

GOOD = LoanTerms(D("1000"), D("24"), 12, start=START)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"principal": D("-100")}, "principal"),
        ({"principal": D("0")}, "principal"),
        ({"principal": D("100.005")}, "principal"),
        ({"principal": Decimal("NaN")}, "principal"),
        ({"principal": 100.5}, "principal"),
        ({"annual_rate": D("150")}, "annual_rate"),
        ({"annual_rate": D("-1")}, "annual_rate"),
        ({"term": 0}, "term"),
        ({"term": 601}, "term"),
        ({"term": True}, "term"),
        ({"method": "rule_of_78"}, "method"),
        ({"frequency": "daily"}, "frequency"),
        ({"day_count": "30_360"}, "day_count"),
        ({"start": None}, "start"),
        ({"grace_principal": 12}, "grace_principal"),
        ({"grace_interest": -1}, "grace_interest"),
        ({"first_installment_fee": D("1.234")}, "first_installment_fee"),
        ({"rounding_unit": D("0")}, "rounding_unit"),
    ],
)
def test_malformed_terms_are_refused_naming_the_field(
    changes: dict[str, object], field: str
) -> None:
    terms = replace(GOOD, **changes)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as caught:
        build_schedule(terms)
    assert caught.value.message.startswith(f"{field}:")
    assert caught.value.exit_code == 2
