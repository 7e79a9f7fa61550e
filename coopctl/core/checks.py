"""Consistency checks as plain functions returning problems (beancount style).

Each check takes a SQLAlchemy session and returns a list of :class:`Problem`.
Contexts add theirs with :func:`check`; ``ledger verify``, ``doctor`` and the
nightly job run the same named list over the whole book.

A period close runs the same list with a :class:`Scope` (docs/ledger.md, "Closing a
period"): a check registered ``at_close="scoped"`` is called with ``scope=`` and proves
only what the close adds to what earlier closes proved (the month's entries, the audit
rows since the last close, control totals from the balance snapshots); one registered
``at_close="skip"`` (a per-account recomputation of all history) is left to the full
verifications; every other check runs whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from coopctl.core.plugins import optional_import


@dataclass(frozen=True)
class Problem:
    check: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "detail": self.detail}


@dataclass(frozen=True)
class Scope:
    """What a period close must prove: the posted entries dated ``start``…``end`` and the
    audit rows after row ``audit_after`` (the previous close's record; None: all)."""

    start: date
    end: date
    audit_after: int | None = None
    # figures several checks read in one close (the GL totals), computed once
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


CheckFn = Callable[..., list[Problem]]
AtClose = Literal["whole", "scoped", "skip"]

# group → ordered list of (name, fn)
REGISTRY: dict[str, list[tuple[str, CheckFn]]] = {}
# check name → how a period close runs it (absent: "whole")
AT_CLOSE: dict[str, AtClose] = {}

CHECK_MODULES = (
    "coopctl.ledger.checks",
    "coopctl.deposits.checks",
    "coopctl.loans.checks",
    "coopctl.members.checks",
    "coopctl.jobs.checks",
)


def check(
    name: str, group: str = "ledger", *, at_close: AtClose = "whole"
) -> Callable[[CheckFn], CheckFn]:
    def deco(fn: CheckFn) -> CheckFn:
        AT_CLOSE[name] = at_close
        entries = REGISTRY.setdefault(group, [])
        if all(n != name for n, _ in entries):
            entries.append((name, fn))
        return fn

    return deco


def load_checks() -> None:
    for name in CHECK_MODULES:
        optional_import(name)


def run(
    session: Any, groups: tuple[str, ...] = ("ledger",), scope: Scope | None = None
) -> list[Problem]:
    """Every check of ``groups`` over the whole book, or as a period close runs them when
    ``scope`` is given."""
    load_checks()
    problems: list[Problem] = []
    for g in groups:
        for name, fn in REGISTRY.get(g, []):
            mode = AT_CLOSE.get(name, "whole") if scope is not None else "whole"
            if mode == "skip":
                continue
            try:
                problems.extend(fn(session, scope=scope) if mode == "scoped" else fn(session))
            except Exception as exc:  # a crashing check is itself a problem to review
                problems.append(Problem(name, f"check could not run: {type(exc).__name__}: {exc}"))
    return problems
