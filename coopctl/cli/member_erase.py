"""``coopctl members erase``: destroy a former member's personal data after retention.

:func:`register_erase` is called by ``coopctl.cli.members``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from coopctl.cli.common import DryRunOpt, FormatOpt, emit, message, uow


def _flat(data: dict[str, Any]) -> dict[str, Any]:
    """Table/CSV: one line per store destroyed beside the member's fields."""
    out = {k: v for k, v in data.items() if k != "destroyed"}
    out.update({f"destroyed_{k}": v for k, v in data["destroyed"].items()})
    return out


def erase(
    member_no: Annotated[str, typer.Argument(help="Member number, e.g. M00000013.")],
    dry_run: DryRunOpt = False,
    fmt: FormatOpt = "table",
) -> None:
    """Erase a former member's personal data (NDPA 2023): names, phone, e-mail, BVN, NIN,
    date of birth, address and documents are destroyed; the member number, accounts and
    every journal line stay. Only a member who exited more than [members] retention_years
    ago; stored pending for a second manager (`approvals approve ID`).

    Example:

        coopctl members erase M00000013 --dry-run
    """
    from coopctl.members.erasure import request_erasure

    with uow("members.erase") as u:
        data = request_erasure(u, member_no, dry_run=dry_run)
        if not dry_run:
            u.commit()
    if dry_run:
        message("dry run: nothing written")
    elif data["state"] == "pending":
        message(
            f"erasure of {data['member_no']} awaits approval: "
            f"coopctl approvals approve {data['approval']}"
        )
    else:
        message(f"member {data['member_no']}: personal data erased")
    emit(data if fmt == "json" else _flat(data), fmt)


def register_erase(app: typer.Typer) -> None:
    app.command("erase")(erase)
