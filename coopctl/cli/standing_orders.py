"""``coopctl standing-orders …``: members' recurring instructions (paid by the nightly job)."""

from __future__ import annotations

from typing import Annotated, Any

import click
import typer

from coopctl.cli.common import FormatOpt, emit, new_app, parse_amount, parse_date_opt, uow

app = new_app(
    "Members' standing orders: savings to shares, to a savings target, to a loan, to "
    "another member; paid by the nightly job.\n\nExample:\n\n"
    "    coopctl standing-orders add A0000000013 --to-account A0000000021 "
    "--amount 5000 --every monthly --day 25"
)

COLUMNS = [
    "id",
    "member_no",
    "from_account",
    "to_account",
    "loan_no",
    "amount",
    "amount_due",
    "schedule",
    "priority",
    "on_short",
    "status",
    "next_due",
]
IdArg = Annotated[int, typer.Argument(help="Standing order id.", click_type=click.IntRange(min=1))]
STATUSES = ("active", "paused", "cancelled", "ended")


@app.command("add")
def add(
    from_account: Annotated[str, typer.Argument(help="The member's savings account paying.")],
    to_account: Annotated[
        str | None, typer.Option("--to-account", help="Savings or shares account paid into.")
    ] = None,
    loan: Annotated[
        str | None, typer.Option("--loan", help="The member's loan repaid (instead).")
    ] = None,
    amount: Annotated[str | None, typer.Option("--amount", help="Fixed amount each time.")] = None,
    amount_due: Annotated[
        bool, typer.Option("--amount-due", help="With --loan: whatever is due on the due date.")
    ] = False,
    every: Annotated[
        str,
        typer.Option(
            "--every",
            help="How often: monthly or weekly.",
            click_type=click.Choice(("monthly", "weekly")),
        ),
    ] = "monthly",
    day: Annotated[
        int | None,
        typer.Option(
            "--day",
            help="Monthly: day of month 1-31 (31 = the last day); weekly: 1=Monday..7=Sunday. "
            "Default: the start date's day.",
        ),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="First day it may pay (default: today).")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last day it may fall due.")] = None,
    priority: Annotated[
        int, typer.Option("--priority", help="Among the member's orders: 1 is paid first (1-99).")
    ] = 50,
    on_short: Annotated[
        str,
        typer.Option(
            "--on-short",
            help="Funds short: skip (pay nothing, retry) or partial (pay what is available).",
            click_type=click.Choice(("skip", "partial")),
        ),
    ] = "skip",
    narration: Annotated[
        str, typer.Option("--narration", help="Text on each entry (default: order and due date).")
    ] = "",
    fmt: FormatOpt = "table",
) -> None:
    """Record a member's standing order (teller; paying another member's account: manager).

    Example:

        coopctl standing-orders add A0000000013 --to-account A0000000021 --amount 5000 --day 25
        coopctl standing-orders add A0000000013 --loan L00000019 --amount-due --day 28
    """
    from coopctl.standing_orders import service

    value = parse_amount(amount, "--amount") if amount is not None else None
    with uow("standing_orders.manage") as u:
        order = service.add(
            u,
            from_account,
            to_account=to_account,
            loan_no=loan,
            amount=value,
            amount_due=amount_due,
            every=every,
            day=day,
            start=parse_date_opt(start, "--start"),
            end=parse_date_opt(end, "--end"),
            priority=priority,
            on_short=on_short,
            narration=narration,
        )
        data = service.as_dict(u, order)
        u.commit()
    emit(data, fmt)


@app.command("list")
def list_cmd(
    member: Annotated[str | None, typer.Option("--member", help="Only this member's.")] = None,
    account: Annotated[
        str | None, typer.Option("--account", help="Only orders paying from or into it.")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="Only this status.", click_type=click.Choice(STATUSES)),
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """List standing orders, each member's in the order they are paid.

    Example:

        coopctl standing-orders list --member M00000017 --status active
    """
    from coopctl.standing_orders import service

    with uow("accounts.view") as u:
        rows = service.list_orders(u, member_no=member, account_no=account, status=status)
    emit(rows, fmt, columns=COLUMNS)


@app.command("show")
def show(order_id: IdArg, fmt: FormatOpt = "table") -> None:
    """Show an order and what happened to each of its due dates.

    Example:

        coopctl standing-orders show 7 --format json
    """
    from coopctl.standing_orders import service

    with uow("accounts.view") as u:
        data = service.show(u, order_id)
    emit(data, fmt, rows_key="runs")


def _change(action: str, order_id: int, fmt: str) -> None:
    from coopctl.standing_orders import service

    fn: Any = getattr(service, action)
    with uow("standing_orders.manage") as u:
        data = service.as_dict(u, fn(u, order_id))
        u.commit()
    emit(data, fmt)


@app.command("pause")
def pause(order_id: IdArg, fmt: FormatOpt = "table") -> None:
    """Stop paying an order until it is resumed (due dates meanwhile are not collected).

    Example:

        coopctl standing-orders pause 7
    """
    _change("pause", order_id, fmt)


@app.command("resume")
def resume(order_id: IdArg, fmt: FormatOpt = "table") -> None:
    """Pay a paused order again, from today's due dates on.

    Example:

        coopctl standing-orders resume 7
    """
    _change("resume", order_id, fmt)


@app.command("cancel")
def cancel(order_id: IdArg, fmt: FormatOpt = "table") -> None:
    """End an order for good (a new instruction is a new order).

    Example:

        coopctl standing-orders cancel 7
    """
    _change("cancel", order_id, fmt)
