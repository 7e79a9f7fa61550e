"""``coopctl members exit | exit-approve | exit-reject``: a member leaves the cooperative.

:func:`register_exit` is called by ``coopctl.cli.members``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from coopctl.cli.common import DryRunOpt, FormatOpt, OtpOpt, emit, message, uow

ACCOUNT_COLS = ["account_no", "product", "type", "balance", "penalty"]


def _emit(data: dict[str, Any], fmt: str) -> None:
    emit(data, fmt, rows_key="accounts", columns=None if fmt == "json" else ACCOUNT_COLS)


def exit_(
    member_no: Annotated[str, typer.Argument(help="Member number.")],
    to_account_bank: Annotated[
        str | None, typer.Option("--to-account-bank", help="Refund through this bank account.")
    ] = None,
    cash: Annotated[bool, typer.Option("--cash", help="Refund in cash.")] = False,
    dry_run: DryRunOpt = False,
    fmt: FormatOpt = "table",
) -> None:
    """Settle a member's exit: offset loans against savings and shares, refund the rest
    (default: to Members' refunds payable, GL 2260), close the accounts, mark the member
    exited. Stored pending for a second manager (members exit-approve) by default.

    Example:

        coopctl members exit M00000013 --cash --dry-run
    """
    from coopctl.workflows.member_exit import request_exit

    with uow("members.exit") as u:
        data = request_exit(u, member_no, cash=cash, bank=to_account_bank, dry_run=dry_run)
        if dry_run:
            message("dry run: nothing written")
        else:
            u.commit()
            if data["status"] == "pending":
                message(
                    f"exit request {data['request_id']}: approve with "
                    f"`coopctl members exit-approve {data['request_id']}`"
                )
        _emit(data, fmt)


def exit_approve(
    request_id: Annotated[str, typer.Argument(help="Exit request number, e.g. X00000013.")],
    otp: OtpOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Approve and execute a pending member exit (not by the operator who requested it).

    Example:

        coopctl members exit-approve X00000013
    """
    from coopctl.approvals.service import raise_if_failed
    from coopctl.workflows.member_exit import approve_exit

    with uow("postings.approve") as u:
        data, action = approve_exit(u, request_id, otp=otp)
        u.commit()
    raise_if_failed(action)
    if data["status"] == "exited":
        message(
            f"member {data['member_no']} has exited; refund {data['refund']} ({data['channel']})"
        )
    _emit(data, fmt)


def exit_reject(
    request_id: Annotated[str, typer.Argument(help="Exit request number.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (audited).")],
    fmt: FormatOpt = "table",
) -> None:
    """Reject a pending member exit; nothing moves.

    Example:

        coopctl members exit-reject X00000013 --reason "loan dispute"
    """
    from coopctl.workflows.member_exit import reject_exit

    with uow("postings.approve") as u:
        data = reject_exit(u, request_id, reason)
        u.commit()
        _emit(data, fmt)


def register_exit(app: typer.Typer) -> None:
    """Add ``exit``, ``exit-approve`` and ``exit-reject`` to the ``members`` app."""
    app.command("exit")(exit_)
    app.command("exit-approve")(exit_approve)
    app.command("exit-reject")(exit_reject)
