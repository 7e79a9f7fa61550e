"""Consistency checks as plain functions returning problems (beancount style).

Each check takes a SQLAlchemy session and returns a list of :class:`Problem`.
Contexts add theirs with :func:`check`; ``ledger verify``, ``doctor`` and the
nightly job run the same named list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from coopctl.core.plugins import optional_import


@dataclass(frozen=True)
class Problem:
    check: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "detail": self.detail}


CheckFn = Callable[[Any], list[Problem]]

# group → ordered list of (name, fn)
REGISTRY: dict[str, list[tuple[str, CheckFn]]] = {}

CHECK_MODULES = (
    "coopctl.ledger.checks",
    "coopctl.deposits.checks",
    "coopctl.loans.checks",
    "coopctl.members.checks",
    "coopctl.jobs.checks",
)


def check(name: str, group: str = "ledger") -> Callable[[CheckFn], CheckFn]:
    def deco(fn: CheckFn) -> CheckFn:
        entries = REGISTRY.setdefault(group, [])
        if all(n != name for n, _ in entries):
            entries.append((name, fn))
        return fn

    return deco


def load_checks() -> None:
    for name in CHECK_MODULES:
        optional_import(name)


def run(session: Any, groups: tuple[str, ...] = ("ledger",)) -> list[Problem]:
    load_checks()
    problems: list[Problem] = []
    for g in groups:
        for name, fn in REGISTRY.get(g, []):
            try:
                problems.extend(fn(session))
            except Exception as exc:  # a crashing check is itself a problem to review
                problems.append(Problem(name, f"check could not run: {type(exc).__name__}: {exc}"))
    return problems
