"""``coopctl golive …``: go-live from spreadsheets (templates, imports, check, finish)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import click
import typer

from coopctl.cli.common import DryRunOpt, FormatOpt, emit, message, new_app, parse_date_opt, uow

app = new_app(
    "Go-live from spreadsheets: templates, checked imports, reconciliation, lock.\n\n"
    "Example:\n\n    coopctl golive template members -o members.xlsx"
)

KindArg = Annotated[
    str,
    typer.Argument(
        help="members, accounts, loans or gl.",
        click_type=click.Choice(("members", "accounts", "loans", "gl")),
    ),
]
TOTAL_COLS = ["gl_code", "debit", "credit"]


@app.command("template")
def template(
    kind: KindArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="FILE.xlsx or FILE.csv.")],
) -> None:
    """Write an empty template to fill: XLSX (validation, example sheet) or CSV.

    Columns are listed in docs/golive.md.

    Example:

        coopctl golive template loans -o loans.xlsx
    """
    from sqlalchemy import select

    from coopctl.golive.templates import write_template

    products: list[str] = []
    with uow("ledger.view") as u:
        if kind in ("accounts", "loans"):
            if kind == "accounts":
                from coopctl.deposits.models import DepositProduct as P
            else:
                from coopctl.loans.models import LoanProduct as P  # type: ignore[assignment]
            products = list(u.session.scalars(select(P.code).order_by(P.code)))
    write_template(kind, output, products)
    message(f"wrote {output}")


@app.command("import")
def import_(
    kind: KindArg,
    file: Annotated[Path, typer.Argument(help="The filled template (.xlsx or .csv).")],
    dry_run: DryRunOpt = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Go-live date YYYY-MM-DD (first import).")
    ] = None,
    reference: Annotated[
        str, typer.Option("--reference", help="Reference kept with the file (default: name).")
    ] = "",
    fmt: FormatOpt = "table",
) -> None:
    """Import a template, all or nothing; every bad row is reported (exit 2).

    Import in this order: members, accounts, loans, gl. The same file again
    changes nothing; after `golive finish` imports are refused (exit 5).

    Example:

        coopctl golive import accounts accounts.xlsx --dry-run --as-of 2026-11-30
    """
    from coopctl.golive.service import import_file

    day = parse_date_opt(as_of, "--as-of")
    with uow("ledger.close") as u:
        res = import_file(u, kind, file, dry_run=dry_run, as_of=day, reference=reference)
        if not dry_run and not res.already_imported:
            u.commit()
    if res.dry_run and not res.already_imported:
        message(
            f"{file}: {res.rows} {kind} rows are valid; would create {res.rows} and post the "
            f"totals below on {res.golive_date} (dry run; nothing written)"
        )
    elif not res.already_imported:
        message(f"{file}: imported {len(res.created)} {kind}, {res.entries} opening entries")
    emit(res.as_dict(), fmt, rows_key="totals", columns=TOTAL_COLS)


@app.command("check")
def check(fmt: FormatOpt = "table") -> None:
    """Compare the books with the opening trial balance; exit 6 with the differences.

    Each GL account must equal the gl template's figure on the go-live date, the
    opening-balance account must be zero and ledger verify clean.

    Example:

        coopctl golive check
    """
    from coopctl.core.errors import ReviewNeededError
    from coopctl.golive.check import check as run

    with uow("ledger.view") as u:
        result = run(u)
    rows = result["differences"] or result["problems"]
    cols = (
        ["gl_code", "name", "books", "auditor", "difference"]
        if result["differences"]
        else ["check", "detail"]
    )
    emit({**result, "rows": rows}, fmt, rows_key="rows", columns=cols) if fmt != "json" else emit(
        result, fmt
    )
    if not result["ok"]:
        n = len(result["differences"]) + len(result["problems"])
        raise ReviewNeededError(f"golive check found {n} difference(s) or problem(s)")
    message("go-live books agree with the opening trial balance")


@app.command("finish")
def finish(fmt: FormatOpt = "table") -> None:
    """Lock the go-live: no more opening entries; close the months before it.

    Refused (exit 6) unless `golive check` is clean.

    Example:

        coopctl golive finish
    """
    from coopctl.golive.check import finish as run

    with uow("ledger.close") as u:
        result = run(u)
        u.commit()
    message(f"go-live of {result['golive_date']} finished; imports are now refused")
    emit(result, fmt)
