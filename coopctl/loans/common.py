"""Shared helpers of the loans context: look-ups, savings, installments, due dates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, func, select, type_coerce

from coopctl.core import ids
from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO, from_minor
from coopctl.core.sums import exact_sum
from coopctl.ledger.models import Account, GLAccount, JournalEntry, JournalLine
from coopctl.loans.allocation import Due
from coopctl.loans.calendar import due_dates
from coopctl.loans.errors import LoanNotFoundError
from coopctl.loans.models import Loan, LoanInstallment, LoanProduct
from coopctl.members.models import Member

LOAN_PREFIX = "L"
SAVINGS_KIND = "savings"


def loans_setting(uow: UnitOfWork, key: str, default: Any) -> Any:
    return uow.settings["loans"].get(key, default)


def check_loan_no(loan_no: str, field: str = "LOAN_NO") -> str:
    """Normalise a loan number and verify its check digit (exit 2 when wrong)."""
    return ids.check(loan_no, LOAN_PREFIX, field=field)


def get_loan(uow: UnitOfWork, loan_no: str, *, lock: bool = False) -> Loan:
    n = check_loan_no(loan_no)
    stmt = select(Loan).where(Loan.loan_no == n)
    if lock and uow.dialect == "postgresql":
        stmt = stmt.with_for_update()
    loan = uow.session.scalars(stmt.execution_options(populate_existing=True)).first()
    if loan is None:
        raise LoanNotFoundError(f"loan {n} not found")
    return loan


def member_of(uow: UnitOfWork, loan: Loan) -> Member:
    m = uow.session.get(Member, loan.member_id)
    assert m is not None
    return m


def product_of(uow: UnitOfWork, loan: Loan) -> LoanProduct:
    p = uow.session.scalars(
        select(LoanProduct).where(LoanProduct.code == loan.product_code)
    ).first()
    assert p is not None, f"loan {loan.loan_no}: product {loan.product_code} vanished"
    return p


def savings_account(uow: UnitOfWork, member_id: int) -> Account | None:
    """The member's savings account: the oldest open account of kind ``savings``."""
    return uow.session.scalars(
        select(Account)
        .where(
            Account.member_id == member_id,
            Account.kind == SAVINGS_KIND,
            Account.status.in_(("active", "dormant")),
        )
        .order_by(Account.id)
    ).first()


def available(acct: Account | None) -> Decimal:
    """Free savings of an account: balance − held − floor, never below zero."""
    if acct is None:
        return ZERO
    return max(acct.balance - acct.held - acct.floor, ZERO)


def free_savings(uow: UnitOfWork, member_id: int) -> Decimal:
    return available(savings_account(uow, member_id))


def installments(
    uow: UnitOfWork, loan: Loan, *, with_superseded: bool = False
) -> list[LoanInstallment]:
    stmt = select(LoanInstallment).where(LoanInstallment.loan_id == loan.id)
    if not with_superseded:
        stmt = stmt.where(LoanInstallment.superseded.is_(False))
    return list(uow.session.scalars(stmt.order_by(LoanInstallment.no, LoanInstallment.id)))


def dues_of(rows: Sequence[LoanInstallment]) -> list[Due]:
    return [
        Due(
            no=r.no,
            due_date=r.due_date,
            principal=r.unpaid("principal"),
            interest=r.unpaid("interest"),
            fees=r.unpaid("fees"),
            penalty=r.unpaid("penalty"),
        )
        for r in rows
    ]


def due_date_of(loan: Loan, product: LoanProduct, no: int) -> date:
    """The due date of installment ``no``: stepped from the loan's anchor."""
    assert loan.anchor_date is not None
    steps = no - loan.anchor_no
    return due_dates(loan.anchor_date, steps, loan.frequency, product.move_off_holidays)[-1]


def outstanding_principal(loan: Loan) -> Decimal:
    """The ledger balance of the loan account (0 before disbursement)."""
    return loan.account.balance if loan.account is not None else ZERO


def open_loans_count(uow: UnitOfWork, member_id: int) -> int:
    return int(
        uow.session.scalar(
            select(func.count(Loan.id)).where(
                Loan.member_id == member_id, Loan.status.in_(("applied", "approved", "active"))
            )
        )
        or 0
    )


def gl_balance(uow: UnitOfWork, code: str) -> Decimal:
    """Posted balance of a GL account in its normal direction."""
    gl = uow.session.scalars(select(GLAccount).where(GLAccount.code == code)).one()
    dr, cr = uow.session.execute(
        select(
            exact_sum(type_coerce(JournalLine.debit, BigInteger)),
            exact_sum(type_coerce(JournalLine.credit, BigInteger)),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalLine.gl_account_id == gl.id, JournalEntry.status == "posted")
    ).one()
    d, c = from_minor(int(dr or 0)), from_minor(int(cr or 0))
    return d - c if gl.normal_balance == "debit" else c - d
