"""Helpers every command uses: options defined once, the unit of work, output.

A command is: parse → ``with uow(permission) as u:`` call a service →
``u.commit()`` if it wrote → ``emit(...)``.
"""

from __future__ import annotations

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
def uow(permission: str | None, *, read: bool = False) -> Iterator[Any]:
    """A unit of work as the current operator, with ``permission`` checked first.

    ``read=True`` (reports, statements, aging, exports): the body gets the unit of
    work seen through its read session (``--read-db`` / ``[database] read_url``,
    the replica); the operator is still resolved on the primary."""
    from coopctl.core.security import require

    u = app_context().uow()
    with u:
        if permission:
            require(u.operator, permission)
        yield u.reading() if read else u
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

    if value is not None:
        return clock.parse_date(value, field=field)
    return clock.today(app_context().settings["cooperative"]["timezone"])


def parse_amount(value: str, field: str = "AMOUNT") -> Any:
    from coopctl.core import money

    return money.parse(value, field=field)


# --- output ------------------------------------------------------------------
# The renderer lives in coopctl.cli.render; these names stay for the commands.
LIST_COMMANDS = ("list", "history")


def _is_tty() -> bool:
    return sys.stderr.isatty()


def message(text: str) -> None:
    """A message for the operator on stderr: plain text, control characters escaped
    (messages quote stored names and references; they are never markup)."""
    from coopctl.core.text import visible

    print(visible(str(text), keep_newlines=True), file=sys.stderr)


def to_jsonable(obj: Any) -> Any:
    from coopctl.cli.render import to_jsonable as _to_jsonable

    return _to_jsonable(obj)


def _limit_from_context() -> tuple[int | None, bool]:
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None, False
    limit = ctx.meta.get("coopctl.limit", ctx.params.get("limit"))
    all_rows = bool(ctx.meta.get("coopctl.all", ctx.params.get("all_rows", False)))
    return (limit if isinstance(limit, int) else None), all_rows


def emit(
    data: Any,
    fmt: str,
    *,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    rows_key: str | None = None,
) -> None:
    """Print ``data`` (a dict or a list of dicts) as table, json or csv on stdout.

    A dict is a record (key/value, empty fields left out); a list is a table. A
    list is cut to ``--limit`` rows (tables: 200 by default, with a note on stderr
    saying how many exist; JSON and CSV: every row unless ``--limit``).
    ``rows_key`` names the list inside a dict to show as the table/CSV rows
    (e.g. ``lines`` of an entry); JSON always prints the whole document.
    """
    from coopctl.cli import render

    note = None
    if isinstance(data, list):
        limit, all_rows = _limit_from_context()
        data, note = render.limit_rows(data, fmt, limit=limit, all_rows=all_rows)
    try:
        _emit(data, fmt, columns=columns, title=title, rows_key=rows_key)
    finally:
        if note:
            message(note)


def _emit(
    data: Any, fmt: str, *, columns: Sequence[str] | None, title: str | None, rows_key: str | None
) -> None:
    from coopctl.cli import render

    if fmt == "json":
        render.write_json(data, sys.stdout)
        return
    rows: list[dict[str, Any]]
    header: dict[str, Any] = {}
    record = False
    if isinstance(data, list):
        rows = data
    elif rows_key:
        rows = list(data.get(rows_key) or [])
        header = {k: v for k, v in data.items() if k != rows_key}
    else:
        rows = [data]
        record = True
    cols = list(columns) if columns else render.columns_of(rows)
    if fmt == "csv":
        render.write_csv(rows, cols, sys.stdout)
        return
    render.render_table(rows, columns, title=title, header=header, record=record)


def _set_meta(key: str) -> Any:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None and value is not False:
            ctx.meta[key] = value
        return value

    return callback


def apply_policies(cmd: click.Command) -> click.Command:
    """What every command gets centrally: text length limits and list options."""
    return add_list_options(add_text_limits(cmd))


def text_params(cmd: click.Command) -> list[tuple[click.Parameter, str, int]]:
    """The free-text parameters of a command: (param, its name as typed, its limit)."""
    from coopctl.core import limits

    out: list[tuple[click.Parameter, str, int]] = []
    for p in cmd.params:
        if type(p.type) is not click.types.StringParamType or limits.is_path_param(p.name):
            continue
        if isinstance(p, click.Argument):
            label = (p.name or "").upper()
            out.append((p, label, limits.option_limit(p.name or "", argument=True)))
        else:
            opt = max(p.opts, key=len)
            out.append((p, opt, limits.option_limit(opt)))
    return out


def add_text_limits(cmd: click.Command) -> click.Command:
    """Check every text option and argument against its limit before the command runs
    (exit 2 naming the option and its limit; core.limits)."""
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            add_text_limits(sub)
        return cmd
    if cmd.callback is None or getattr(cmd.callback, "_coopctl_limited", False):
        return cmd
    checks = [(p.name, label, limit) for p, label, limit in text_params(cmd)]
    inner = cmd.callback

    def checked(*args: Any, **kwargs: Any) -> Any:
        from coopctl.core.limits import check_text

        # Settings first (not the database): [money] max_amount and the other
        # limits are in force before any option is parsed into an amount.
        if click.get_current_context(silent=True) is not None:
            app_context()

        for name, label, limit in checks:
            value = kwargs.get(name or "")
            for v in value if isinstance(value, list | tuple) else [value]:
                if isinstance(v, str):
                    check_text(label, v, limit)
        return inner(*args, **kwargs)

    checked._coopctl_limited = True  # type: ignore[attr-defined]
    cmd.callback = checked
    return cmd


def add_list_options(cmd: click.Command) -> click.Command:
    """Give every list command ``--limit N`` and ``--all`` (CLI.md), once, centrally."""
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            add_list_options(sub)
        return cmd
    name = cmd.name or ""
    if not (name in LIST_COMMANDS or name.endswith("-list")):
        return cmd
    opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
    if "--limit" not in opts:
        cmd.params.append(
            click.Option(
                ["--limit"],
                type=click.IntRange(min=1),
                default=None,
                expose_value=False,
                callback=_set_meta("coopctl.limit"),
                help="Show at most N rows (tables default to 200).",
            )
        )
    if "--all" not in opts:
        cmd.params.append(
            click.Option(
                ["--all", "all_rows"],
                is_flag=True,
                default=False,
                expose_value=False,
                callback=_set_meta("coopctl.all"),
                help="Show every row, also in table mode.",
            )
        )
    return cmd


def require_output(fmt: str, output: Path | None) -> None:
    if fmt in ("xlsx", "pdf") and output is None:
        raise ValidationError(f"--format {fmt} needs -o PATH")
