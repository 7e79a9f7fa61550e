"""``coopctl loans …``: quote, apply, guarantors, approve, disburse, repay, show, penalties,
write-off, recovery and rescheduling.

Top-level imports stay light: services (SQLAlchemy) are imported inside commands.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from coopctl.cli.common import (
    DateOpt,
    FormatOpt,
    OtpOpt,
    business_date,
    emit,
    message,
    new_app,
    parse_amount,
    parse_date_opt,
    uow,
)

app = new_app(
    "Loans: quote, apply, approve, disburse, repay, aging.\n\nExample:\n\n"
    "    coopctl loans quote --product LN-DEI --amount 1000000 --term 12"
)

LoanNoArg = Annotated[str, typer.Argument(help="Loan number, e.g. L00000019.")]
MemberNoArg = Annotated[str, typer.Argument(help="Member number, e.g. M00000013.")]
SCHEDULE_COLS = ["no", "due_date", "principal", "interest", "fees", "total", "balance"]
LOAN_SCHEDULE_COLS = ["no", "due_date", "principal", "interest", "fees", "penalty", "total",
                      "paid", "unpaid", "paid_on"]  # fmt: skip


def _show(data: dict[str, Any], fmt: str) -> None:
    """One record: the shared record renderer (table: key/value, empty fields left out)."""
    emit(data, fmt)


def _int(value: str, field: str) -> int:
    from coopctl.core.errors import ValidationError

    text = value.strip()
    if not text.lstrip("-").isdigit():
        raise ValidationError(f"{field}: {value!r} is not a whole number")
    return int(text)


@app.command("quote")
def quote(
    amount: Annotated[str, typer.Option("--amount", help="Principal, e.g. 1,000,000.")],
    term: Annotated[str, typer.Option("--term", help="Number of installments.")],
    product: Annotated[
        str,
        typer.Option(
            "--product", help="Loan product code (default LN-DEI, declining equal installment)."
        ),
    ] = "LN-DEI",
    start: Annotated[
        str | None, typer.Option("--start", help="Disbursement date YYYY-MM-DD (default today).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Preview a loan's repayment schedule; nothing is written.

    Without --product the default declining-balance product (LN-DEI) is used.

    Example:

        coopctl loans quote --product LN-DEI --amount 1000000 --term 12
    """
    from coopctl.loans.queries import quote_dict

    amt = parse_amount(amount, "--amount")
    n = _int(term, "--term")
    d = parse_date_opt(start, "--start")
    with uow("loans.view") as u:
        data = quote_dict(u, product, amt, n, d)
    emit(data, fmt, rows_key="installments", columns=SCHEDULE_COLS)


@app.command("apply")
def apply(
    member_no: MemberNoArg,
    product: Annotated[str, typer.Option("--product", help="Loan product code.")],
    amount: Annotated[str, typer.Option("--amount", help="Principal asked for.")],
    term: Annotated[str, typer.Option("--term", help="Number of installments.")],
    purpose: Annotated[str, typer.Option("--purpose", help="What the loan is for.")] = "",
    fmt: FormatOpt = "table",
) -> None:
    """Enter a loan application; every eligibility rule is checked and all failures listed.

    Example:

        coopctl loans apply M00000013 --product LN-DEI --amount 500000 --term 12 --purpose Fees
    """
    from coopctl.loans import service

    amt = parse_amount(amount, "--amount")
    n = _int(term, "--term")
    with uow("loans.apply") as u:
        loan = service.apply(u, member_no, product, amt, n, purpose=purpose)
        u.commit()
        data = service.loan_summary(u, loan)
    message(f"application {data['loan_no']} entered; it needs guarantors and committee approval")
    _show(data, fmt)


# --- committee -------------------------------------------------------------------------------
@app.command("approve")
def approve(
    loan_no: LoanNoArg,
    comment: Annotated[str, typer.Option("--comment", help="Committee remark.")] = "",
    fmt: FormatOpt = "table",
) -> None:
    """Approve an application as a committee member (not its officer, once per person).

    Example:

        coopctl loans approve L00000019 --comment "Good repayment history"
    """
    from coopctl.loans import service

    with uow("loans.approve") as u:
        res = service.approve(u, loan_no, comment=comment)
        u.commit()
        data = service.loan_summary(u, res.loan)
    data.update(approvals=res.approvals, approvals_needed=res.needed)
    if res.loan.status == "approved":
        message(
            f"loan {data['loan_no']} approved ({res.approvals}/{res.needed}); "
            "guarantees are now held"
        )
    else:
        message(f"approval {res.approvals}/{res.needed} recorded for {data['loan_no']}")
    _show(data, fmt)


@app.command("reject")
def reject(
    loan_no: LoanNoArg,
    reason: Annotated[str, typer.Option("--reason", help="Why the application is refused.")],
    fmt: FormatOpt = "table",
) -> None:
    """Reject an application (before disbursement); guarantees are freed.

    Example:

        coopctl loans reject L00000019 --reason "Insufficient income"
    """
    from coopctl.loans import service

    with uow("loans.approve") as u:
        loan = service.reject(u, loan_no, reason)
        u.commit()
        data = service.loan_summary(u, loan)
    _show(data, fmt)


# --- money -----------------------------------------------------------------------------------
@app.command("disburse")
def disburse(
    loan_no: LoanNoArg,
    date: DateOpt = None,
    to_account: Annotated[
        str | None,
        typer.Option("--to-account", help="Borrower's savings account (default: their savings)."),
    ] = None,
    bank: Annotated[str | None, typer.Option("--bank", help="Pay out through this bank.")] = None,
    cash: Annotated[bool, typer.Option("--cash", help="Pay out in cash.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Pay out an approved loan and fix its schedule from the disbursement date.

    Example:

        coopctl loans disburse L00000019 --date 2026-11-28
    """
    from coopctl.ledger.posting import entry_as_dict
    from coopctl.loans import service

    d = business_date(date)
    with uow("loans.disburse") as u:
        loan, res = service.disburse(u, loan_no, on=d, to_account=to_account, bank=bank, cash=cash)
        u.commit()
        data = service.loan_summary(u, loan)
        data["entry"] = entry_as_dict(res.entry)
    message(f"loan {data['loan_no']} disbursed: {data['entry']['entry_no']}")
    _show(data, fmt)


@app.command("repay")
def repay(
    loan_no: LoanNoArg,
    amount: Annotated[str, typer.Argument(help="Amount received.")],
    date: DateOpt = None,
    from_account: Annotated[
        str | None,
        typer.Option("--from-account", help="Take it from the borrower's savings account."),
    ] = None,
    bank: Annotated[str | None, typer.Option("--bank", help="Received through this bank.")] = None,
    ref: Annotated[str, typer.Option("--ref", help="Receipt reference.")] = "",
    key: Annotated[str | None, typer.Option("--key", help="Idempotency key.")] = None,
    backdate: Annotated[
        bool,
        typer.Option(
            "--backdate", help="Allow a date before the last repayment (reverse and replay)."
        ),
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Take a repayment (cash by default) and allocate it by the product's order.

    Example:

        coopctl loans repay L00000019 94559.60 --ref RCPT-1042
    """
    from coopctl.loans.repayment import repay as repay_service

    amt = parse_amount(amount, "AMOUNT")
    d = business_date(date)
    with uow("loans.repay") as u:
        res = repay_service(
            u,
            loan_no,
            amt,
            on=d,
            from_account=from_account,
            bank=bank,
            ref=ref,
            key=key,
            backdate=backdate,
        )
        if res.created:
            u.commit()
        data = _repay_dict(res)
    _show(data, fmt)


def _repay_dict(res: Any) -> dict[str, Any]:
    rep, loan, plan = res.repayment, res.loan, res.plan
    data: dict[str, Any] = {
        "loan_no": loan.loan_no,
        "status": loan.status,
        "date": rep.business_date,
        "amount": rep.amount,
        "entry_no": res.entry.entry_no if res.entry else None,
        "recovery": rep.recovery,
        "overpayment": rep.overpayment,
        "outstanding_principal": loan.account.balance if loan.account else None,
        "created": res.created,
    }
    if plan is not None:
        for comp in ("principal", "interest", "fees", "penalty"):
            data[comp] = plan.total(comp)
        data["allocations"] = [
            {"installment": p.no, "component": p.component, "amount": p.amount}
            for p in plan.portions
        ]
    data["replayed"] = [{"date": r.business_date, "amount": r.amount} for r in res.replayed]
    return data


# --- read side -------------------------------------------------------------------------------
@app.command("schedule")
def schedule(
    loan_no: LoanNoArg,
    history: Annotated[
        bool, typer.Option("--history", help="Also show superseded installments (JSON).")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Show a loan's schedule with what has been paid on each installment.

    Example:

        coopctl loans schedule L00000019 --format json
    """
    from coopctl.loans.queries import schedule_of

    with uow("loans.view") as u:
        data = schedule_of(u, loan_no, history=history)
    cols = SCHEDULE_COLS if data.get("projected") else LOAN_SCHEDULE_COLS
    emit(data, fmt, rows_key="installments", columns=cols)


@app.command("show")
def show(
    loan_no: LoanNoArg,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Aging date (default: business date).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Show a loan: status, outstanding principal, arrears, days past due, CBN class.

    Example:

        coopctl loans show L00000019 --format json
    """
    from coopctl.loans.queries import show as show_service

    d = parse_date_opt(as_of, "--as-of")
    with uow("loans.view") as u:
        data = show_service(u, loan_no, d)
    _show(data, fmt)


@app.command("list")
def list_(
    status: Annotated[
        str | None,
        typer.Option("--status", help="applied|approved|active|closed|written_off|rejected"),
    ] = None,
    cls: Annotated[
        str | None,
        typer.Option(
            "--class", help="performing|pass_and_watch|substandard|doubtful|lost (active loans)"
        ),
    ] = None,
    member: Annotated[str | None, typer.Option("--member", help="Member number.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """List loans, optionally by status, CBN class or member.

    Example:

        coopctl loans list --status active --class substandard
    """
    from coopctl.loans.queries import list_loans

    with uow("loans.view") as u:
        rows = list_loans(u, status=status, cls=cls, member_no=member)
    emit(rows, fmt)


# --- penalties, write-off, recovery, reschedule ------------------------------------------------
@app.command("penalize")
def penalize(
    date: DateOpt = None,
    loan: Annotated[str | None, typer.Option("--loan", help="Only this loan.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Charge late-payment penalties due up to a date (once per loan and period).

    Example:

        coopctl loans penalize --date 2026-11-30
    """
    from coopctl.loans.penalties import penalize as penalize_service

    d = business_date(date)
    with uow("loans.manage") as u:
        run = penalize_service(u, d, loan_no=loan)
        u.commit()
    if run.skipped and not run.charges:
        message("already done: every penalty period up to this date was charged before")
    _show(run.as_dict(), fmt)


@app.command("writeoff")
def writeoff(
    loan_no: LoanNoArg,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (request or decline).")
    ] = None,
    approve_: Annotated[
        bool, typer.Option("--approve", help="Approve the pending request.")
    ] = False,
    decline: Annotated[
        bool, typer.Option("--decline", help="Decline the pending request.")
    ] = False,
    otp: OtpOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Request a write-off (maker), or --approve / --decline it (a different manager).

    Example:

        coopctl loans writeoff L00000019 --reason "Member absconded"
    """
    from coopctl.approvals.service import raise_if_failed
    from coopctl.core.errors import ValidationError
    from coopctl.loans import writeoff as wo
    from coopctl.loans.common import get_loan

    if approve_ and decline:
        raise ValidationError("--approve and --decline: choose one")
    action = None
    with uow("loans.writeoff") as u:
        if approve_:
            req, action = wo.approve_writeoff(u, loan_no, otp=otp)
        elif decline:
            req = wo.decline_writeoff(u, loan_no, reason or "")
        else:
            if not reason:
                raise ValidationError("--reason: required to request a write-off")
            req = wo.request_writeoff(u, loan_no, reason)
        u.commit()
        data = wo.writeoff_as_dict(req, get_loan(u, loan_no))
    raise_if_failed(action)
    _show(data, fmt)


@app.command("recover-from-guarantors")
def recover_from_guarantors(
    loan_no: LoanNoArg, date: DateOpt = None, fmt: FormatOpt = "table"
) -> None:
    """Take what is owed from the guarantors' savings, in proportion to their guarantees.

    Example:

        coopctl loans recover-from-guarantors L00000019
    """
    from coopctl.loans.writeoff import recover_from_guarantors as recover

    d = business_date(date)
    with uow("loans.writeoff") as u:
        res = recover(u, loan_no, d)
        u.commit()
        data = _repay_dict(res)
    _show(data, fmt)


@app.command("reschedule")
def reschedule(
    loan_no: LoanNoArg,
    term: Annotated[str | None, typer.Option("--term", help="New number of installments.")] = None,
    rate: Annotated[str | None, typer.Option("--rate", help="New annual rate, percent.")] = None,
    date: DateOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Re-amortise the outstanding principal from a date (restructure; watch period follows).

    Example:

        coopctl loans reschedule L00000019 --term 18 --rate 20
    """
    from coopctl.loans.queries import schedule_of
    from coopctl.loans.reschedule import reschedule as reschedule_service

    n = _int(term, "--term") if term is not None else None
    d = business_date(date)
    with uow("loans.manage") as u:
        from decimal import Decimal

        from coopctl.loans.products import parse_percent

        pct: Decimal | None = parse_percent(rate, "--rate") if rate is not None else None
        reschedule_service(u, loan_no, term=n, rate=pct, on=d)
        u.commit()
        data = schedule_of(u, loan_no)
    message(f"loan {data['loan_no']} rescheduled; it is watched as restructured")
    emit(data, fmt, rows_key="installments", columns=LOAN_SCHEDULE_COLS)


def _register_extra() -> None:
    from coopctl.cli.loans_agreement import register_agreement
    from coopctl.cli.loans_guarantors import guarantors_app
    from coopctl.cli.loans_provision import register_provision

    app.add_typer(guarantors_app, name="guarantors")
    register_provision(app)
    register_agreement(app)


_register_extra()
