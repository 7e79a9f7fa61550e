"""``coopctl approvals …``: the one list of pending maker-checker actions."""

from __future__ import annotations

from typing import Annotated

import click
import typer

from coopctl.cli.common import FormatOpt, OtpOpt, emit, message, new_app, uow

app = new_app(
    "Pending maker-checker actions: list, approve, reject, expire.\n\nExample:\n\n"
    "    coopctl approvals list --state pending"
)

STATES = ("pending", "approved", "applied", "rejected", "expired", "failed")
COLUMNS = ["id", "kind", "state", "subject", "amount", "maker", "level", "levels", "expires"]
IdArg = Annotated[str, typer.Argument(help="Approval id (AP00000042, or 42).")]


@app.command("list")
def list_cmd(
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind.")] = None,
    state: Annotated[
        str | None,
        typer.Option("--state", help="Only this state.", click_type=click.Choice(STATES)),
    ] = None,
    mine: Annotated[
        bool, typer.Option("--mine", help="Only pending actions waiting for my decision.")
    ] = False,
    limit: Annotated[int | None, typer.Option("--limit", help="At most N rows.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """List actions of every kind (withdrawals, journals, KYC, write-offs, …).

    Example:

        coopctl approvals list --state pending --mine --format json
    """
    from coopctl.approvals import service

    with uow("approvals.view") as u:
        rows = [
            service.as_dict(a)
            for a in service.list_actions(u, kind=kind, state=state, mine=mine, limit=limit)
        ]
    emit(rows, fmt, columns=COLUMNS)


@app.command("show")
def show(action_id: IdArg, fmt: FormatOpt = "table") -> None:
    """Show one action with its payload and every decision taken on it.

    Example:

        coopctl approvals show AP00000042 --format json
    """
    from coopctl.approvals import service

    with uow("approvals.view") as u:
        data = service.as_dict(service.get(u, action_id), decisions=True)
    emit(data, fmt, rows_key="decisions")


@app.command("approve")
def approve(
    action_id: IdArg,
    otp: OtpOpt = None,
    comment: Annotated[str, typer.Option("--comment", help="Note kept with the decision.")] = "",
    fmt: FormatOpt = "table",
) -> None:
    """Approve the next level of an action; the last level applies it.

    The maker never approves, and one operator approves at most one level.
    Applying re-checks the business rules: when they no longer hold (funds
    gone), the action is recorded failed with the reason and the command exits 5.

    Example:

        coopctl approvals approve AP00000042 --otp 123456 --comment "checked the voucher"
    """
    from coopctl.approvals import service

    with uow(None) as u:
        action = service.approve(u, action_id, otp=otp, comment=comment)
        data = service.as_dict(action)
        u.commit()
    service.raise_if_failed(action)
    message(f"{data['id']}: {data['state']} (level {data['level']} of {data['levels']})")
    emit(data, fmt, columns=COLUMNS)


@app.command("reject")
def reject(
    action_id: IdArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (audited).")],
    fmt: FormatOpt = "table",
) -> None:
    """Reject an action; it moves nothing.

    Example:

        coopctl approvals reject AP00000042 --reason "wrong account"
    """
    from coopctl.approvals import service

    with uow(None) as u:
        data = service.as_dict(service.reject(u, action_id, reason))
        u.commit()
    emit(data, fmt, columns=COLUMNS)


@app.command("expire")
def expire(
    date: Annotated[
        str | None, typer.Option("--date", help="Business date YYYY-MM-DD (default: today).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """End every pending action past its expiry (the nightly job runs this).

    Expired actions move nothing and are audited; running it twice changes
    nothing the second time.

    Example:

        coopctl approvals expire
    """
    from coopctl.approvals import service
    from coopctl.cli.common import parse_date_opt

    with uow("approvals.expire") as u:
        ended = service.expire_actions(u, parse_date_opt(date))
        rows = [service.as_dict(a) for a in ended]
        u.commit()
    message(f"{len(rows)} pending action{'' if len(rows) == 1 else 's'} expired")
    emit(rows, fmt, columns=COLUMNS)
