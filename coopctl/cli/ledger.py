"""``coopctl ledger …``."""

from __future__ import annotations

from typing import Annotated

import typer

from coopctl.cli.common import FormatOpt, emit, message, new_app, parse_date_opt, uow

app = new_app(
    "Chart of accounts, trial balance, verify, periods.\n\nExample:\n\n    coopctl ledger verify"
)
accounts_app = new_app(
    "The chart of accounts.\n\nExample:\n\n    coopctl ledger accounts --tree",
    no_args_is_help=False,
)
app.add_typer(accounts_app, name="accounts")


@accounts_app.callback(invoke_without_command=True)
def accounts(
    ctx: typer.Context,
    tree: Annotated[bool, typer.Option("--tree", help="Indent by hierarchy.")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Balances as of YYYY-MM-DD.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Show the chart of accounts with balances (or add one with `accounts add`).

    Example:

        coopctl ledger accounts --tree --as-of 2026-10-31
    """
    if ctx.invoked_subcommand is not None:
        return
    _show(tree, as_of, fmt)


def _show(tree: bool, as_of: str | None, fmt: str) -> None:
    from coopctl.ledger import service

    with uow("ledger.view") as u:
        rows = service.chart(u, as_of=parse_date_opt(as_of, "--as-of"))
    if tree and fmt == "table":
        for r in rows:
            r["name"] = "  " * r["depth"] + r["name"]
    emit(
        rows,
        fmt,
        columns=None
        if fmt == "json"
        else ["code", "name", "type", "parent", "balance", "manual_allowed", "cash_flow", "active"],
    )


@accounts_app.command("list")
def accounts_list(
    tree: Annotated[bool, typer.Option("--tree", help="Indent by hierarchy.")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Balances as of YYYY-MM-DD.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Show the chart of accounts with balances.

    Example:

        coopctl ledger accounts list --tree
    """
    _show(tree, as_of, fmt)


@accounts_app.command("add")
def accounts_add(
    code: Annotated[str, typer.Argument(help="GL code, e.g. 5510.")],
    name: Annotated[str, typer.Argument(help="Account name.")],
    gl_type: Annotated[str, typer.Option("--type", help="asset|liability|equity|income|expense")],
    parent: Annotated[str | None, typer.Option("--parent", help="Parent GL code.")] = None,
    no_manual: Annotated[bool, typer.Option("--no-manual", help="Refuse manual journals.")] = False,
    cash_flow: Annotated[
        str | None, typer.Option("--cash-flow", help="operating|investing|financing|cash|none")
    ] = None,
    contra: Annotated[
        bool, typer.Option("--contra", help="Contra account (opposite normal side).")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Add a GL account to the chart.

    Example:

        coopctl ledger accounts add 5510 "Generator fuel" --type expense --parent 5000
    """
    from coopctl.core.errors import ValidationError
    from coopctl.ledger import service

    if cash_flow and cash_flow not in ("operating", "investing", "financing", "cash", "none"):
        raise ValidationError(f"--cash-flow: {cash_flow!r} is not a cash-flow category")
    with uow("ledger.accounts") as u:
        gl = service.add_gl_account(
            u,
            code,
            name,
            gl_type,
            parent=parent,
            manual=not no_manual,
            cash_flow=cash_flow,
            contra=contra,
        )
        u.commit()
        emit(
            {
                "code": gl.code,
                "name": gl.name,
                "type": gl.type,
                "parent": parent,
                "balance": "0.00",
                "manual_allowed": gl.manual_allowed,
                "cash_flow": gl.cash_flow,
            },
            fmt,
        )


@accounts_app.command("deactivate")
def accounts_deactivate(code: str, fmt: FormatOpt = "table") -> None:
    """Deactivate a GL account (only at zero balance).

    Example:

        coopctl ledger accounts deactivate 5510
    """
    from coopctl.ledger import service

    with uow("ledger.accounts") as u:
        gl = service.set_active(u, code, False)
        u.commit()
        emit({"code": gl.code, "active": gl.active}, fmt)


@app.command("trial-balance")
def trial_balance(
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Trial balance: each account's net debit or credit; the totals agree.

    Example:

        coopctl ledger trial-balance --as-of 2026-10-31 --format json
    """
    from coopctl.ledger import service

    with uow("ledger.view", read=True) as u:
        tb = service.trial_balance(u, as_of=parse_date_opt(as_of, "--as-of"))
    if fmt == "table":
        tb["rows"].append(
            {
                "gl_code": "",
                "name": "TOTAL",
                "type": "",
                "debit": tb["total_debit"],
                "credit": tb["total_credit"],
            }
        )
    emit(tb, fmt, rows_key="rows", columns=["gl_code", "name", "type", "debit", "credit"])


@app.command("verify")
def verify(fmt: FormatOpt = "table") -> None:
    """Recompute the whole book; exit 6 listing any inconsistency.

    Checks: every posted entry balances, trial balance is zero, member
    balances equal their lines, control accounts equal their sub-ledgers, no
    postings into closed periods, closed-period balance snapshots equal
    their lines, reversal links, audit chain.

    Example:

        coopctl ledger verify --format json
    """
    from coopctl.core import checks
    from coopctl.core.errors import ReviewNeededError

    with uow("ledger.view") as u:
        problems = checks.run(u.session, groups=("ledger", "deposits", "loans"))
    result = {"ok": not problems, "problems": [p.as_dict() for p in problems]}
    emit(result, fmt, rows_key="problems", columns=["check", "detail"])
    if problems:
        raise ReviewNeededError(f"ledger verify found {len(problems)} problem(s)")
    message("books verified: balanced and consistent")


@app.command("close-period")
def close_period(
    month: Annotated[str, typer.Argument(help="YYYY-MM")], fmt: FormatOpt = "table"
) -> None:
    """Close a month: no postings dated in it afterwards.

    Refused while an earlier month is open, entries in it are pending, or
    verify finds a problem.

    Example:

        coopctl ledger close-period 2026-10
    """
    from coopctl.core.clock import parse_month
    from coopctl.ledger import periods

    y, m = parse_month(month, field="YYYY-MM")
    with uow("ledger.close") as u:
        p = periods.close_period(u, y, m)
        u.commit()
        emit(
            {"period": f"{p.year}-{p.month:02d}", "status": p.status, "closed_by": p.closed_by}, fmt
        )


@app.command("reopen-period")
def reopen_period(
    month: Annotated[str, typer.Argument(help="YYYY-MM")],
    reason: Annotated[str, typer.Option("--reason", help="Why (audited).")],
    fmt: FormatOpt = "table",
) -> None:
    """Re-open a closed month (admin only, audited).

    Example:

        coopctl ledger reopen-period 2026-10 --reason "late bank charges"
    """
    from coopctl.core.clock import parse_month
    from coopctl.ledger import periods

    y, m = parse_month(month, field="YYYY-MM")
    with uow("ledger.reopen") as u:
        p = periods.reopen_period(u, y, m, reason)
        u.commit()
        emit({"period": f"{p.year}-{p.month:02d}", "status": p.status}, fmt)


@app.command("rebuild-balances")
def rebuild_balances(fmt: FormatOpt = "table") -> None:
    """Rebuild the per-account balance snapshots of every closed period from its lines.

    Periods are snapshotted when they close (reports read the snapshots of closed
    months and the lines of open ones); run this only when `ledger verify` reports
    a `period_balances` problem.

    Example:

        coopctl ledger rebuild-balances
    """
    from coopctl.ledger import periods

    with uow("ledger.close") as u:
        result = periods.rebuild_balances(u)
        u.commit()
        emit(result, fmt)


@app.command("close-year")
def close_year(
    year: Annotated[int, typer.Argument(help="Fiscal year, e.g. 2026.")], fmt: FormatOpt = "table"
) -> None:
    """Year-end close: income and expense to retained earnings; closes the year's periods.

    Example:

        coopctl ledger close-year 2025
    """
    from coopctl.ledger import periods

    with uow("ledger.close") as u:
        result, net = periods.close_year(u, year)
        u.commit()
        emit(
            {
                "year": year,
                "net_income": net,
                "entry_no": result.entry.entry_no if result else None,
            },
            fmt,
        )
