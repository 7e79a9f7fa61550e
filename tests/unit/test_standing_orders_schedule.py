"""When a standing order falls due (pure dates)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopctl.core.errors import ValidationError
from coopctl.standing_orders import schedule


def test_monthly_day_31_pays_on_each_months_last_day() -> None:
    got = schedule.due_dates("monthly", 31, date(2027, 1, 1), None, date(2027, 1, 1),
                             date(2027, 5, 31))  # fmt: skip
    assert got == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]
    leap = schedule.due_dates("monthly", 30, date(2028, 2, 1), None, date(2028, 2, 1),
                              date(2028, 2, 29))  # fmt: skip
    assert leap == [date(2028, 2, 29)]


def test_weekly_on_friday_within_start_and_end() -> None:
    # 1 Dec 2026 is a Tuesday; Fridays: 4, 11 (the 18th is after the end).
    got = schedule.due_dates("weekly", 5, date(2026, 12, 1), date(2026, 12, 12),
                             date(2026, 11, 1), date(2026, 12, 31))  # fmt: skip
    assert got == [date(2026, 12, 4), date(2026, 12, 11)]
    assert schedule.describe("weekly", 5) == "weekly on Friday"


def test_window_is_inclusive_and_empty_before_start() -> None:
    d = date(2026, 12, 5)
    assert schedule.due_dates("monthly", 5, d, None, d, d) == [d]
    assert schedule.due_dates("monthly", 5, date(2026, 12, 6), None, d, d) == []
    assert schedule.next_due("monthly", 5, date(2026, 12, 1), None, date(2026, 12, 6)) == date(
        2027, 1, 5
    )
    assert schedule.next_due("monthly", 5, date(2026, 12, 1), date(2026, 12, 31),
                             date(2026, 12, 6)) is None  # fmt: skip


@pytest.mark.parametrize(("every", "day"), [("monthly", 0), ("monthly", 32), ("weekly", 8)])
def test_day_out_of_range_is_a_validation_error(every: str, day: int) -> None:
    with pytest.raises(ValidationError, match="--day"):
        schedule.check_day(every, day)


@given(
    st.sampled_from(["monthly", "weekly"]),
    st.integers(1, 31),
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    st.integers(0, 120),
)
def test_due_dates_match_a_day_by_day_scan(every: str, day: int, start: date, span: int) -> None:
    """The schedule agrees with checking every calendar day one by one."""
    if every == "weekly":
        day = (day - 1) % 7 + 1
    end = start + timedelta(days=span)
    expected = []
    d = start
    while d <= end:
        if every == "weekly":
            hit = d.isoweekday() == day
        else:
            hit = d == schedule.monthly_due(d.year, d.month, day)
        if hit:
            expected.append(d)
        d += timedelta(days=1)
    assert schedule.due_dates(every, day, start, None, start, end) == expected
