"""``coopctl budgets …``: import, show and approve annual budgets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coopctl.cli.common import FormatOpt, OtpOpt, emit, new_app, uow

app = new_app(
    "Annual budgets and variance.\n\nExample:\n\n"
    "    coopctl budgets import budget-2027.csv --year 2027"
)

YearOpt = Annotated[int, typer.Option("--year", help="Fiscal year (the year it starts in).")]


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV: gl_code + jan..dec (or m01..m12).")],
    year: YearOpt,
    replace: Annotated[
        bool, typer.Option("--replace", help="Revise an approved budget (needs approval again).")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Import a year's budget from CSV (validated, all-or-nothing).

    Example:

        coopctl budgets import budget-2027.csv --year 2027
    """
    from coopctl.budgets import service

    with uow("budgets.manage") as u:
        result = service.import_budget(u, file, year, replace=replace)
        u.commit()
    emit(result, fmt)


@app.command("show")
def show(year: YearOpt, fmt: FormatOpt = "table") -> None:
    """Show a year's budget, one row per GL account, months in fiscal order.

    Example:

        coopctl budgets show --year 2027 --format csv
    """
    from coopctl.budgets import service

    with uow("reports.view") as u:
        data = service.show_budget(u, year)
    if fmt == "json":
        emit(data, fmt)
        return
    rows = [
        {"gl_code": ln["gl_code"], "name": ln["name"], **ln["months"], "total": ln["total"]}
        for ln in data["lines"]
    ]
    emit({**{k: v for k, v in data.items() if k != "lines"}, "rows": rows}, fmt, rows_key="rows")


@app.command("approve")
def approve(year: YearOpt, otp: OtpOpt = None, fmt: FormatOpt = "table") -> None:
    """Approve a draft budget (a different operator from the importer).

    Example:

        coopctl budgets approve --year 2027 --otp 123456
    """
    from coopctl.budgets import service

    with uow("budgets.approve") as u:
        result = service.approve_budget(u, year, otp=otp)
        u.commit()
    emit(result, fmt)
