"""Teller postings added to ``coopctl postings``: deposit, withdraw, transfer.
:func:`register` is called by ``coopctl.cli.postings``; the payroll check-off import
(``postings import``) is in :mod:`coopctl.cli.checkoff`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from coopctl.cli.common import FormatOpt, business_date, message, parse_amount, uow

# "-5" must reach AMOUNT (and be refused there, naming the field), not be taken for an option.
_CTX = {"ignore_unknown_options": True}

DateO = Annotated[
    str | None, typer.Option("--date", help="Business date YYYY-MM-DD (default today).")
]
RefO = Annotated[str, typer.Option("--ref", help="External reference (slip, cheque, bank ref).")]
NarrO = Annotated[str, typer.Option("--narration", help="Text on the entry and statement.")]
KeyO = Annotated[
    str | None, typer.Option("--key", help="Idempotency key: a repeat with it posts nothing.")
]
BankO = Annotated[
    str | None,
    typer.Option("--bank", help="Bank account code the money moved through (default cash)."),
]


def _show(result: Any, fmt: str) -> None:
    from coopctl.cli.entry_view import show_entry

    if result.pending:
        message(f"{result.entry_no} is pending approval by a second operator; no balance moved")
    show_entry(result.entry, fmt, created=result.created)


def deposit(
    account_no: Annotated[str, typer.Argument(help="Account number, e.g. A0000000013.")],
    amount: Annotated[str, typer.Argument(help="Amount, e.g. 10,000.50.")],
    date: DateO = None,
    ref: RefO = "",
    narration: NarrO = "",
    key: KeyO = None,
    bank: BankO = None,
    fmt: FormatOpt = "table",
) -> None:
    """Pay money into a member's deposit account (cash, or --bank CODE).

    Example:

        coopctl postings deposit A0000000013 10,000.50 --ref SLIP-0042
    """
    from coopctl.deposits import teller

    amt = parse_amount(amount, "AMOUNT")
    on = business_date(date)
    with uow("teller.post") as u:
        res = teller.deposit(u, account_no, amt, on=on, ref=ref, narration=narration, key=key,
                             bank=bank)  # fmt: skip
        u.commit()
        _show(res, fmt)


def withdraw(
    account_no: Annotated[str, typer.Argument(help="Account number.")],
    amount: Annotated[str, typer.Argument(help="Amount, e.g. 2000.")],
    date: DateO = None,
    ref: RefO = "",
    narration: NarrO = "",
    key: KeyO = None,
    bank: BankO = None,
    fmt: FormatOpt = "table",
) -> None:
    """Pay money out of a member's account (pending for a checker from the threshold).

    Example:

        coopctl postings withdraw A0000000013 2000 --ref WD-0007
    """
    from coopctl.deposits import teller

    amt = parse_amount(amount, "AMOUNT")
    on = business_date(date)
    with uow("teller.post") as u:
        res = teller.withdraw(u, account_no, amt, on=on, ref=ref, narration=narration, key=key,
                              bank=bank)  # fmt: skip
        u.commit()
        _show(res, fmt)


def transfer(
    from_account: Annotated[str, typer.Argument(help="Account paying.")],
    to_account: Annotated[str, typer.Argument(help="Account receiving.")],
    amount: Annotated[str, typer.Argument(help="Amount.")],
    date: DateO = None,
    ref: RefO = "",
    narration: NarrO = "",
    key: KeyO = None,
    fmt: FormatOpt = "table",
) -> None:
    """Move money between two deposit accounts (pending for a checker from the threshold).

    Example:

        coopctl postings transfer A0000000013 A0000000021 5000 --narration "buy shares"
    """
    from coopctl.deposits import teller

    amt = parse_amount(amount, "AMOUNT")
    on = business_date(date)
    with uow("teller.post") as u:
        res = teller.transfer(u, from_account, to_account, amt, on=on, ref=ref,
                              narration=narration, key=key)  # fmt: skip
        u.commit()
        _show(res, fmt)


def register(app: typer.Typer) -> None:
    """Add the teller commands to the ``postings`` app."""
    app.command("deposit", context_settings=_CTX)(deposit)
    app.command("withdraw", context_settings=_CTX)(withdraw)
    app.command("transfer", context_settings=_CTX)(transfer)
