"""Which kinds of action the engine knows, and how each is applied.

Each context registers its kinds explicitly with :func:`register`; the built-in
kinds are registered by :mod:`coopctl.approvals.kinds`, imported (never probed)
the first time a kind is looked up. A new context adds its kind there, or calls
``register`` from its own module imported by ``kinds``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coopctl.approvals.models import PendingAction
    from coopctl.approvals.rules import Rule
    from coopctl.core.db import UnitOfWork

Apply = Callable[["UnitOfWork", "PendingAction"], "str | None"]
Hook = Callable[["UnitOfWork", "PendingAction"], None]
RuleOf = Callable[["UnitOfWork", "PendingAction"], "Rule | None"]


@dataclass(frozen=True)
class Kind:
    """One kind of action. ``apply`` performs the approved payload and returns what it
    made (e.g. an entry number); it re-checks the business rules and raises a
    ``BusinessRuleError`` when they no longer hold (the action is then ``failed``).
    ``check`` runs before each approval and may refuse it (nothing is recorded).
    ``rule`` gives the workflow of an action when it is not simply the kind's config
    section at the action's amount (the loan committee's size lives in ``[loans]``).
    ``decided`` runs after each approval decision is recorded (e.g. a committee audit).
    ``end`` tidies the context's own state when the action is rejected, expires or fails."""

    name: str
    permission: str
    apply: Apply
    check: Hook | None = None
    end: Hook | None = None
    maker_may_reject: bool = False
    title: str = ""
    decided: Hook | None = None
    rule: RuleOf | None = None


_KINDS: dict[str, Kind] = {}
_loaded = False


def register(
    kind: str,
    *,
    apply: Apply,
    permission: str,
    check: Hook | None = None,
    end: Hook | None = None,
    maker_may_reject: bool = False,
    title: str = "",
    decided: Hook | None = None,
    rule: RuleOf | None = None,
) -> None:
    """Make ``kind`` known to the engine (a second registration replaces the first)."""
    from coopctl.core.security import all_permissions

    if permission not in all_permissions():
        raise AssertionError(f"undeclared permission {permission!r}")
    _KINDS[kind] = Kind(
        kind, permission, apply, check, end, maker_may_reject, title or kind, decided, rule
    )


def get(kind: str) -> Kind:
    load()
    try:
        return _KINDS[kind]
    except KeyError:
        raise AssertionError(f"approval kind {kind!r} is not registered") from None


def known() -> list[str]:
    load()
    return sorted(_KINDS)


def load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from coopctl.approvals.kinds import register_builtin

        register_builtin()
