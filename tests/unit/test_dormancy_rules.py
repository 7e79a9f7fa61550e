"""Dormancy arithmetic, worked by hand."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from coopctl.deposits import dormancy_rules as r


def test_twelve_idle_months_from_a_given_day() -> None:
    # Last deposit 2025-11-20: still active on 2026-11-19, dormant from 2026-11-20.
    assert r.dormant_from(date(2025, 11, 20), 12) == date(2026, 11, 20)
    assert not r.is_due(date(2025, 11, 20), 12, date(2026, 11, 19))
    assert r.is_due(date(2025, 11, 20), 12, date(2026, 11, 20))


def test_month_ends_clamp() -> None:
    assert r.add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert r.add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)  # leap year
    assert r.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert r.add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_zero_months_means_never() -> None:
    assert r.dormant_from(date(2020, 1, 1), 0) is None
    assert not r.is_due(date(2000, 1, 1), 0, date(2026, 1, 1))


def test_idle_time_counts_from_the_latest_of_opening_activity_and_reactivation() -> None:
    opened, activity, reactivated = date(2024, 1, 5), date(2024, 6, 1), date(2025, 3, 3)
    assert r.idle_since(opened, None, None) == opened
    assert r.idle_since(opened, activity, None) == activity
    assert r.idle_since(opened, activity, reactivated) == reactivated


def test_unclaimed_after_whole_years_of_dormancy() -> None:
    since = date(2020, 2, 29)
    assert r.unclaimed_from(since, 6) == date(2026, 2, 28)
    assert not r.is_unclaimed(since, 6, date(2026, 2, 27))
    assert r.is_unclaimed(since, 6, date(2026, 2, 28))


def test_product_value_wins_over_the_setting() -> None:
    assert r.effective_months(None, 12) == 12
    assert r.effective_months(24, 12) == 24
    assert r.effective_months(0, 12) == 0
    assert r.earns_when_dormant(None, "none") is False
    assert r.earns_when_dormant("earn", "none") is True
    assert r.earns_when_dormant("none", "earn") is False
    assert r.earns_when_dormant(None, "earn") is True


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    st.integers(min_value=1, max_value=240),
)
def test_the_day_before_is_never_due_and_the_day_is(start: date, months: int) -> None:
    due = r.dormant_from(start, months)
    assert due is not None and due > start
    assert r.is_due(start, months, due)
    assert not r.is_due(start, months, due - timedelta(days=1))
    # never more than one month's length off from months × 30.44 days
    assert abs((due - start).days - months * 30.436875) <= 3
