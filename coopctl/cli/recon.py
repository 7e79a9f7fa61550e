"""``coopctl recon …``: the cooperative's bank accounts (reconciliation comes later)."""

from __future__ import annotations

from typing import Annotated

import typer

from coopctl.cli.common import FormatOpt, emit, new_app, uow

app = new_app("Bank accounts and reconciliation.\n\nExample:\n\n    coopctl recon banks list")
banks_app = new_app("The cooperative's bank accounts.\n\nExample:\n\n    coopctl recon banks list")
app.add_typer(banks_app, name="banks")

BANK_COLS = ["code", "name", "number", "gl_code", "active"]


@banks_app.command("add")
def banks_add(
    code: Annotated[str, typer.Argument(help="Short code, e.g. GTB.")],
    gl: Annotated[str, typer.Option("--gl", help="GL account of this bank (cash category).")],
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
    number: Annotated[str, typer.Option("--number", help="Bank account number.")] = "",
    fmt: FormatOpt = "table",
) -> None:
    """Register a bank account on its GL account (an active, postable cash asset).

    Example:

        coopctl recon banks add GTB --gl 1121 --name "GTBank current" --number 0123456789
    """
    from coopctl.recon import banks

    with uow("banks.manage") as u:
        bank = banks.add_bank(u, code, gl, name=name, number=number)
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
