"""Savings interest: the scalar reference (plain Python, exact, no database).

One account, one calendar month: the daily closing balances are the opening
balance (everything posted before the month) plus each day's movements; a
negative balance counts as zero. With ``r = annual_rate / 100`` and ``Y`` the
product's days in the year:

- ``daily_balance``: Σ balance × r / Y over the days whose balance is at least
  the minimum to earn interest;
- ``average_daily_balance``: average balance × r × days_in_month / Y, zero if the
  average is below the minimum;
- ``minimum_monthly_balance``: lowest balance × r × days_in_month / Y, zero if the
  lowest balance is below the minimum (decision: the product's minimum to earn
  applies to every method).

Everything is exact (``Fraction``) and rounded once per account per month with
:func:`coopctl.core.money.round_money`. The bulk twin
(:mod:`coopctl.deposits.interest_bulk`) must agree with this module to the kobo.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal, localcontext
from fractions import Fraction

from coopctl.core.errors import BusinessRuleError
from coopctl.core.money import ZERO, round_money

METHODS = ("daily_balance", "average_daily_balance", "minimum_monthly_balance")
CLOSING_MONTHS = {"monthly": range(1, 13), "quarterly": (3, 6, 9, 12), "annually": (12,)}


class InterestMonthNotEndedError(BusinessRuleError):
    """Interest for a month is computed and posted only once the month has ended
    (the business date is after its last day)."""


def month_days(year: int, month: int) -> list[date]:
    """Every day of the calendar month."""
    n = calendar.monthrange(year, month)[1]
    first = date(year, month, 1)
    return [first + timedelta(days=i) for i in range(n)]


def last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def window_months(frequency: str, year: int, month: int) -> list[tuple[int, int]]:
    """The months whose interest is posted at the end of (year, month); empty if the
    product does not post in that month (quarterly: Mar/Jun/Sep/Dec; annually: Dec)."""
    if month not in CLOSING_MONTHS[frequency]:
        return []
    span = {"monthly": 1, "quarterly": 3, "annually": 12}[frequency]
    return [(year, m) for m in range(month - span + 1, month + 1)]


def daily_balances(
    opening: Decimal, movements: Iterable[tuple[date, Decimal]], year: int, month: int
) -> list[Decimal]:
    """Closing balance of each day of the month (movements outside it are ignored,
    so ``opening`` must include everything before the month)."""
    by_day: dict[date, Decimal] = {}
    for day, amount in movements:
        by_day[day] = by_day.get(day, ZERO) + amount
    out = []
    bal = opening
    for day in month_days(year, month):
        bal += by_day.get(day, ZERO)
        out.append(bal)
    return out


def _round(value: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60  # far beyond any tie a rational of this size could fake
        return round_money(Decimal(value.numerator) / Decimal(value.denominator))


def month_interest(
    opening: Decimal,
    movements: Iterable[tuple[date, Decimal]],
    year: int,
    month: int,
    *,
    annual_rate: Decimal,
    method: str,
    days_in_year: int,
    min_balance: Decimal = ZERO,
) -> Decimal:
    """Gross interest of one account for one calendar month, rounded once."""
    if method not in METHODS:
        raise ValueError(f"unknown interest method {method!r}")
    bals = [max(b, ZERO) for b in daily_balances(opening, movements, year, month)]
    n = len(bals)
    daily_rate = Fraction(annual_rate) / 100 / days_in_year
    minimum = Fraction(min_balance)
    if method == "daily_balance":
        base = sum((Fraction(b) for b in bals if b >= min_balance), Fraction(0))
    elif method == "average_daily_balance":
        average = sum((Fraction(b) for b in bals), Fraction(0)) / n
        base = average * n if average >= minimum else Fraction(0)
    else:
        lowest = Fraction(min(bals))
        base = lowest * n if lowest >= minimum else Fraction(0)
    return _round(base * daily_rate)


def withholding(gross: Decimal, wht_percent: Decimal) -> tuple[Decimal, Decimal]:
    """(WHT, net) of a gross interest amount: WHT = round_money(gross × pct / 100)."""
    wht = round_money(gross * wht_percent / 100)
    return wht, gross - wht
