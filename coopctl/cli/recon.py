"""``coopctl recon …``: bank accounts, statement imports, matching, manual work and the
reconciliation report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import click
import typer

from coopctl.cli.common import (
    FormatOpt,
    OutputOpt,
    ReportFormatOpt,
    emit,
    message,
    new_app,
    parse_date_opt,
    uow,
)

app = new_app("Bank accounts and reconciliation.\n\nExample:\n\n    coopctl recon banks list")
banks_app = new_app("The cooperative's bank accounts.\n\nExample:\n\n    coopctl recon banks list")
app.add_typer(banks_app, name="banks")

BANK_COLS = ["code", "name", "number", "gl_code", "currency", "active"]
LINE_COLS = [
    "id",
    "bank",
    "date",
    "amount",
    "description",
    "reference",
    "status",
    "entries",
    "suggestion",
]
FILE_FORMATS = ("csv", "xlsx", "ofx", "camt053", "mt940")


@banks_app.command("add")
def banks_add(
    code: Annotated[str, typer.Argument(help="Short code, e.g. GTB.")],
    gl: Annotated[str, typer.Option("--gl", help="GL account of this bank (cash category).")],
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
    number: Annotated[str, typer.Option("--number", help="Bank account number.")] = "",
    currency: Annotated[
        str, typer.Option("--currency", help="ISO currency of the account.")
    ] = "NGN",
    fmt: FormatOpt = "table",
) -> None:
    """Register a bank account on its GL account (an active, postable cash asset).

    Example:

        coopctl recon banks add GTB --gl 1121 --name "GTBank current" --number 0123456789
    """
    from coopctl.recon import banks

    with uow("banks.manage") as u:
        bank = banks.add_bank(u, code, gl, name=name, number=number, currency=currency)
        u.commit()
        emit(banks.bank_as_dict(bank), fmt)


@banks_app.command("list")
def banks_list(fmt: FormatOpt = "table") -> None:
    """List the bank accounts.

    Example:

        coopctl recon banks list --format json
    """
    from coopctl.recon import banks

    with uow("recon.view") as u:
        emit([banks.bank_as_dict(b) for b in banks.list_banks(u)], fmt, columns=BANK_COLS)


def _read(file: str) -> bytes:
    from coopctl.core.errors import NotFoundError
    from coopctl.recon.errors import StatementFormatError
    from coopctl.recon.lines import MAX_FILE_BYTES

    p = Path(file)
    if not p.is_file():
        raise NotFoundError(f"FILE: {file} not found")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise StatementFormatError(
            f"{file}: {p.stat().st_size} bytes is over the {MAX_FILE_BYTES} limit"
        )
    return p.read_bytes()


@app.command("import")
def import_(
    file: Annotated[str, typer.Argument(help="Statement file: CSV, XLSX, OFX, CAMT.053 or MT940.")],
    bank: Annotated[str, typer.Option("--bank", help="Bank account code.")],
    profile: Annotated[
        str | None, typer.Option("--profile", help="CSV/XLSX rules profile (name or .toml path).")
    ] = None,
    file_format: Annotated[
        str | None,
        typer.Option(
            "--file-format",
            help="Force the format (default: from the content).",
            click_type=click.Choice(FILE_FORMATS),
        ),
    ] = None,
    account: Annotated[
        str | None, typer.Option("--account", help="Account id in a multi-account file.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Parse and show; write nothing.")
    ] = False,
    allow_gap: Annotated[
        bool,
        typer.Option("--allow-gap", help="Import a statement that does not tie; record the gap."),
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Import a bank statement, all or nothing; a file or line seen before is skipped.

    Example:

        coopctl recon import gtb-2026-03.csv --bank GTB --profile gtbank --dry-run
    """
    from coopctl.recon.importer import import_statement

    if profile and file_format and file_format not in ("csv", "xlsx"):
        from coopctl.core.errors import ValidationError

        raise ValidationError("--profile applies to csv and xlsx files only")
    data = _read(file)
    with uow("recon.view" if dry_run else "recon.manage") as u:
        out = import_statement(
            u, data, file, bank=bank, profile=profile, file_format=file_format, account=account,
            dry_run=dry_run, allow_gap=allow_gap,
        )  # fmt: skip
        if dry_run:
            message(
                f"dry run: {out['lines_read']} line(s) read, "
                f"{out['would_import']} would be imported"
            )
        else:
            u.commit()
            message(f"imported {out['imported']} line(s), {out['duplicates']} duplicate(s)")
        if fmt == "json":
            emit(out, fmt)
        else:
            summary = {
                k: out[k]
                for k in (
                    "file_sha256",
                    "file_format",
                    "currency",
                    "lines_read",
                    "imported",
                    "duplicates",
                )
            }
            summary["errors"] = "; ".join(out["errors"] + out["gaps"])
            emit(summary, fmt)


@app.command("match")
def match_cmd(
    bank: Annotated[str | None, typer.Option("--bank", help="Only this bank account.")] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 6 while lines remain unmatched.")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Match bank lines with ledger lines automatically; propose the uncertain ones.

    Example:

        coopctl recon match --bank GTB --strict
    """
    from coopctl.recon.errors import UnmatchedLinesError
    from coopctl.recon.service import run_match

    with uow("recon.manage") as u:
        out = run_match(u, bank)
        u.commit()
    emit(out, fmt, rows_key="banks")
    if strict and out["suggested"] + out["unmatched"]:
        raise UnmatchedLinesError(
            f"{out['suggested'] + out['unmatched']} bank line(s) not matched; "
            "see `recon list --unmatched`"
        )


@app.command("list")
def list_cmd(
    bank: Annotated[str | None, typer.Option("--bank", help="Only this bank account.")] = None,
    unmatched: Annotated[bool, typer.Option("--unmatched", help="Only lines not matched.")] = False,
    suggested: Annotated[
        bool, typer.Option("--suggested", help="Only lines with a proposal.")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """List bank lines with their status, matched entries and proposals.

    Example:

        coopctl recon list --bank GTB --unmatched
    """
    from coopctl.recon.service import list_lines

    with uow("recon.view") as u:
        emit(list_lines(u, bank, unmatched=unmatched, suggested=suggested), fmt, columns=LINE_COLS)


@app.command("link")
def link_cmd(
    line: Annotated[int, typer.Argument(help="Bank line id (see `recon list`).")],
    entries: Annotated[list[str], typer.Argument(help="Entry numbers, e.g. JE00000042.")],
    fmt: FormatOpt = "table",
) -> None:
    """Match a bank line by hand with one or more posted entries (amounts must agree).

    Example:

        coopctl recon link 17 JE00000042 JE00000043
    """
    from coopctl.recon.service import link

    with uow("recon.manage") as u:
        out = link(u, line, entries)
        u.commit()
        emit(out, fmt)


@app.command("unlink")
def unlink_cmd(
    line: Annotated[int, typer.Argument(help="Bank line id.")],
    fmt: FormatOpt = "table",
) -> None:
    """Undo a match (postings are never changed).

    Example:

        coopctl recon unlink 17
    """
    from coopctl.recon.service import unlink

    with uow("recon.manage") as u:
        out = unlink(u, line)
        u.commit()
        emit(out, fmt)


@app.command("post")
def post_cmd(
    line: Annotated[int, typer.Argument(help="Bank line id.")],
    gl: Annotated[str, typer.Option("--gl", help="GL account, e.g. 5600 bank charges.")],
    narration: Annotated[str, typer.Option("--narration", help="Narration of the entry.")] = "",
    fmt: FormatOpt = "table",
) -> None:
    """Book a line only the bank knows (charge, interest) and match it.

    Example:

        coopctl recon post 18 --gl 5600 --narration "SMS alert charges"
    """
    from coopctl.recon.service import post_line

    with uow("recon.manage") as u:
        out = post_line(u, line, gl, narration)
        u.commit()
        emit(out, fmt)


@app.command("report")
def report_cmd(
    bank: Annotated[str, typer.Option("--bank", help="Bank account code.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Report date YYYY-MM-DD.")] = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """The bank reconciliation statement: statement vs book balance, items, difference.

    Example:

        coopctl recon report --bank GTB --as-of 2026-03-31 --format pdf -o rec.pdf
    """
    from coopctl.cli.reports import write
    from coopctl.recon.banks import get_bank
    from coopctl.recon.report import build_report

    d = parse_date_opt(as_of, "--as-of")
    with uow("recon.view") as u:
        report = build_report(u, [get_bank(u, bank)], d or u.today())
        write(u, report, fmt, output)
