"""``coopctl reports …``: financial statements, portfolio, KPIs, budgets, the month-end pack.

Builders return report data (:mod:`coopctl.reports.builders`); the shared
renderers print it as a table, JSON or CSV, or write XLSX/PDF to ``-o``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from coopctl.cli.common import (
    OutputOpt,
    ReportFormatOpt,
    message,
    new_app,
    parse_date_opt,
    require_output,
    uow,
)

app = new_app(
    "Financial and portfolio reports, month-end pack.\n\nExample:\n\n"
    "    coopctl reports balance-sheet --as-of 2026-10-31 --format pdf -o bs.pdf"
)

AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Report date YYYY-MM-DD.")]
FromOpt = Annotated[str | None, typer.Option("--from", help="Period start YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Period end YYYY-MM-DD.")]


def _params(as_of: str | None, start: str | None, end: str | None, **options: Any) -> Any:
    from coopctl.reports.service import Params, check_dates

    p = Params(
        as_of=parse_date_opt(as_of, "--as-of"),
        start=parse_date_opt(start, "--from"),
        end=parse_date_opt(end, "--to"),
        options={k: v for k, v in options.items() if v is not None},
    )
    check_dates(p)
    return p


def write(u: Any, reports: Any, fmt: str, output: Path | None) -> None:
    """Render with the shared renderers; meta (name, logo, operator, time) from the books."""
    import os

    from rich.console import Console

    from coopctl.reports.builders.common import render_meta
    from coopctl.reports.render import render

    require_output(fmt, output)
    meta = render_meta(u)
    console = None
    if fmt == "table":
        tty = sys.stdout.isatty()
        console = Console(
            no_color=bool(os.environ.get("NO_COLOR")) or not tty,
            width=None if tty else 160,
            highlight=False,
        )
    if output is not None:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
    text = render(reports, fmt, output=output, console=console, **meta)
    if text is not None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    elif output is not None:
        message(f"wrote {output}")


def _run(name: str, fmt: str, output: Path | None, params: Any) -> None:
    from coopctl.reports.service import run_report

    require_output(fmt, output)
    with uow("reports.view", read=True) as u:
        report = run_report(u, name, params)
        write(u, report, fmt, output)


@app.command("trial-balance")
def trial_balance(
    as_of: AsOfOpt = None, fmt: ReportFormatOpt = "table", output: OutputOpt = None
) -> None:
    """Trial balance as of a date (every posting account; debits = credits).

    Example:

        coopctl reports trial-balance --as-of 2026-10-31 --format xlsx -o tb.xlsx
    """
    _run("trial-balance", fmt, output, _params(as_of, None, None))


@app.command("balance-sheet")
def balance_sheet(
    as_of: AsOfOpt = None,
    compare: Annotated[
        str | None, typer.Option("--compare", help="Comparative date (default: prior month-end).")
    ] = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Statement of financial position with a comparative column.

    Example:

        coopctl reports balance-sheet --as-of 2026-10-31 --compare 2025-12-31 --format pdf -o bs.pdf
    """
    _run(
        "balance-sheet",
        fmt,
        output,
        _params(as_of, None, None, compare=parse_date_opt(compare, "--compare")),
    )


@app.command("income-statement")
def income_statement(
    as_of: AsOfOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Income statement for a period (default: month to date) and the year to date.

    Example:

        coopctl reports income-statement --from 2026-10-01 --to 2026-10-31
    """
    _run("income-statement", fmt, output, _params(as_of, start, end))


@app.command("cash-flow")
def cash_flow(
    as_of: AsOfOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Statement of cash flows (indirect method) reconciling to cash and bank.

    Example:

        coopctl reports cash-flow --from 2026-01-01 --to 2026-10-31 --format json
    """
    _run("cash-flow", fmt, output, _params(as_of, start, end))


@app.command("general-ledger")
def general_ledger(
    as_of: AsOfOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    account: Annotated[str | None, typer.Option("--account", help="One GL code.")] = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """General ledger detail with opening, running and closing balances.

    Example:

        coopctl reports general-ledger --from 2026-10-01 --to 2026-10-31 --account 1110
    """
    _run("general-ledger", fmt, output, _params(as_of, start, end, account=account))


@app.command("portfolio")
def portfolio(
    as_of: AsOfOpt = None, fmt: ReportFormatOpt = "table", output: OutputOpt = None
) -> None:
    """Loan portfolio by product and by loan officer.

    Example:

        coopctl reports portfolio --as-of 2026-10-31 --format xlsx -o portfolio.xlsx
    """
    _run("portfolio", fmt, output, _params(as_of, None, None))


@app.command("aging")
def aging(as_of: AsOfOpt = None, fmt: ReportFormatOpt = "table", output: OutputOpt = None) -> None:
    """Loan aging by CBN class with the provisioning table.

    Example:

        coopctl reports aging --as-of 2026-10-31 --format json
    """
    _run("aging", fmt, output, _params(as_of, None, None))


@app.command("dormant")
def dormant(
    as_of: AsOfOpt = None, fmt: ReportFormatOpt = "table", output: OutputOpt = None
) -> None:
    """Dormant accounts and unclaimed balances ([deposits] unclaimed_after_years).

    Example:

        coopctl reports dormant --as-of 2026-11-30 --format csv
    """
    _run("dormant", fmt, output, _params(as_of, None, None))


@app.command("par")
def par(as_of: AsOfOpt = None, fmt: ReportFormatOpt = "table", output: OutputOpt = None) -> None:
    """Portfolio at risk.

    Example:

        coopctl reports par --as-of 2026-10-31
    """
    _run("par", fmt, output, _params(as_of, None, None))


@app.command("kpis")
def kpis(as_of: AsOfOpt = None, fmt: ReportFormatOpt = "table", output: OutputOpt = None) -> None:
    """Key performance indicators (definitions in docs/reports.md).

    Example:

        coopctl reports kpis --as-of 2026-10-31 --format json
    """
    _run("kpis", fmt, output, _params(as_of, None, None))


@app.command("budget-variance")
def budget_variance(
    as_of: AsOfOpt = None, fmt: ReportFormatOpt = "table", output: OutputOpt = None
) -> None:
    """Actual against budget for the month of --as-of and the year to date.

    Example:

        coopctl reports budget-variance --as-of 2026-10-31
    """
    _run("budget-variance", fmt, output, _params(as_of, None, None))


@app.command("cash-forecast")
def cash_forecast(
    as_of: AsOfOpt = None,
    weeks: Annotated[int | None, typer.Option("--weeks", help="Weeks ahead (default 12).")] = None,
    months: Annotated[int | None, typer.Option("--months", help="Months ahead instead.")] = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Cash forecast: loan collections due plus average deposit/withdrawal flows.

    Example:

        coopctl reports cash-forecast --months 12
    """
    from coopctl.core.errors import ValidationError

    if weeks is not None and months is not None:
        raise ValidationError("--weeks and --months exclude each other")
    for opt, v in (("--weeks", weeks), ("--months", months)):
        if v is not None and not 1 <= v <= 104:
            raise ValidationError(f"{opt}: {v} is not between 1 and 104")
    _run("cash-forecast", fmt, output, _params(as_of, None, None, weeks=weeks, months=months))


@app.command("member-statements")
def member_statements(
    as_of: AsOfOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    member: Annotated[str | None, typer.Option("--member", help="Only this member.")] = None,
    split: Annotated[
        bool, typer.Option("--split", help="One file per member into -o DIR.")
    ] = False,
    processes: Annotated[
        int | None, typer.Option("--processes", help="PDF worker processes (default: cores).")
    ] = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Statements for every member for one period (one file, or one per member with --split).

    Example:

        coopctl reports member-statements --from 2026-10-01 --to 2026-10-31 -f pdf -o st.pdf
    """
    from coopctl.core.errors import ValidationError
    from coopctl.reports.builders import statements_out
    from coopctl.reports.builders.statements import build_statement_set

    params = _params(as_of, start, end)
    if split and (output is None or fmt not in ("pdf", "xlsx", "csv", "json")):
        raise ValidationError("--split needs --format pdf|xlsx|csv|json and -o DIR")
    require_output(fmt, output)
    with uow("reports.view", read=True) as u:
        from coopctl.reports.builders.common import render_meta

        data = build_statement_set(u, params.window(u), member)
        meta = render_meta(u)
        if split:
            assert output is not None
            paths = statements_out.write_split(data, fmt, output, meta, processes=processes)
            message(f"wrote {len(paths)} files into {output}")
            return
        if fmt == "pdf":
            assert output is not None
            statements_out.write_pdf(data, output, meta, processes=processes)
            message(f"wrote {output}")
            return
        if fmt == "xlsx":
            assert output is not None
            statements_out.write_xlsx(data, output, meta)
            message(f"wrote {output}")
            return
        if fmt == "csv":
            text = statements_out.csv_text(data)
            if output is not None:
                Path(output).write_text(text, encoding="utf-8")
                message(f"wrote {output}")
            else:
                sys.stdout.write(text)
            return
        from coopctl.reports.builders.statements import combined_report

        write(u, combined_report(data), fmt, output)


@app.command("list")
def list_cmd(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
) -> None:
    """List the built-in and custom reports.

    Example:

        coopctl reports list --format json
    """
    from coopctl.cli.common import emit
    from coopctl.reports.service import list_reports

    with uow("reports.view", read=True) as u:
        rows = list_reports(u)
    emit(rows, fmt, columns=["name", "kind", "period", "title", "source"])


@app.command("run")
def run_cmd(
    name: Annotated[str, typer.Argument(help="Report name (see `reports list`).")],
    as_of: AsOfOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Run a report by name: a custom TOML report or a built-in one.

    Example:

        coopctl reports run union-quarterly-return --as-of 2026-09-30 --format xlsx -o return.xlsx
    """
    _run(name, fmt, output, _params(as_of, start, end))


@app.command("pack")
def pack(
    month: Annotated[str, typer.Option("--month", help="YYYY-MM")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the files.")],
    with_gl: Annotated[
        bool, typer.Option("--with-general-ledger", help="Add the general ledger detail.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Month-end pack: one PDF (cover, contents, every report) and one XLSX.

    Example:

        coopctl reports pack --month 2026-10 -o packs/
    """
    from coopctl.cli.common import emit
    from coopctl.core import clock
    from coopctl.reports.pack import build_pack

    year, mon = clock.parse_month(month, field="--month")
    with uow("reports.view", read=True) as u:
        result = build_pack(u, year, mon, output, with_general_ledger=with_gl)
    if fmt == "json":
        emit(result, "json")
        return
    print(result["pdf"])
    print(result["xlsx"])
    if result["skipped"]:
        message(f"not available, left out: {', '.join(result['skipped'])}")
