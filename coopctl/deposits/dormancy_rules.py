"""Dormancy arithmetic (pure: no database): when an idle account turns dormant, when a
dormant balance counts as unclaimed, and which setting applies to a product.

An account turns dormant on the day ``months`` calendar months after the last day it
had member-initiated activity (or was opened, or reactivated): idle from 2025-11-28,
12 months → dormant from 2026-11-28. A month-end date clamps (from 2025-08-31, six
months → 2026-02-28). A dormant balance is unclaimed from ``years`` years after the
day the account turned dormant.
"""

from __future__ import annotations

import calendar
from datetime import date

INTEREST_CHOICES = ("earn", "none")


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months, the day clamped to the month's length."""
    total = d.year * 12 + (d.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def dormant_from(idle_since: date, months: int) -> date | None:
    """The first day an account idle since ``idle_since`` is dormant (None: never)."""
    return add_months(idle_since, months) if months > 0 else None


def is_due(idle_since: date, months: int, on: date) -> bool:
    """Whether an account idle since ``idle_since`` is dormant on ``on``."""
    start = dormant_from(idle_since, months)
    return start is not None and on >= start


def unclaimed_from(dormant_since: date, years: int) -> date:
    return add_months(dormant_since, 12 * years)


def is_unclaimed(dormant_since: date, years: int, on: date) -> bool:
    """Whether a balance dormant since ``dormant_since`` counts as unclaimed on ``on``."""
    return on >= unclaimed_from(dormant_since, years)


def idle_since(opened_on: date, last_activity: date | None, reactivated_on: date | None) -> date:
    """The day the idle time counts from: the latest of opening, the member's last own
    activity and the last reactivation."""
    return max(d for d in (opened_on, last_activity, reactivated_on) if d is not None)


def effective_months(product_value: int | None, default: int) -> int:
    """The product's own ``dormant_after_months`` when set, else the ``[deposits]`` one."""
    return default if product_value is None else product_value


def earns_when_dormant(product_value: str | None, default: str) -> bool:
    """Whether a dormant account of the product earns interest (``earn`` or ``none``)."""
    return (product_value or default) == "earn"
