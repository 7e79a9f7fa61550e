"""Human identifiers with a check digit (Damm algorithm).

Damm catches every single-digit error and every adjacent transposition, so a
mistyped member or account number is refused instead of silently finding
somebody else's account.
"""

from __future__ import annotations

from coopctl.core.errors import CheckDigitError, ValidationError

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def damm(digits: str) -> int:
    """The Damm check digit of a digit string."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return interim


def make(prefix: str, seq: int, width: int = 7) -> str:
    """``make("M", 42)`` → ``M00000428`` (prefix, zero-padded sequence, check digit)."""
    body = f"{seq:0{width}d}"
    return f"{prefix}{body}{damm(body)}"


def check(number: str, prefix: str, *, field: str = "number") -> str:
    """Normalise and validate a human number; raises on a bad form or check digit."""
    n = number.strip().upper()
    if not n.startswith(prefix) or not n[len(prefix) :].isdigit() or len(n) < len(prefix) + 2:
        raise ValidationError(f"{field}: {number!r} is not a {prefix}-number")
    if damm(n[len(prefix) :]) != 0:
        raise CheckDigitError(f"{field}: {number!r} has an invalid check digit")
    return n
