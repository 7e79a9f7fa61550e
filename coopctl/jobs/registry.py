"""The step registry: every step a job of the catalogue may name.

A step is a function of a :class:`~coopctl.jobs.runner.StepRun` (business date,
units of work, counters, dead letters). Registering one from another context is
one line in that context's ``jobs.py``::

    # coopctl/backup/jobs.py
    from coopctl.jobs.registry import register

    register("backup.create", create_step, "Create an encrypted, verified backup")

where ``create_step(uow, business_date)`` returns the number of items it posted or
made (or a ``Counts``); the runner gives it one unit of work and commits it. A step
that wants one transaction per item takes the :class:`StepRun` instead
(``itemised=True``) and calls ``run.each(items, fn)``. The registry imports the
``jobs`` module of every context listed in :data:`STEP_MODULES` (missing ones are
skipped), so a new context only adds its module name there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from coopctl.core.errors import NotFoundError

# Contexts whose ``jobs`` module registers steps (imported on first use; a missing
# module is skipped, so a context that is not installed simply has no steps).
STEP_MODULES: list[str] = [
    "coopctl.jobs.steps",
    "coopctl.notify.steps",
    "coopctl.backup.jobs",
    "coopctl.deposits.jobs",
    "coopctl.payments.jobs",
    "coopctl.standing_orders.jobs",
    "coopctl.approvals.jobs",
    "coopctl.deposits.dormancy_jobs",
    "coopctl.members.jobs",
    "coopctl.dividends.jobs",
]


@dataclass(frozen=True)
class Step:
    name: str
    fn: Callable[..., Any]
    description: str
    itemised: bool = False  # fn(run) manages its own transactions
    month_end_only: bool = False  # runs only when the business date is a month's last day


_STEPS: dict[str, Step] = {}
_loaded = False


def register(
    name: str,
    fn: Callable[..., Any],
    description: str = "",
    *,
    itemised: bool = False,
    month_end_only: bool = False,
) -> Step:
    """Add (or replace) the step ``name``; returns it."""
    s = Step(
        name, fn, description or (fn.__doc__ or "").strip().split("\n")[0], itemised, month_end_only
    )
    _STEPS[name] = s
    return s


def step(
    name: str, description: str = "", *, itemised: bool = False, month_end_only: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator form of :func:`register`."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        register(name, fn, description, itemised=itemised, month_end_only=month_end_only)
        return fn

    return deco


def load() -> dict[str, Step]:
    """Every registered step (importing the contexts' step modules once)."""
    global _loaded
    if not _loaded:
        from coopctl.core.plugins import optional_import

        for mod in STEP_MODULES:
            optional_import(mod)
        _loaded = True
    return _STEPS


def get(name: str) -> Step:
    steps = load()
    if name not in steps:
        raise NotFoundError(f"step {name!r} not found; known: {', '.join(sorted(steps))}")
    return steps[name]
