"""``coopctl loans guarantors …``: add, accept, decline and list a loan's guarantors.

Added to the ``loans`` sub-app by :mod:`coopctl.cli.loans`. Top-level imports stay
light: the service (SQLAlchemy) is imported when a command runs.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from coopctl.cli.common import FormatOpt, emit, message, new_app, parse_amount, uow

guarantors_app = new_app(
    "Guarantors of a loan application: add, accept, decline, list.\n\nExample:\n\n"
    "    coopctl loans guarantors add L00000019 M00000024 --amount 250000"
)

LoanNoArg = Annotated[str, typer.Argument(help="Loan number, e.g. L00000019.")]
MemberNoArg = Annotated[str, typer.Argument(help="Member number, e.g. M00000013.")]


# --- guarantors ----------------------------------------------------------------------------
def _guarantor_out(u: Any, loan_no: str, fmt: str) -> None:
    from coopctl.loans import guarantors
    from coopctl.loans.common import get_loan

    loan = get_loan(u, loan_no)
    rows = guarantors.as_dicts(u, loan)
    needed = guarantors.coverage_failures(u, loan)
    if fmt == "json":
        emit({"loan_no": loan.loan_no, "guarantors": rows, "shortfall": needed}, fmt)
    else:
        emit(rows, fmt, columns=["member_no", "amount", "status", "held", "recovered"])
        for line in needed:
            message(f"still needed: {line}")


@guarantors_app.command("add")
def guarantors_add(
    loan_no: LoanNoArg,
    member_no: MemberNoArg,
    amount: Annotated[str, typer.Option("--amount", help="Amount guaranteed.")],
    fmt: FormatOpt = "table",
) -> None:
    """Ask a member to guarantee part of an application.

    Example:

        coopctl loans guarantors add L00000019 M00000024 --amount 250000
    """
    from coopctl.loans import guarantors

    amt = parse_amount(amount, "--amount")
    with uow("loans.apply") as u:
        guarantors.add(u, loan_no, member_no, amt)
        u.commit()
        _guarantor_out(u, loan_no, fmt)


@guarantors_app.command("accept")
def guarantors_accept(loan_no: LoanNoArg, member_no: MemberNoArg, fmt: FormatOpt = "table") -> None:
    """Record that the guarantor accepted (signed) the guarantee.

    Example:

        coopctl loans guarantors accept L00000019 M00000024
    """
    from coopctl.loans import guarantors

    with uow("loans.apply") as u:
        guarantors.decide(u, loan_no, member_no, accept=True)
        u.commit()
        _guarantor_out(u, loan_no, fmt)


@guarantors_app.command("decline")
def guarantors_decline(
    loan_no: LoanNoArg, member_no: MemberNoArg, fmt: FormatOpt = "table"
) -> None:
    """Record that the guarantor declined.

    Example:

        coopctl loans guarantors decline L00000019 M00000024
    """
    from coopctl.loans import guarantors

    with uow("loans.apply") as u:
        guarantors.decide(u, loan_no, member_no, accept=False)
        u.commit()
        _guarantor_out(u, loan_no, fmt)


@guarantors_app.command("list")
def guarantors_list(loan_no: LoanNoArg, fmt: FormatOpt = "table") -> None:
    """List a loan's guarantors and what the product still needs.

    Example:

        coopctl loans guarantors list L00000019
    """
    with uow("loans.view") as u:
        _guarantor_out(u, loan_no, fmt)
