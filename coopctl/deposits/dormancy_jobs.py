"""The ``deposits.dormancy`` step of the nightly job (registered on import; listed in
:data:`coopctl.jobs.registry.STEP_MODULES`)."""

from __future__ import annotations

from datetime import date

from coopctl.core.db import UnitOfWork
from coopctl.jobs.registry import register
from coopctl.jobs.runner import Counts


def _dormancy(uow: UnitOfWork, d: date) -> Counts:
    """Move savings accounts idle past their product's dormancy period to ``dormant``.
    A second run for the same date finds nothing left to move."""
    from coopctl.deposits.dormancy import mark_dormant

    done = mark_dormant(uow, d)
    if done:
        uow.note(f"{len(done)} account(s) became dormant: {', '.join(x.account_no for x in done)}")
    return Counts(items=max(len(done), 1), posted=len(done), skipped=0 if done else 1)


register(
    "deposits.dormancy",
    _dormancy,
    "Mark savings accounts without member activity for the dormancy period as dormant",
)
