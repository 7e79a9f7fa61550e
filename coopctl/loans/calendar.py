"""Due dates for loan repayment schedules (pure: no database, no clock).

Rules:

* ``monthly``: the k-th due date is the anchor (disbursement) date plus k months,
  always counted from the anchor, never from the previous due date, and clamped to
  the length of the target month. A loan disbursed on 31 January is due on 28/29
  February, 31 March, 30 April, 31 May…; the short month does not drag the later
  dates back to the 28th.
* ``fortnightly``: anchor + 14·k days. ``weekly``: anchor + 7·k days.
* ``move_off_holidays``: a due date on a Saturday, a Sunday or a Nigerian public
  holiday (from the ``holidays`` package) moves forward to the next business day.
  Only that date moves; the following dates are still computed from the anchor.
"""

from __future__ import annotations

import calendar
from collections.abc import Container
from datetime import date, timedelta

from coopctl.core.errors import ValidationError

#: Repayment frequency → number of periods per year.
FREQUENCIES: dict[str, int] = {"monthly": 12, "fortnightly": 26, "weekly": 52}

_STEP_DAYS: dict[str, int] = {"fortnightly": 14, "weekly": 7}

#: The country whose public holidays move due dates (``holidays`` country code).
HOLIDAY_COUNTRY = "NG"


def periods_per_year(frequency: str) -> int:
    """Periods per year for a repayment frequency: monthly 12, fortnightly 26, weekly 52."""
    try:
        return FREQUENCIES[frequency]
    except (KeyError, TypeError):
        known = ", ".join(FREQUENCIES)
        raise ValidationError(
            f"frequency: unknown {frequency!r} (expected one of {known})"
        ) from None


def add_months(anchor: date, months: int) -> date:
    """``anchor`` plus ``months`` calendar months, the day clamped to the month's length."""
    index = anchor.month - 1 + months
    year = anchor.year + index // 12
    month = index % 12 + 1
    if not 1 <= year <= 9999:
        raise ValidationError(f"start: the schedule would run outside the calendar ({year})")
    day = min(anchor.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def nominal_due_dates(start: date, n: int, frequency: str) -> list[date]:
    """The ``n`` contractual due dates stepping from ``start``, before any holiday move."""
    periods_per_year(frequency)  # validates the frequency
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValidationError(f"n: must be a whole number of installments, not {n!r}")
    if frequency == "monthly":
        return [add_months(start, k) for k in range(1, n + 1)]
    step = _STEP_DAYS[frequency]
    try:
        return [start + timedelta(days=step * k) for k in range(1, n + 1)]
    except OverflowError:
        raise ValidationError("start: the schedule would run outside the calendar") from None


def is_business_day(day: date, holidays: Container[date]) -> bool:
    """True unless ``day`` is a Saturday, a Sunday or in ``holidays``."""
    return day.weekday() < 5 and day not in holidays


def next_business_day(day: date, holidays: Container[date]) -> date:
    """``day`` itself if it is a business day, otherwise the first business day after it."""
    while not is_business_day(day, holidays):
        day += timedelta(days=1)
    return day


def public_holidays(first_year: int, last_year: int) -> Container[date]:
    """Nigerian public holidays for ``first_year``..``last_year``.

    The ``holidays`` package is imported here, not at module level: it is slowish to
    import and only schedules that move off holidays need it. The returned object
    grows by itself if asked about a later year (a date moved past New Year).
    """
    import holidays

    return holidays.country_holidays(HOLIDAY_COUNTRY, years=range(first_year, last_year + 1))


def due_dates(start: date, n: int, frequency: str, move_off_holidays: bool = False) -> list[date]:
    """The ``n`` due dates of a schedule disbursed on ``start`` (see the module docstring)."""
    dates = nominal_due_dates(start, n, frequency)
    if not move_off_holidays or not dates:
        return dates
    hols = public_holidays(dates[0].year, dates[-1].year + 1)
    return [next_business_day(d, hols) for d in dates]
