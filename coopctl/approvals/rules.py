"""Workflow definitions (pure): amount bands → levels → roles allowed per level.

A kind's config section ``[approvals.<kind>]`` gives a first band (``threshold``,
``levels``, ``approver_roles``) and optional further bands written
``"FROM: ROLES > ROLES"`` — from that amount up, one level per ``>``, the roles
of a level joined by ``|``. The band with the highest ``FROM`` not above the
amount applies; below every band no checker is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from coopctl.core import money
from coopctl.core.errors import ConfigError, MoneyFormatError

ROLES = ("admin", "manager", "accountant", "teller", "loan_officer", "auditor", "system")
MAX_LEVELS = 9


@dataclass(frozen=True)
class Band:
    start: Decimal
    levels: tuple[tuple[str, ...], ...]  # roles allowed at level 1, 2, …


@dataclass(frozen=True)
class Rule:
    """What one action needs: the roles of each level, OTP, the last day to approve."""

    levels: tuple[tuple[str, ...], ...]
    otp: bool
    expire_days: int

    def expires(self, created: date) -> date | None:
        return created + timedelta(days=self.expire_days) if self.expire_days > 0 else None

    def to_json(self) -> dict[str, Any]:
        return {"levels": [list(r) for r in self.levels], "otp": self.otp}


def _roles(text: str, where: str) -> tuple[str, ...]:
    roles = tuple(r.strip() for r in text.split("|") if r.strip())
    if not roles:
        raise ConfigError(f"{where}: a level names no role")
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise ConfigError(f"{where}: unknown role {', '.join(bad)} (known: {', '.join(ROLES)})")
    return roles


def parse_band(text: str, where: str) -> Band:
    """``"10000000.00: manager|admin > admin"`` → levels ((manager, admin), (admin,))."""
    if ":" not in text:
        raise ConfigError(f'{where}: {text!r} is not "FROM: ROLES > ROLES"')
    start_s, levels_s = text.split(":", 1)
    try:
        start = money.parse(start_s.strip(), field=where, allow_zero=True)
    except MoneyFormatError as exc:
        raise ConfigError(f"{where}: {exc.message}") from None
    levels = tuple(_roles(part, where) for part in levels_s.split(">"))
    if len(levels) > MAX_LEVELS:
        raise ConfigError(f"{where}: at most {MAX_LEVELS} levels")
    return Band(start, levels)


def bands_of(kind: str, policy: dict[str, Any]) -> list[Band]:
    """Every band of a kind's section, lowest first (empty when the kind is disabled)."""
    if not policy["enabled"]:
        return []
    where = f"approvals.{kind}"
    n = int(policy["levels"])
    if not 1 <= n <= MAX_LEVELS:
        raise ConfigError(f"{where}.levels: must be 1-{MAX_LEVELS}, got {n}")
    first = _roles("|".join(policy["approver_roles"]), f"{where}.approver_roles")
    bands = [Band(policy["threshold"], (first,) * n)]
    bands += [parse_band(b, f"{where}.bands") for b in policy["bands"]]
    return sorted(bands, key=lambda b: b.start)


def route(kind: str, policy: dict[str, Any], amount: Decimal | None) -> Rule | None:
    """The rule for ``amount`` (None: not an amount-bearing action → the first band);
    None when no checker is needed."""
    bands = bands_of(kind, policy)
    if not bands:
        return None
    if amount is None:
        band: Band | None = bands[0]
    else:
        band = None
        for b in bands:
            if amount >= b.start:
                band = b
    if band is None:
        return None
    return Rule(band.levels, bool(policy["require_otp"]), int(policy["expire_days"]))
