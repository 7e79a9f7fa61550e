"""Business time. Timestamps are UTC; business dates are local to the cooperative.

``COOPCTL_TODAY=YYYY-MM-DD`` pins the business date (drills, tests, catch-up runs).
Domain code takes the date it runs for; only the edges call :func:`today`.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from coopctl.core.errors import ValidationError

DEFAULT_TZ = "Africa/Lagos"


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return datetime.now(UTC)


def parse_date(text: str, *, field: str = "date") -> date:
    """Parse ``YYYY-MM-DD`` strictly; the error names the field."""
    try:
        if len(text.strip()) != 10:
            raise ValueError
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ValidationError(f"{field}: {text!r} is not a date (YYYY-MM-DD)") from None


def today(tz: str | None = None) -> date:
    """The business date: ``$COOPCTL_TODAY`` if set, else today in the cooperative's zone."""
    pinned = os.environ.get("COOPCTL_TODAY")
    if pinned:
        return parse_date(pinned, field="COOPCTL_TODAY")
    return datetime.now(ZoneInfo(tz or DEFAULT_TZ)).date()


def parse_month(text: str, *, field: str = "month") -> tuple[int, int]:
    """Parse ``YYYY-MM`` into (year, month)."""
    try:
        y, m = text.strip().split("-")
        if len(y) != 4 or len(m) != 2:
            raise ValueError
        year, month = int(y), int(m)
        if not 1 <= month <= 12:
            raise ValueError
        return year, month
    except (ValueError, AttributeError):
        raise ValidationError(f"{field}: {text!r} is not a month (YYYY-MM)") from None
