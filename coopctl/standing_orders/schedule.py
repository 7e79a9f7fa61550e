"""When a standing order falls due (pure: dates only, no database).

- ``monthly`` on day N (1..31): the N-th of each month, or the month's last day when
  the month is shorter (day 31 pays on 30 April and on 28 or 29 February);
- ``weekly`` on day N (1 = Monday .. 7 = Sunday).

A due date counts only from the order's start (and from its last resumption) up to
its end, both inclusive.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from coopctl.core.errors import ValidationError

FREQUENCIES = ("monthly", "weekly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def default_day(frequency: str, start: date) -> int:
    """The day an order falls due when ``--day`` is not given: the start's day."""
    return start.day if frequency == "monthly" else start.isoweekday()


def check_day(frequency: str, day: int) -> int:
    """``day`` must fit ``frequency`` (exit 2 naming ``--day``)."""
    if frequency not in FREQUENCIES:
        raise ValidationError(f"--every: {frequency!r} is not one of {', '.join(FREQUENCIES)}")
    top = 31 if frequency == "monthly" else 7
    if not 1 <= day <= top:
        what = "a day of the month (1-31)" if top == 31 else "a day of the week (1=Monday-7)"
        raise ValidationError(f"--day: {day} is not {what}")
    return day


def monthly_due(year: int, month: int, day: int) -> date:
    """Day ``day`` of the month, or its last day when the month is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def due_dates(
    frequency: str,
    day: int,
    start: date,
    end: date | None,
    window_from: date,
    window_to: date,
) -> list[date]:
    """Due dates in ``window_from .. window_to`` (inclusive) within start..end, oldest first."""
    lo = max(window_from, start)
    hi = window_to if end is None else min(window_to, end)
    if lo > hi:
        return []
    out: list[date] = []
    if frequency == "weekly":
        d = lo + timedelta(days=(day - lo.isoweekday()) % 7)
        while d <= hi:
            out.append(d)
            d += timedelta(days=7)
        return out
    y, m = lo.year, lo.month
    while date(y, m, 1) <= hi:
        d = monthly_due(y, m, day)
        if lo <= d <= hi:
            out.append(d)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def next_due(frequency: str, day: int, start: date, end: date | None, after: date) -> date | None:
    """The first due date on or after ``after`` (None when the order has ended by then)."""
    found = due_dates(frequency, day, start, end, after, after + timedelta(days=62))
    return found[0] if found else None


def describe(frequency: str, day: int) -> str:
    """``monthly on day 25`` / ``weekly on Friday``."""
    if frequency == "weekly":
        return f"weekly on {WEEKDAYS[day - 1]}"
    return f"monthly on day {day}"
