"""Helpers every command uses: options defined once, the unit of work, output.

A command is: parse → ``with uow(permission) as u:`` call a service →
``u.commit()`` if it wrote → ``emit(...)``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import click
import typer

from coopctl.core.errors import ValidationError

# --- options defined once ----------------------------------------------------
FORMATS = ("table", "json", "csv")
REPORT_FORMATS = ("table", "json", "csv", "xlsx", "pdf")

FormatOpt = Annotated[
    str,
    typer.Option(
        "--format", "-f", help="Output: table, json or csv.", click_type=click.Choice(FORMATS)
    ),
]
ReportFormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help="Output: table, json, csv, xlsx or pdf (xlsx/pdf need -o).",
        click_type=click.Choice(REPORT_FORMATS),
    ),
]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")]
DateOpt = Annotated[str | None, typer.Option("--date", help="Business date YYYY-MM-DD.")]
YesOpt = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Print what would happen; write nothing.")
]
OtpOpt = Annotated[str | None, typer.Option("--otp", help="TOTP code, when MFA is required.")]


def new_app(help_text: str, *, no_args_is_help: bool = True) -> typer.Typer:
    """A sub-app with the project's settings (no completion, short -h)."""
    return typer.Typer(
        help=help_text,
        add_completion=False,
        no_args_is_help=no_args_is_help,
        context_settings={"help_option_names": ["-h", "--help"]},
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )


def state() -> Any:
    ctx = click.get_current_context()
    root = ctx.find_root()
    return root.obj


def app_context() -> Any:
    return state().app


@contextmanager
def uow(permission: str | None) -> Iterator[Any]:
    """A unit of work as the current operator, with ``permission`` checked first."""
    from coopctl.core.security import require

    u = app_context().uow()
    with u:
        if permission:
            require(u.operator, permission)
        yield u
    for m in u.messages:
        message(m)


def parse_date_opt(value: str | None, field: str = "--date") -> Any:
    from coopctl.core import clock

    if value is None:
        return None
    return clock.parse_date(value, field=field)


def business_date(value: str | None = None, field: str = "--date") -> Any:
    """``--date`` if given, else the business date (COOPCTL_TODAY or today in the coop's zone)."""
    from coopctl.core import clock

    if value:
        return clock.parse_date(value, field=field)
    return clock.today(app_context().settings["cooperative"]["timezone"])


def parse_amount(value: str, field: str = "AMOUNT") -> Any:
    from coopctl.core import money

    return money.parse(value, field=field)


# --- output ------------------------------------------------------------------
def _is_tty() -> bool:
    return sys.stderr.isatty()


def message(text: str) -> None:
    """A message for the operator: stderr, coloured only on a TTY without NO_COLOR."""
    if _is_tty() and not os.environ.get("NO_COLOR"):
        from rich.console import Console

        Console(stderr=True).print(text, highlight=False)
    else:
        print(text, file=sys.stderr)


def to_jsonable(obj: Any) -> Any:
    from datetime import date, datetime
    from decimal import Decimal

    from coopctl.core import money

    if isinstance(obj, Decimal):
        return money.fmt(obj)
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    return obj


def emit(
    data: Any,
    fmt: str,
    *,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    rows_key: str | None = None,
) -> None:
    """Print ``data`` (a dict or a list of dicts) as table, json or csv on stdout.

    ``rows_key`` names the list inside a dict to show as the table/CSV rows
    (e.g. ``lines`` of an entry); JSON always prints the whole document.
    """
    import json

    if fmt == "json":
        sys.stdout.write(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False) + "\n")
        return
    rows: list[dict[str, Any]]
    header: dict[str, Any] = {}
    if isinstance(data, list):
        rows = data
    elif rows_key:
        rows = list(data.get(rows_key) or [])
        header = {k: v for k, v in data.items() if k != rows_key}
    else:
        rows = [data]
    cols = list(columns) if columns else _columns(rows)
    if fmt == "csv":
        import csv

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([_cell(to_jsonable(r.get(c))) for c in cols])
        return
    _table(rows, cols, title=title, header=header)


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    cols: list[str] = []
    for r in rows:
        for k, v in r.items():
            if k not in cols and not isinstance(v, list | dict):
                cols.append(k)
    return cols


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _table(
    rows: list[dict[str, Any]], cols: list[str], *, title: str | None, header: dict[str, Any]
) -> None:
    from decimal import Decimal

    from rich.console import Console
    from rich.table import Table

    from coopctl.core import money

    tty = sys.stdout.isatty()
    console = Console(
        no_color=bool(os.environ.get("NO_COLOR")) or not tty,
        width=None if tty else 160,
        highlight=False,
    )
    for k, v in header.items():
        if not isinstance(v, list | dict):
            console.print(f"{k}: {_cell(to_jsonable(v))}", highlight=False)
    if not rows and header:
        return
    t = Table(title=title, show_lines=False)
    for c in cols:
        numeric = any(
            isinstance(r.get(c), Decimal | int) and not isinstance(r.get(c), bool) for r in rows
        )
        t.add_column(c, justify="right" if numeric else "left")
    for r in rows:
        t.add_row(
            *[
                money.fmt_human(r[c])
                if isinstance(r.get(c), Decimal)
                else _cell(to_jsonable(r.get(c)))
                for c in cols
            ]
        )
    console.print(t)


def require_output(fmt: str, output: Path | None) -> None:
    if fmt in ("xlsx", "pdf") and output is None:
        raise ValidationError(f"--format {fmt} needs -o PATH")
