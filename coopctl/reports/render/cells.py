"""How one cell value is written, for machines (``plain``) and for people (``human``).

Shared by every renderer so that a balance looks the same in the terminal, the
PDF and the CSV. Amounts are ``Decimal`` throughout; a money cell given as a
string (``"12,500.50"``) is parsed exactly, never through ``float``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from coopctl.core.money import fmt, fmt_human

NUMERIC_KINDS = frozenset({"money", "int", "percent"})


def as_decimal(value: Any) -> Decimal | None:
    """A money/percent cell value as a ``Decimal`` (``None`` when it is not a number)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if not text:
            return None
        try:
            d = Decimal(text)
        except InvalidOperation:
            return None
        return d if d.is_finite() else None
    return None


def iso_utc(value: datetime) -> str:
    """A timestamp as ISO 8601 in UTC (naive values are taken to be UTC): ``...T10:00:00Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def human_timestamp(value: datetime) -> str:
    """A timestamp for a footer: ``2026-10-31 14:05 UTC``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def plain(value: Any, kind: str) -> str:
    """Machine form (CSV): amounts ``12500.50``, dates ``YYYY-MM-DD``, empty for ``None``."""
    if value is None:
        return ""
    if kind in ("money", "percent"):
        d = as_decimal(value)
        return fmt(d) if d is not None else str(value)
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def human(value: Any, kind: str) -> str:
    """People form (terminal, PDF): ``12,500.50``, ``12.50%``, ``1,204``, ``2026-10-31``."""
    if value is None:
        return ""
    if kind == "money":
        d = as_decimal(value)
        return fmt_human(d) if d is not None else str(value)
    if kind == "percent":
        d = as_decimal(value)
        return f"{fmt_human(d)}%" if d is not None else str(value)
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return fmt_human(value)
    if isinstance(value, datetime):
        return human_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def is_right_aligned(kind: str) -> bool:
    """Numbers line up on the right."""
    return kind in NUMERIC_KINDS
