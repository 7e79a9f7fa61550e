"""Exact money. Decimal in Python, integer kobo (minor units) in storage.

Amounts are made only by :func:`parse` (operator/file input) and :func:`D`
(literals and trusted values), and rounded only by :func:`round_money`.
Splits go through :func:`allocate`, which guarantees the parts sum to the whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from coopctl.core.errors import MoneyFormatError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_rounding = ROUND_HALF_EVEN

# 12500 | 12,500 | 12,500.50 | 12500.5 | -12.00 ; thousands groups must be exact.
_AMOUNT_RE = re.compile(
    r"^(?P<sign>[-+]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?$",
    re.ASCII,  # ASCII digits only: "１２" or "٣" are not amounts
)


def set_rounding(mode: str) -> None:
    """Set the rounding mode used by :func:`round_money` (a ``decimal`` ROUND_* name)."""
    global _rounding
    import decimal

    if not mode.startswith("ROUND_") or not hasattr(decimal, mode):
        raise MoneyFormatError(f"unknown rounding mode {mode!r}")
    _rounding = getattr(decimal, mode)


def rounding_mode() -> str:
    """The rounding mode :func:`round_money` uses (a ``decimal`` ROUND_* name).

    Bulk (integer-kobo) computations read it to round exactly as the scalar code does.
    """
    return str(_rounding)


def D(value: str | int | Decimal) -> Decimal:
    """A Decimal from a trusted literal or value. Floats are refused outright."""
    if isinstance(value, float):  # pragma: no cover - defensive
        raise TypeError("money is never a float")
    if isinstance(value, bool):
        raise TypeError("money is never a bool")
    return Decimal(value)


def parse(
    text: str | int | Decimal,
    *,
    field: str = "amount",
    allow_negative: bool = False,
    allow_zero: bool = False,
    capped: bool = True,
) -> Decimal:
    """Parse operator or file input into an exact amount with at most 2 decimals.

    Accepts ``12500``, ``12,500.50``. Refuses more than two decimals, NaN,
    infinities, exponents, malformed thousands groups, and (unless allowed)
    negatives and zero, and (unless ``capped=False``) amounts above ``[money]
    max_amount`` (:mod:`coopctl.core.limits`). The error names ``field``.
    """
    if isinstance(text, float | bool):
        raise MoneyFormatError(f"{field}: money is never a float")
    if isinstance(text, Decimal):
        if not text.is_finite():
            raise MoneyFormatError(f"{field}: {text} is not an amount")
        s = format(text, "f")
    else:
        s = str(text).strip()
    m = _AMOUNT_RE.match(s)
    if not m:
        raise MoneyFormatError(f"{field}: {s!r} is not an amount (e.g. 12500 or 12,500.50)")
    frac = m.group("frac") or ""
    if len(frac.rstrip("0")) > 2:
        raise MoneyFormatError(f"{field}: {s!r} has more than two decimals")
    value = Decimal(m.group("int").replace(",", "") + ("." + frac if frac else ""))
    if m.group("sign") == "-":
        value = -value
    value = value.quantize(CENT)
    if value < 0 and not allow_negative:
        raise MoneyFormatError(f"{field}: {s!r} must not be negative")
    if value == 0 and not allow_zero:
        raise MoneyFormatError(f"{field}: must be more than zero")
    from coopctl.core.limits import current

    cap = current().max_amount
    if capped and abs(value) > cap:
        raise MoneyFormatError(
            f"{field}: {fmt_human(value)} is above the largest amount accepted "
            f"({fmt_human(cap)}; [money] max_amount)"
        )
    return value


def round_money(value: Decimal) -> Decimal:
    """Round to the kobo with the configured rounding mode (default half-even)."""
    with localcontext() as ctx:
        ctx.prec = 38
        return value.quantize(CENT, rounding=_rounding)


def is_exact(value: Decimal) -> bool:
    """True if ``value`` has no sub-kobo part."""
    return value == value.quantize(CENT)


def to_minor(value: Decimal) -> int:
    """Decimal → integer kobo. Refuses sub-kobo values instead of rounding silently."""
    if not isinstance(value, Decimal):
        raise TypeError(f"expected Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise MoneyFormatError(f"{value} is not an amount")
    q = value.quantize(CENT)
    if q != value:
        raise MoneyFormatError(f"{value} has a fraction of a kobo")
    return int(q * 100)


def from_minor(kobo: int) -> Decimal:
    """Integer kobo → Decimal with two places."""
    return (Decimal(int(kobo)) / 100).quantize(CENT)


#: The largest kobo value a BIGINT column (an amount, an entry's total, a balance) holds.
LARGEST_KOBO = 2**63 - 1
#: The same in naira (92,233,720,368,547,758.07): ``[money] max_amount`` may not exceed
#: it, nor may an entry's total. Totals over many rows are not bounded by it: they are
#: summed exactly (:mod:`coopctl.core.sums`).
LARGEST_AMOUNT = from_minor(LARGEST_KOBO)


def fmt(value: Decimal) -> str:
    """Two-decimal plain string, as JSON and CSV carry amounts: ``"12500.50"``."""
    return format(value.quantize(CENT), "f")


def fmt_human(value: Decimal) -> str:
    """Thousands-separated for tables: ``12,500.50``."""
    return f"{value.quantize(CENT):,.2f}"


def allocate(total: Decimal, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights``; the parts sum exactly to ``total``.

    Largest-remainder method on kobo: each part is floored, then the leftover kobo
    go one by one to the parts with the largest remainders (ties: earliest first).
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    ws = [Decimal(w) for w in weights]
    if any(w < 0 for w in ws):
        raise ValueError("weights must not be negative")
    wsum = sum(ws, Decimal(0))
    minor = to_minor(total)
    sign = -1 if minor < 0 else 1
    minor = abs(minor)
    if wsum == 0:
        ws = [Decimal(1)] * len(ws)
        wsum = Decimal(len(ws))
    exact = [Decimal(minor) * w / wsum for w in ws]
    floors = [int(e) for e in exact]
    left = minor - sum(floors)
    order = sorted(range(len(ws)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    parts = [from_minor(sign * f) for f in floors]
    assert sum(parts, ZERO) == total.quantize(CENT), "allocation must sum to the whole"
    return parts
