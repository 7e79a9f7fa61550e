"""Deposit steps of the job catalogue.

- ``fd.mature`` (nightly): every fixed deposit maturing on the business date (or
  earlier and still open) is matured per its instruction, one deposit per
  transaction (a failure is dead-lettered, the others go on);
- ``deposits.accrue`` (month end): each placed fixed deposit accrues its interest to
  the month end, one deposit per transaction, then the savings products that post
  quarterly or annually accrue the month (or, in a posting month, reverse the
  window's accruals) in one transaction.

Keys: ``fd.mature:{account}``, ``fd.accrue:{account}:{YYYY-MM}``,
``accrue:{product}:{YYYY-MM}``, ``accrue-reverse:{product}:{YYYY-MM}``: a second run
posts nothing.
"""

from __future__ import annotations

from typing import Any

from coopctl.jobs.registry import register
from coopctl.jobs.runner import Counts, StepRun


def _mature(run: StepRun) -> None:
    """Mature the fixed deposits due on the business date."""
    from coopctl.deposits import fd_maturity as fd

    d = run.business_date
    with run.uow() as u:
        due = fd.maturing(u, d)

    def one(u: Any, account_no: str) -> str:
        out = fd.mature(u, account_no, d)
        return "posted" if out is not None and out.created else "skipped"

    if not due:
        run.counts.items += 1
        run.counts.skipped += 1
        return
    run.each(due, one)


def _accrue(run: StepRun) -> None:
    """Month-end interest accruals: fixed deposits, then savings posting less often."""
    from coopctl.deposits import fixed_deposits as fd
    from coopctl.deposits.accruals import savings_accruals

    d = run.business_date
    with run.uow() as u:
        deposits = fd.accruing(u, d)

    def one(u: Any, account_no: str) -> str:
        out = fd.accrue(u, account_no, d)
        return "posted" if out is not None and out.created else "skipped"

    run.each(deposits, one)
    if not run.wanted("savings"):
        return
    run.counts.items += 1
    try:
        with run.uow() as u:
            rows = savings_accruals(u, d.year, d.month)
    except Exception as exc:
        run.dead_letter("savings", exc)
        return
    posted = sum(1 for r in rows if r["status"] == "posted")
    run.counts.add(Counts(posted=posted, skipped=0 if posted else 1))


register("fd.mature", _mature, "Mature the fixed deposits due on the date", itemised=True)
register(
    "deposits.accrue",
    _accrue,
    "Accrue fixed-deposit and savings interest to the month end",
    itemised=True,
    month_end_only=True,
)
