"""The payroll check-off import, added to ``coopctl postings`` as ``postings import``.
:func:`register` is called by ``coopctl.cli.postings``."""

from __future__ import annotations

from typing import Annotated

import typer

from coopctl.cli.common import DryRunOpt, FormatOpt, business_date, emit, message, parse_amount, uow

# "-5" must reach --total (and be refused there, naming the field), not be taken for an option.
_CTX = {"ignore_unknown_options": True}

DateO = Annotated[
    str | None, typer.Option("--date", help="Business date YYYY-MM-DD (default today).")
]
IMPORT_COLS = ["line", "member_no", "amount", "to_loans", "shares", "shares_account", "savings",
               "savings_account"]  # fmt: skip


def import_(
    file: Annotated[
        str, typer.Argument(help="Check-off CSV: member_no,amount[,savings,shares,loan].")
    ],
    bank: Annotated[str, typer.Option("--bank", help="Bank account that received the money.")],
    ref: Annotated[str, typer.Option("--ref", help="The bank's reference of the receipt.")],
    total: Annotated[str, typer.Option("--total", help="Amount the bank received.")],
    date: DateO = None,
    dry_run: DryRunOpt = False,
    fmt: FormatOpt = "table",
) -> None:
    """Import a payroll check-off file as one bank receipt (all or nothing).

    Each member's amount goes to loans due, fixed savings (shares) and savings by the
    configured priority, unless the file gives savings/shares/loan columns. A file
    total that differs from --total is booked to suspense (GL 2900) with a warning.

    Example:

        coopctl postings import payroll.csv --bank GTB --ref NOV-PAY --total 4,250,000 --dry-run
    """
    from pathlib import Path

    from coopctl.workflows.checkoff import import_file

    amt = parse_amount(total, "--total")
    on = business_date(date)
    with uow("checkoff.import") as u:
        summary = import_file(u, Path(file), bank=bank, ref=ref, total=amt, on=on,
                              dry_run=dry_run)  # fmt: skip
        if dry_run:
            message("dry run: nothing written")
        else:
            u.commit()
            message(f"imported {summary['members']} member(s) as {summary['entry_no']}")
        emit(summary, fmt, rows_key="lines", columns=None if fmt == "json" else IMPORT_COLS)


def register(app: typer.Typer) -> None:
    """Add ``import`` to the ``postings`` app."""
    app.command("import", context_settings=_CTX)(import_)
