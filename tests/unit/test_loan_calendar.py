"""Due dates: month-end clamping from the anchor, fixed-day steps, business-day moves."""

from __future__ import annotations

import calendar
import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopctl.core.errors import ValidationError
from coopctl.loans.calendar import add_months, due_dates, nominal_due_dates, public_holidays


def test_month_end_in_a_leap_year_returns_to_the_31st() -> None:
    assert due_dates(date(2024, 1, 31), 4, "monthly") == [
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]


def test_month_end_in_a_common_year() -> None:
    assert due_dates(date(2023, 1, 31), 2, "monthly") == [date(2023, 2, 28), date(2023, 3, 31)]


def test_the_30th_and_29th_clamp_only_in_short_months() -> None:
    assert due_dates(date(2023, 1, 30), 2, "monthly") == [date(2023, 2, 28), date(2023, 3, 30)]
    assert due_dates(date(2023, 12, 29), 3, "monthly") == [
        date(2024, 1, 29),
        date(2024, 2, 29),
        date(2024, 3, 29),
    ]


def test_monthly_crosses_the_year_end() -> None:
    assert due_dates(date(2024, 11, 15), 3, "monthly") == [
        date(2024, 12, 15),
        date(2025, 1, 15),
        date(2025, 2, 15),
    ]
    assert add_months(date(2024, 3, 31), 23) == date(2026, 2, 28)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)


def test_fortnightly_and_weekly_step_fixed_days() -> None:
    assert due_dates(date(2024, 2, 20), 3, "fortnightly") == [
        date(2024, 3, 5),
        date(2024, 3, 19),
        date(2024, 4, 2),
    ]
    assert due_dates(date(2024, 12, 24), 3, "weekly") == [
        date(2024, 12, 31),
        date(2025, 1, 7),
        date(2025, 1, 14),
    ]


def test_no_installments_no_dates() -> None:
    assert due_dates(date(2024, 1, 1), 0, "monthly", move_off_holidays=True) == []


def test_saturday_moves_to_monday() -> None:
    # 2024-12-04 + 1 month = Saturday 2025-01-04 → Monday 2025-01-06.
    assert date(2025, 1, 4).weekday() == 5
    assert due_dates(date(2024, 12, 4), 1, "monthly", move_off_holidays=True) == [date(2025, 1, 6)]
    assert due_dates(date(2024, 12, 4), 1, "monthly") == [date(2025, 1, 4)]


def test_sunday_moves_to_monday() -> None:
    # Sunday 2024-09-22 → Monday 2024-09-23.
    assert date(2024, 9, 22).weekday() == 6
    assert due_dates(date(2024, 9, 15), 1, "weekly", move_off_holidays=True) == [date(2024, 9, 23)]


def test_independence_day_moves_to_the_next_day() -> None:
    # Wednesday 2025-10-01 is Nigeria's Independence (National) Day.
    assert date(2025, 10, 1) in public_holidays(2025, 2025)
    assert due_dates(date(2025, 9, 1), 1, "monthly", move_off_holidays=True) == [date(2025, 10, 2)]


def test_christmas_and_boxing_day_then_the_weekend() -> None:
    # Thu 25 Dec 2025 and Fri 26 Dec are holidays, then Sat/Sun: the due date is Mon 29.
    assert due_dates(date(2025, 11, 25), 2, "monthly", move_off_holidays=True) == [
        date(2025, 12, 29),
        date(2026, 1, 26),
    ]


def test_a_move_does_not_shift_the_later_dates() -> None:
    # 31 May 2025 is a Saturday → Mon 2 June; the next date is still the 30th of June
    # and then 31 July, counted from the anchor.
    assert due_dates(date(2025, 3, 31), 4, "monthly", move_off_holidays=True) == [
        date(2025, 4, 30),
        date(2025, 6, 2),
        date(2025, 6, 30),
        date(2025, 7, 31),
    ]


def test_new_years_day_after_a_december_move_is_known() -> None:
    # Sat 31 Dec 2022 → Sun → Mon 2 Jan 2023 (New Year's Day 1 Jan is a Sunday; Nigeria
    # observes it on Monday 2 January) → Tuesday 3 January 2023.
    moved = due_dates(date(2022, 12, 24), 1, "weekly", move_off_holidays=True)
    assert moved == [date(2023, 1, 3)]


@pytest.mark.parametrize(
    ("frequency", "n", "field"),
    [("daily", 3, "frequency"), ("monthly", -1, "n"), ("weekly", True, "n")],
)
def test_malformed_arguments(frequency: str, n: int, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        due_dates(date(2024, 1, 1), n, frequency)
    assert caught.value.message.startswith(f"{field}:")


def test_a_schedule_past_year_9999_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"^start:"):
        due_dates(date(9999, 1, 1), 24, "monthly")
    with pytest.raises(ValidationError, match=r"^start:"):
        due_dates(date(9999, 12, 1), 10, "weekly")


starts = st.dates(date(1990, 1, 1), date(2060, 12, 31))


@given(starts, st.integers(1, 120))
def test_monthly_dates_keep_the_anchor_day_clamped(start: date, n: int) -> None:
    dates = due_dates(start, n, "monthly")
    assert len(dates) == n
    for k, d in enumerate(dates, start=1):
        months = start.year * 12 + start.month - 1 + k
        assert (d.year, d.month) == (months // 12, months % 12 + 1)
        assert d.day == min(start.day, calendar.monthrange(d.year, d.month)[1])


@given(starts, st.integers(1, 200), st.sampled_from([("fortnightly", 14), ("weekly", 7)]))
def test_fixed_steps(start: date, n: int, frequency_step: tuple[str, int]) -> None:
    frequency, step = frequency_step
    dates = due_dates(start, n, frequency)
    assert [(d - start).days for d in dates] == [step * k for k in range(1, n + 1)]


@settings(deadline=None, max_examples=60)
@given(starts, st.integers(1, 60), st.sampled_from(["monthly", "fortnightly", "weekly"]))
def test_moved_dates_are_the_next_business_day(start: date, n: int, frequency: str) -> None:
    nominal = nominal_due_dates(start, n, frequency)
    moved = due_dates(start, n, frequency, move_off_holidays=True)
    hols = public_holidays(start.year, start.year + 6)
    for before, after in zip(nominal, moved, strict=True):
        assert after >= before
        assert after.weekday() < 5 and after not in hols
        # Every day skipped was a weekend or a holiday.
        skipped = (before + timedelta(days=k) for k in range((after - before).days))
        assert all(d.weekday() >= 5 or d in hols for d in skipped)
    assert all(a < b for a, b in itertools.pairwise([start, *moved]))
