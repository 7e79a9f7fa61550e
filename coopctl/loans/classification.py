"""Loan classification by days past due, and the provision rate of each class (pure).

The table comes from config::

    [loans]
    classification_days = [0, 30, 60, 90]          # upper day bounds of the first four classes
    provision_percent = ["1", "5", "20", "50", "100"]  # one percent per class

which is, by default, the CBN table for microfinance institutions:

=================  ===========  ===========
class              days         provision
=================  ===========  ===========
performing         0            1 %
pass_and_watch     1 – 30       5 %
substandard        31 – 60      20 %
doubtful           61 – 90      50 %
lost               91 and more  100 %
=================  ===========  ===========

A loan is in the first class whose upper bound is at least its days past due; the
last class (``lost``) has no upper bound. No database, no Polars: the bulk path
reads the same :class:`ClassTable`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from coopctl.core.errors import ConfigError

CLASS_NAMES: tuple[str, ...] = ("performing", "pass_and_watch", "substandard", "doubtful", "lost")
DEFAULT_DAYS: tuple[int, ...] = (0, 30, 60, 90)
DEFAULT_PERCENTS: tuple[str, ...] = ("1", "5", "20", "50", "100")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LoanClass:
    """One class: its day range (``max_days`` is ``None`` for the last) and provision %."""

    index: int
    name: str
    min_days: int
    max_days: int | None
    provision_percent: Decimal  # Decimal("5") means 5 %

    @property
    def provision_rate(self) -> Decimal:
        """The provision as a fraction (``Decimal("0.05")`` for 5 %), exact."""
        return self.provision_percent / HUNDRED


@dataclass(frozen=True)
class ClassTable:
    """The classification table: five classes in order of increasing risk."""

    classes: tuple[LoanClass, ...]

    @property
    def bounds(self) -> tuple[int, ...]:
        """Upper day bounds of every class but the last."""
        return tuple(c.max_days for c in self.classes if c.max_days is not None)

    def classify(self, days_past_due: int) -> LoanClass:
        """The class of a loan ``days_past_due`` days late (0 = current)."""
        if days_past_due < 0:
            raise ValueError("days past due is never negative")
        for c in self.classes:
            if c.max_days is None or days_past_due <= c.max_days:
                return c
        raise AssertionError("the last class has no upper bound")  # pragma: no cover

    def by_name(self, name: str) -> LoanClass:
        for c in self.classes:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.classes)


def build_table(days: Sequence[int], percents: Sequence[str | int | Decimal]) -> ClassTable:
    """A validated table from the two config lists (errors name the config key).

    Rules: exactly four day bounds, whole numbers ≥ 0, strictly increasing; exactly
    five percents, each 0–100 with at most four decimals, never decreasing from one
    class to the next (a riskier class never needs less provision).
    """
    key_d, key_p = "loans.classification_days", "loans.provision_percent"
    n = len(CLASS_NAMES)
    if len(days) != n - 1:
        raise ConfigError(f"{key_d}: needs {n - 1} upper bounds (one per class but the last)")
    bounds: list[int] = []
    for d in days:
        if isinstance(d, bool) or not isinstance(d, int) or d < 0:
            raise ConfigError(f"{key_d}: {d!r} is not a whole number of days ≥ 0")
        if bounds and d <= bounds[-1]:
            raise ConfigError(f"{key_d}: bounds must increase strictly, got {list(days)}")
        bounds.append(d)
    if len(percents) != n:
        raise ConfigError(f"{key_p}: needs {n} percents, one per class")
    pcts: list[Decimal] = []
    for p in percents:
        pct = _percent(p, key_p)
        if pcts and pct < pcts[-1]:
            got = [str(x) for x in percents]
            raise ConfigError(f"{key_p}: percents must not decrease, got {got}")
        pcts.append(pct)
    classes = []
    lower = 0
    for i, name in enumerate(CLASS_NAMES):
        upper = bounds[i] if i < len(bounds) else None
        classes.append(LoanClass(i, name, lower, upper, pcts[i]))
        if upper is not None:
            lower = upper + 1
    return ClassTable(tuple(classes))


def _percent(value: Any, key: str) -> Decimal:
    if isinstance(value, bool | float):
        raise ConfigError(f'{key}: {value!r} is not a percent (write it as a string, e.g. "5")')
    try:
        pct = Decimal(str(value).strip())
    except InvalidOperation:
        raise ConfigError(f"{key}: {value!r} is not a percent") from None
    if not pct.is_finite() or pct < 0 or pct > HUNDRED:
        raise ConfigError(f"{key}: {value!r} must be between 0 and 100")
    exponent = pct.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -4:
        raise ConfigError(f"{key}: {value!r} has more than four decimals")
    return pct


def default_table() -> ClassTable:
    """The CBN microfinance table (0/30/60/90 days; 1/5/20/50/100 %)."""
    return build_table(DEFAULT_DAYS, DEFAULT_PERCENTS)


def table_from_settings(settings: Any) -> ClassTable:
    """The table configured in ``[loans]`` (``None`` settings → the CBN default)."""
    if settings is None:
        return default_table()
    loans: Mapping[str, Any] = settings["loans"]
    return build_table(list(loans["classification_days"]), list(loans["provision_percent"]))
