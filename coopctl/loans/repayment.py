"""Repayments: the ``repay`` use case (source, date order, backdating) over the posting of a
payment in :mod:`coopctl.loans.payment_posting` (whose names are re-exported here).

The accounting of a repayment (which GL each component credits, overpayments,
written-off and go-live loans) is described in :mod:`coopctl.loans.payment_posting`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import BusinessRuleError
from coopctl.core.security import require
from coopctl.ledger.coa import GL
from coopctl.ledger.models import JournalEntry
from coopctl.loans.common import (
    dues_of,
    get_loan,
    installments,
)
from coopctl.loans.errors import BackdateError, LoanStateError, RepaymentSourceError
from coopctl.loans.models import Loan, LoanRepayment
from coopctl.loans.payment_posting import (
    INCOME_GL as INCOME_GL,
)
from coopctl.loans.payment_posting import (
    OPENING_GL as OPENING_GL,
)
from coopctl.loans.payment_posting import (
    NothingToTakeError as NothingToTakeError,
)
from coopctl.loans.payment_posting import (
    Plan as Plan,
)
from coopctl.loans.payment_posting import (
    RepayResult as RepayResult,
)
from coopctl.loans.payment_posting import (
    Source as Source,
)
from coopctl.loans.payment_posting import (
    close_loan as close_loan,
)
from coopctl.loans.payment_posting import (
    credit_lines as credit_lines,
)
from coopctl.loans.payment_posting import (
    make_plan as make_plan,
)
from coopctl.loans.payment_posting import (
    opening_memo as opening_memo,
)
from coopctl.loans.payment_posting import (
    overpayment_line as overpayment_line,
)
from coopctl.loans.payment_posting import (
    owed as owed,
)
from coopctl.loans.payment_posting import (
    post_payment as post_payment,
)
from coopctl.loans.payment_posting import (
    record as record,
)
from coopctl.loans.reamortise import (
    reamortise as reamortise,
)


def resolve_source(
    uow: UnitOfWork, loan: Loan, from_account: str | None, bank: str | None
) -> tuple[str, str | None, str]:
    """(gl_code, account_no, channel) of the money coming in."""
    if from_account and bank:
        from coopctl.loans.errors import LoanOptionError

        raise LoanOptionError("--from-account and --bank: choose one")
    if bank:
        from coopctl.deposits.channels import channel_gl

        return channel_gl(uow, bank), None, "bank"
    if from_account:
        from coopctl.deposits.accounts_lookup import get_account

        acct = get_account(uow, from_account, field="--from-account")
        if acct.member_id != loan.member_id or acct.kind != "savings":
            raise RepaymentSourceError(
                f"--from-account: {acct.account_no} is not a savings account of the borrower"
            )
        return acct.gl_account.code, acct.account_no, "savings"
    return GL.CASH, None, "cash"


def last_repayment_date(uow: UnitOfWork, loan: Loan) -> date | None:
    return uow.session.scalar(
        select(func.max(LoanRepayment.business_date)).where(
            LoanRepayment.loan_id == loan.id, LoanRepayment.status == "posted"
        )
    )


def repay(
    uow: UnitOfWork,
    loan_no: str,
    amount: Decimal,
    *,
    on: date | None = None,
    from_account: str | None = None,
    bank: str | None = None,
    ref: str = "",
    key: str | None = None,
    backdate: bool = False,
) -> RepayResult:
    """Take a repayment (or, on a written-off loan, a recovery); see the module docstring."""
    require(uow.operator, "loans.repay")
    loan = get_loan(uow, loan_no, lock=True)
    if key:
        done = uow.session.scalars(
            select(LoanRepayment)
            .where(LoanRepayment.loan_id == loan.id, LoanRepayment.client_key == key)
            .order_by(LoanRepayment.id.desc())
        ).first()
        if done is not None:
            uow.note(
                f"already done: key {key!r} is repayment of {done.amount:,.2f} on "
                f"{done.business_date}; nothing posted"
            )
            entry = uow.session.get(JournalEntry, done.entry_id) if done.entry_id else None
            return RepayResult(loan, done, entry, None, created=False)
    if loan.status not in ("active", "written_off"):
        raise LoanStateError(
            f"loan {loan.loan_no} is {loan.status}; only active (or "
            "written-off) loans take repayments"
        )
    on = on or uow.today()
    if loan.disbursed_on and on < loan.disbursed_on:
        raise BusinessRuleError(f"--date: {on} is before the disbursement on {loan.disbursed_on}")
    gl, acct, channel = resolve_source(uow, loan, from_account, bank)
    last = last_repayment_date(uow, loan)
    later: list[LoanRepayment] = []
    if last is not None and on < last:
        if not backdate:
            raise BackdateError(
                f"--date: {on} is before the last repayment on {last}; use "
                "--backdate to reverse and replay the later repayments"
            )
        from coopctl.loans.backdate import unwind

        later = unwind(uow, loan, on)
    entry_key = f"loan:{loan.loan_no}:repay:{key}" if key else None
    result = post_payment(
        uow,
        loan,
        amount,
        on,
        [(gl, acct, amount)],
        channel=channel,
        ref=ref,
        client_key=key,
        entry_key=entry_key,
    )
    if later:
        from coopctl.loans.backdate import replay

        result.replayed = replay(uow, loan, later)
    return result


def due_now(uow: UnitOfWork, loan: Loan, as_of: date) -> Decimal:
    """Everything due on or before ``as_of`` and not paid (arrears + today's installment)."""
    from coopctl.loans.allocation import due_up_to

    return due_up_to(dues_of(installments(uow, loan)), as_of)
