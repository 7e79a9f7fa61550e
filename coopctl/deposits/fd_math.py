"""Fixed-deposit interest: the pure arithmetic (no database).

A deposit of principal ``P`` placed on day ``p`` for ``term`` days at ``r`` % a year
on a ``Y``-day year earns simple interest for each day it is held, from the
placement day (counted) to the maturity day ``p + term`` (not counted: the money
leaves that day)::

    interest(days) = round_money(P × r / 100 × days / Y)

so FD90 at 10 % on 100,000.00 earns 100,000 × 0.10 × 90 / 365 = 2,465.7534… → 2,465.75.

Month-end accruals are cumulative: at the end of day ``d`` the deposit has earned
``days_earned(d) = min(d − p + 1, term)`` days, and the accrual posted is
``interest(days_earned(d)) − already accrued``. Each cumulative figure is rounded
once, so whatever the number of month ends the accruals add up to exactly
``interest(term)``, the amount paid at maturity (no kobo drifts).

An early withdrawal on day ``w`` (before maturity) earns ``w − p`` days at the reduced
rate (``[fixed_deposits] early_withdrawal_rate``; 0 = no interest).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction

from coopctl.core.money import ZERO, round_money


def interest(principal: Decimal, rate_percent: Decimal, days_in_year: int, days: int) -> Decimal:
    """Simple interest for ``days`` days, computed exactly and rounded once."""
    if days <= 0 or principal <= 0 or rate_percent <= 0:
        return ZERO
    exact = Fraction(principal) * Fraction(rate_percent) / 100 * days / days_in_year
    with localcontext() as ctx:
        ctx.prec = 60
        return round_money(Decimal(exact.numerator) / Decimal(exact.denominator))


def term_days(placed_on: date, maturity_date: date) -> int:
    return (maturity_date - placed_on).days


def days_earned(placed_on: date, maturity_date: date, as_of: date) -> int:
    """Days of interest earned by the end of ``as_of`` (0 before placement)."""
    if as_of < placed_on:
        return 0
    return min((as_of - placed_on).days + 1, term_days(placed_on, maturity_date))


def accrual_due(
    principal: Decimal,
    rate_percent: Decimal,
    days_in_year: int,
    placed_on: date,
    maturity_date: date,
    as_of: date,
    accrued: Decimal,
) -> Decimal:
    """What to accrue at the end of ``as_of``: cumulative interest to date − ``accrued``
    (never negative: cumulative interest only grows)."""
    days = days_earned(placed_on, maturity_date, as_of)
    due = interest(principal, rate_percent, days_in_year, days) - accrued
    return max(due, ZERO)


def early_interest(
    principal: Decimal, reduced_rate: Decimal, days_in_year: int, placed_on: date, on: date
) -> Decimal:
    """Interest earned by a deposit withdrawn on ``on`` before maturity, at the reduced
    rate for the days it was held (``on`` itself not counted)."""
    return interest(principal, reduced_rate, days_in_year, max((on - placed_on).days, 0))


def withholding(gross: Decimal, wht_percent: Decimal) -> tuple[Decimal, Decimal]:
    """(WHT, net): WHT = round_money(gross × pct / 100), net = gross − WHT."""
    wht = round_money(gross * wht_percent / 100)
    return wht, gross - wht
