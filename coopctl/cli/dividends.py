"""``coopctl dividends …``: declare a year's dividends and interest rebates, list and show
runs, set a member's payment preference, print a member's dividend advice."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import click
import typer

from coopctl.cli.common import DryRunOpt, FormatOpt, OtpOpt, emit, message, new_app, uow

app = new_app(
    "Dividends on shares and interest rebates, from a closed year's surplus.\n\nExample:\n\n"
    "    coopctl dividends declare --year 2025 --dividend-rate 10 --rebate-rate 5 --dry-run"
)

MEMBER_COLUMNS = ["member_no", "dividend", "rebate", "wht", "net", "pay_to"]
RUN_COLUMNS = [
    "id",
    "year",
    "status",
    "dividend_rate",
    "rebate_rate",
    "surplus",
    "reserve",
    "total_dividend",
    "total_rebate",
    "total_wht",
    "approval",
    "applied_on",
]


@app.command("declare")
def declare(
    year: Annotated[int, typer.Option("--year", help="The closed fiscal year (YYYY).")],
    dividend_rate: Annotated[
        str, typer.Option("--dividend-rate", help="Percent a year on share capital, e.g. 10.")
    ],
    rebate_rate: Annotated[
        str, typer.Option("--rebate-rate", help="Percent of the loan interest paid, e.g. 5.")
    ] = "0",
    weighting: Annotated[
        str,
        typer.Option(
            "--weighting",
            help="monthly: average of the 12 month-end share balances; none: year-end balance.",
            click_type=click.Choice(["monthly", "none"]),
        ),
    ] = "monthly",
    offset_arrears: Annotated[
        bool,
        typer.Option("--offset-arrears", help="Pay each member's overdue loan amounts first."),
    ] = False,
    dry_run: DryRunOpt = False,
    fmt: FormatOpt = "table",
) -> None:
    """Declare dividends and interest rebates for a closed year (a checker approves).

    The statutory reserve ([dividends] reserve_percent of the surplus) comes first;
    a run that needs more than the surplus is refused (exit 5). --dry-run prints every
    member's amount, the totals and the entries, and writes nothing.

    Example:

        coopctl dividends declare --year 2025 --dividend-rate 10 --rebate-rate 5 --dry-run
    """
    from coopctl.dividends import service

    with uow("dividends.declare") as u:
        data = service.declare(
            u,
            year,
            dividend_rate,
            rebate_rate=rebate_rate,
            weighting=weighting,
            offset_arrears=offset_arrears,
            dry_run=dry_run,
        )
        if not dry_run:
            u.commit()
    if dry_run:
        message("dry run: nothing written")
    if fmt == "table":
        _table(data)
        return
    emit(data, fmt, rows_key="members", columns=MEMBER_COLUMNS if fmt == "csv" else None)


def _table(data: dict[str, object]) -> None:
    totals = {k: v for k, v in data.items() if k not in ("members", "entries")}
    emit(totals, "table")
    members = data.get("members") or []
    emit(list(members), "table", columns=MEMBER_COLUMNS, title="Members")  # type: ignore[call-overload]
    for entry in data.get("entries") or []:  # type: ignore[attr-defined]
        emit(entry["lines"], "table", title=f"Entry: {entry['entry']}")


@app.command("list")
def list_cmd(
    limit: Annotated[int | None, typer.Option("--limit", help="At most N runs.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """List dividend runs, newest first.

    Example:

        coopctl dividends list --format json
    """
    from coopctl.dividends import service

    with uow("dividends.view") as u:
        rows = service.list_runs(u)
    emit(rows[:limit] if limit else rows, fmt, columns=RUN_COLUMNS)


@app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(help="Run ID (DV00000001 or 1).")],
    fmt: FormatOpt = "table",
) -> None:
    """Show a dividend run with every member's amounts and entries.

    Example:

        coopctl dividends show DV00000001 --format json
    """
    from coopctl.dividends import service

    with uow("dividends.view") as u:
        data = service.show_run(u, run_id)
    if fmt == "table":
        _table(data)
        return
    emit(data, fmt, rows_key="members")


@app.command("approve")
def approve(
    run_id: Annotated[str, typer.Argument(help="Run ID (DV00000001 or 1).")],
    otp: OtpOpt = None,
    comment: Annotated[str, typer.Option("--comment", help="Note kept with the decision.")] = "",
    fmt: FormatOpt = "table",
) -> None:
    """Approve a pending dividend run (a checker, not the maker); the last level pays it.

    The same as `coopctl approvals approve AP…` on the run's action. When the year's
    surplus changed or another run was paid meanwhile, the run fails (exit 5).

    Example:

        coopctl dividends approve DV00000001 --otp 123456
    """
    from coopctl.approvals.service import raise_if_failed
    from coopctl.dividends import service

    with uow("dividends.approve") as u:
        data, action = service.approve_run(u, run_id, otp=otp, comment=comment)
        u.commit()
    raise_if_failed(action)
    if fmt == "table":
        _table(data)
        return
    emit(data, fmt, rows_key="members")


@app.command("reject")
def reject(
    run_id: Annotated[str, typer.Argument(help="Run ID (DV00000001 or 1).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (audited).")],
    fmt: FormatOpt = "table",
) -> None:
    """Reject a pending dividend run; nothing is posted and the year may be declared again.

    Example:

        coopctl dividends reject DV00000001 --reason "the AGM voted 8 %"
    """
    from coopctl.dividends import service

    with uow("dividends.approve") as u:
        data = service.reject_run(u, run_id, reason)
        u.commit()
    if fmt == "table":
        _table(data)
        return
    emit(data, fmt, rows_key="members")


@app.command("preference")
def preference(
    member_no: Annotated[str, typer.Argument(help="Member number.")],
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="Where dividends go: savings, shares or payable (kept for payout).",
            click_type=click.Choice(["savings", "shares", "payable"]),
        ),
    ],
    fmt: FormatOpt = "table",
) -> None:
    """Set where a member's dividends and rebates are paid.

    Example:

        coopctl dividends preference M00000013 --to shares
    """
    from coopctl.dividends import service

    with uow("dividends.preference") as u:
        data = service.set_preference(u, member_no, to)
        u.commit()
    emit(data, fmt)


@app.command("advice")
def advice(
    run_id: Annotated[str, typer.Argument(help="Run ID (DV00000001 or 1).")],
    member_no: Annotated[str, typer.Argument(help="Member number.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="PDF file to write.")],
) -> None:
    """Write a member's dividend advice (PDF): shares, interest, dividend, rebate, tax, net.

    Example:

        coopctl dividends advice DV00000001 M00000013 -o advice.pdf
    """
    from coopctl.dividends import advice as advice_mod

    with uow("dividends.view") as u:
        advice_mod.write_advice(u, run_id, member_no, output)
    message(f"wrote {output}")
