"""``coopctl accounts reactivate``: bring a dormant account back (maker-checker).

:func:`register` is called by ``coopctl.cli.accounts``. The report of dormant and
unclaimed balances is ``coopctl reports dormant``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from coopctl.cli.common import FormatOpt, emit, message, uow


def reactivate(
    account_no: Annotated[str, typer.Argument(help="Account number, e.g. A0000000013.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why (e.g. member came in with valid ID).")
    ] = "",
    fmt: FormatOpt = "table",
) -> None:
    """Ask for a dormant account's reactivation; a different manager or admin approves it
    with `approvals approve ID`, then withdrawals and transfers out are allowed again.

    Example:

        coopctl accounts reactivate A0000000013 --reason "member visited with valid ID"
    """
    from coopctl.deposits import accounts
    from coopctl.deposits.dormancy import request_reactivation

    with uow("accounts.reactivate") as u:
        acct, action = request_reactivation(u, account_no, reason=reason)
        data = accounts.account_as_dict(u, acct)
        data["approval"] = action.action_no if action is not None else None
        u.commit()
    if action is None:
        message(f"account {data['account_no']} reactivated")
    else:
        message(
            f"reactivation of {data['account_no']} awaits approval: "
            f"coopctl approvals approve {action.action_no}"
        )
    emit(data, fmt)


def register(app: typer.Typer) -> None:
    app.command("reactivate")(reactivate)
