"""``coopctl accounts …``: member deposit accounts and statements."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coopctl.cli.common import (
    DateOpt,
    DryRunOpt,
    FormatOpt,
    OutputOpt,
    ReportFormatOpt,
    business_date,
    emit,
    message,
    new_app,
    parse_amount,
    parse_date_opt,
    uow,
)

app = new_app(
    "Member accounts and statements.\n\nExample:\n\n    coopctl accounts list --member M00000013"
)

PayoutOpt = Annotated[
    str | None,
    typer.Option("--payout-account", help="Savings account that receives fixed-deposit payouts."),
]
LIST_COLS = ["account_no", "member_no", "product", "type", "status", "balance", "held", "available"]
SHOW_COLS = [*LIST_COLS, "minimum_balance", "opened_on", "closed_on"]


@app.command("open")
def open_(
    member_no: Annotated[str, typer.Argument(help="Member number, e.g. M00000013.")],
    product: Annotated[str, typer.Option("--product", help="Deposit product code, e.g. SAV.")],
    maturity: Annotated[
        str | None,
        typer.Option(
            "--maturity",
            help="Fixed deposits: payout (default), rollover or rollover_principal.",
        ),
    ] = None,
    payout_account: PayoutOpt = None,
    date: DateOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Open a deposit account (zero balance) for a member.

    A fixed deposit takes its maturity instruction: payout (principal and interest
    to savings), rollover (both into a new deposit) or rollover_principal (the
    principal rolls over, the interest is paid out); payouts go to --payout-account
    or the member's [fixed_deposits] payout_product account.

    Example:

        coopctl accounts open M00000013 --product FD90 --maturity rollover_principal
    """
    from coopctl.deposits import accounts

    on = business_date(date)
    with uow("accounts.manage") as u:
        acct = accounts.open_account(
            u, member_no, product, on=on, maturity=maturity, payout_account=payout_account
        )
        u.commit()
        emit(accounts.account_as_dict(u, acct), fmt, columns=None if fmt == "json" else SHOW_COLS)


@app.command("list")
def list_(
    member: Annotated[
        str | None, typer.Option("--member", help="Only this member's accounts.")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="active, dormant, pending or closed.")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """List member accounts.

    Example:

        coopctl accounts list --member M00000013 --format json
    """
    from coopctl.core.errors import ValidationError
    from coopctl.deposits import accounts

    if status is not None and status not in ("active", "dormant", "pending", "closed"):
        raise ValidationError(f"--status: {status!r} is not active, dormant, pending or closed")
    with uow("accounts.view") as u:
        rows = [
            accounts.account_as_dict(u, a)
            for a in accounts.list_accounts(u, member_no=member, status=status)
        ]
        emit(rows, fmt, columns=None if fmt == "json" else LIST_COLS)


@app.command("show")
def show(
    account_no: Annotated[str, typer.Argument(help="Account number, e.g. A0000000013.")],
    fmt: FormatOpt = "table",
) -> None:
    """Show one account: balance, holds, available balance.

    Example:

        coopctl accounts show A0000000013 --format json
    """
    from coopctl.deposits import accounts

    with uow("accounts.view") as u:
        emit(accounts.account_as_dict(u, accounts.show_account(u, account_no)), fmt)


@app.command("close")
def close(
    account_no: Annotated[str, typer.Argument(help="Account to close.")],
    transfer_to: Annotated[
        str | None,
        typer.Option("--transfer-to", help="Move the balance to this account first."),
    ] = None,
    date: DateOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Close an account at zero balance (or after moving its balance with --transfer-to).

    Example:

        coopctl accounts close A0000000021 --transfer-to A0000000013
    """
    from coopctl.deposits import accounts

    on = business_date(date)
    with uow("accounts.manage") as u:
        acct, result = accounts.close_account(u, account_no, transfer_to=transfer_to, on=on)
        u.commit()
        data = accounts.account_as_dict(u, acct)
        data["transfer_entry_no"] = result.entry_no if result else None
        if result:
            message(f"balance moved by {result.entry_no}")
        emit(data, fmt, columns=None if fmt == "json" else SHOW_COLS)


@app.command("notice", context_settings={"ignore_unknown_options": True})
def notice(
    account_no: Annotated[str, typer.Argument(help="Account number, e.g. A0000000013.")],
    amount: Annotated[str, typer.Argument(help="Amount the member means to withdraw.")],
    date: DateOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Record a member's notice of withdrawal (products with notice days).

    One withdrawal of at most AMOUNT may be made from the day the notice matures
    (--date + the product's notice days) until 30 days later; it uses the notice up.

    Example:

        coopctl accounts notice A0000000013 50,000 --date 2026-11-01
    """
    from coopctl.deposits import notices

    amt = parse_amount(amount, "AMOUNT")
    on = parse_date_opt(date)
    with uow("teller.post") as u:
        data = notices.give_notice(u, account_no, amt, on=on)
        u.commit()
        message(f"notice {data['notice_id']} matures on {data['matures_on']}")
        emit(data, fmt)


@app.command("interest")
def interest(
    month: Annotated[str, typer.Option("--month", help="Calendar month YYYY-MM (ended).")],
    dry_run: DryRunOpt = False,
    fmt: FormatOpt = "table",
) -> None:
    """Compute and post savings interest for an ended month (net of WHT).

    One entry per account (Dr interest expense, Cr the account net, Cr WHT
    payable), dated the month's last day; a second run posts nothing.

    Example:

        coopctl accounts interest --month 2026-06 --dry-run
    """
    from coopctl.deposits import interest_service

    with uow("deposits.interest") as u:
        data = interest_service.run_interest(u, month, dry_run=dry_run)
        if dry_run:
            message(f"dry run: {len(data['accounts'])} account(s), nothing written")
        else:
            u.commit()
            if data["posted"] == 0:
                why = (
                    f"{data['skipped_existing']} account(s) already credited"
                    if data["skipped_existing"]
                    else "no interest due"
                )
                message(f"nothing posted for {data['month']}: {why}")
            else:
                message(f"posted {data['posted']} interest entr(ies) for {data['month']}")
        emit(data, fmt, columns=interest_service.COLUMNS, rows_key="accounts")


@app.command("statement")
def statement(
    account_no: Annotated[str, typer.Argument(help="Account number.")],
    from_: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Statement of an account: opening balance, lines with running balance, closing.

    Example:

        coopctl accounts statement A0000000013 --from 2026-01-01 --format pdf -o st.pdf
    """
    import os
    import sys

    from coopctl.cli.common import require_output
    from coopctl.deposits.statements import build_statement
    from coopctl.reports.builders.common import render_meta
    from coopctl.reports.render import render

    require_output(fmt, output)
    start = parse_date_opt(from_, "--from")
    end = parse_date_opt(to, "--to")
    with uow("accounts.view", read=True) as u:
        report = build_statement(u, account_no, start=start, end=end)
        meta = render_meta(u)
    console = None
    if fmt == "table":
        from rich.console import Console

        tty = sys.stdout.isatty()
        console = Console(no_color=bool(os.environ.get("NO_COLOR")) or not tty,
                          width=None if tty else 160, highlight=False)  # fmt: skip
    if output is not None:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
    text = render(report, fmt, output=output, console=console, **meta)
    if text is not None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    elif output is not None:
        message(f"wrote {output}")


@app.command("maturity")
def maturity(
    account_no: Annotated[str, typer.Argument(help="Fixed deposit, e.g. A0000000021.")],
    instruction: Annotated[
        str,
        typer.Option("--instruction", help="payout, rollover or rollover_principal."),
    ],
    payout_account: PayoutOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Change a fixed deposit's maturity instruction (until it matures).

    Example:

        coopctl accounts maturity A0000000021 --instruction rollover
    """
    from coopctl.deposits import accounts, fixed_deposits

    with uow("accounts.manage") as u:
        acct = fixed_deposits.set_instruction(u, account_no, instruction, payout_account)
        u.commit()
        emit(accounts.account_as_dict(u, acct), fmt)


def _fd_pdf(account_no: str, output: Path, kind: str) -> None:
    from coopctl.deposits import fd_documents as docs

    with uow("accounts.view") as u:
        if kind == "certificate":
            data, template = docs.certificate_data(u, account_no), docs.CERTIFICATE
        else:
            data, template = docs.advice_data(u, account_no), docs.ADVICE
        docs.render(u, template, data, Path(output))
    message(f"wrote {output}")


@app.command("certificate")
def certificate(
    account_no: Annotated[str, typer.Argument(help="Fixed deposit, e.g. A0000000021.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="PDF file to write.")],
) -> None:
    """Certificate of deposit of a placed fixed deposit, as PDF.

    Example:

        coopctl accounts certificate A0000000021 -o cd-A0000000021.pdf
    """
    _fd_pdf(account_no, output, "certificate")


@app.command("advice")
def advice(
    account_no: Annotated[str, typer.Argument(help="Matured fixed deposit.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="PDF file to write.")],
) -> None:
    """Maturity advice of a matured fixed deposit (interest, WHT, where it went), as PDF.

    Example:

        coopctl accounts advice A0000000021 -o advice-A0000000021.pdf
    """
    _fd_pdf(account_no, output, "advice")


def _register_dormancy() -> None:
    """``accounts reactivate`` lives in ``coopctl.cli.accounts_dormancy``."""
    from coopctl.cli import accounts_dormancy

    accounts_dormancy.register(app)


_register_dormancy()
