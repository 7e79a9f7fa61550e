"""``coopctl loans provision``: the loan-loss provision adjustment for a business date.

Registered on the ``loans`` sub-app by :func:`register_provision` (called at the
end of :mod:`coopctl.cli.loans`). Top-level imports stay light: the service
(SQLAlchemy, Polars) is imported when the command runs.
"""

from __future__ import annotations

import typer

from coopctl.cli.common import DateOpt, DryRunOpt, FormatOpt, business_date, emit, message, uow


def provision(date: DateOpt = None, dry_run: DryRunOpt = False, fmt: FormatOpt = "table") -> None:
    """Bring GL 1290 (loan-loss provision) to what the portfolio's CBN classes require.

    Ages every active loan (bulk), sums the per-loan provisions (outstanding principal
    × class rate, rounded per loan) and posts the difference: Dr 5200 / Cr 1290 to
    provide more, Dr 1290 / Cr 5200 to release. Once per date: a second run for the
    same date posts nothing and says so. The nightly job runs the same service.

    Example:

        coopctl loans provision --date 2026-11-30
    """
    from coopctl.loans import provisioning

    with uow("loans.provision") as u:
        d = business_date(date)
        outcome = provisioning.run(u, d, dry_run=dry_run)
        if outcome.status == "posted":
            u.commit()
        data = outcome.as_dict()
    if outcome.status == "dry_run":
        message("dry run: nothing posted")
    elif outcome.status == "posted":
        message(f"posted {outcome.result.entry_no if outcome.result else ''}")
    emit(data, fmt, rows_key="buckets" if "buckets" in data else None)


def register_provision(app: typer.Typer) -> None:
    """Add ``provision`` to the ``loans`` sub-app."""
    app.command("provision")(provision)
