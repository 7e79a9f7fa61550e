"""Repayments booked inside another use case's journal entry.

Payroll check-off and member exit (:mod:`coopctl.workflows`) settle loans in the
same entry that credits savings and shares: the check-off's debit is the bank
receipt, the exit's debits are the member's deposit accounts. The workflow calls,
in plain order:

1. :func:`member_dues` (check-off) or :func:`member_outstanding` (exit): what to pay;
2. :func:`book` for each loan: allocate the amount exactly as ``loans repay`` would
   (same strategy; a prepayment re-amortises; an overpayment goes to the borrower's
   savings), record the repayment and return the credit lines for the entry;
3. post the entry (one ``post`` call);
4. :func:`attach`: link each booked repayment and its allocations to the posted entry
   and close the loan account when the loan was paid off.

No registry, no session hook: the workflow holds the :class:`SharedRepayment`
objects between steps 2 and 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.ledger.models import JournalEntry
from coopctl.ledger.rules import LineDraft
from coopctl.loans.common import get_loan, installments
from coopctl.loans.errors import LoanStateError
from coopctl.loans.models import Loan, LoanAllocation, LoanRepayment
from coopctl.loans.payment_posting import Plan
from coopctl.loans.repayment import credit_lines, due_now, make_plan, owed, record


@dataclass
class SharedRepayment:
    """One loan's part of a shared entry: the repayment row and its credit lines."""

    loan: Loan
    repayment: LoanRepayment
    lines: list[LineDraft] = field(default_factory=list)


def _member_loans(uow: UnitOfWork, member_id: int, statuses: tuple[str, ...]) -> list[Loan]:
    return list(
        uow.session.scalars(
            select(Loan)
            .where(Loan.member_id == member_id, Loan.status.in_(statuses))
            .order_by(Loan.disbursed_on, Loan.id)
        )
    )


def member_dues(uow: UnitOfWork, member_id: int, as_of: date) -> list[tuple[str, Decimal]]:
    """The member's active loans, oldest first, each with what is due or overdue up to
    ``as_of`` (every unpaid installment due on or before it): the check-off's ``loan_due``."""
    return [
        (loan.loan_no, due_now(uow, loan, as_of))
        for loan in _member_loans(uow, member_id, ("active",))
    ]


def member_outstanding(uow: UnitOfWork, member_id: int, as_of: date) -> list[tuple[str, Decimal]]:
    """Every active loan with the amount that closes it on ``as_of`` (arrears, current
    installment, remaining principal) and every written-off loan with what is still
    recoverable; loans owing nothing are left out."""
    out = []
    for loan in _member_loans(uow, member_id, ("active", "written_off")):
        amount = owed(uow, loan, as_of)
        if amount > 0:
            out.append((loan.loan_no, amount))
    return out


def has_open_loans(uow: UnitOfWork, member_id: int) -> bool:
    return bool(_member_loans(uow, member_id, ("active", "written_off")))


def repayment_row(
    loan_id: int,
    plan: Plan,
    amount: Decimal,
    on: date,
    channel: str,
    ref: str,
    *,
    created_by: str,
    created_at: datetime,
) -> dict[str, Any]:
    """The repayment row of one loan's part of a shared payment (not yet linked to its
    entry), as column values: one definition for booking one loan (:func:`book`) and
    many at once (:mod:`coopctl.loans.shared_bulk`)."""
    return {
        "loan_id": loan_id,
        "entry_id": None,
        "business_date": on,
        "amount": amount,
        "overpayment": plan.overpayment,
        "channel": channel,
        "source": ref[:40],
        "sources": None,
        "shared": True,
        "reference": ref[:100],
        "recovery": plan.recovery,
        "status": "posted",
        "created_by": created_by,
        "created_at": created_at,
    }


def shared_repayment(
    uow: UnitOfWork, loan: Loan, plan: Plan, amount: Decimal, on: date, channel: str, ref: str
) -> LoanRepayment:
    """:func:`repayment_row` as an ORM object."""
    return LoanRepayment(
        **repayment_row(
            loan.id,
            plan,
            amount,
            on,
            channel,
            ref,
            created_by=uow.username,
            created_at=clock.utcnow(),
        )
    )


def audit_repaid(
    uow: UnitOfWork, channel: str, loan_no: str, plan: Plan, on: date, ref: str
) -> None:
    """The audit record of one loan's part of a shared payment."""
    audit.record(
        uow,
        f"loan.repay_{channel}",
        "loan",
        loan_no,
        after={
            "amount": plan.amount,
            "date": on,
            "reference": ref,
            "principal": plan.total("principal"),
            "interest": plan.total("interest"),
            "overpayment": plan.overpayment,
        },
    )


def book(
    uow: UnitOfWork, loan_no: str, amount: Decimal, on: date, ref: str, *, channel: str
) -> SharedRepayment:
    """Allocate ``amount`` to ``loan_no`` and record the repayment (not yet linked to an
    entry); the returned lines credit the loan side and sum to ``amount``."""
    loan = get_loan(uow, loan_no, lock=True)
    if loan.status not in ("active", "written_off"):
        raise LoanStateError(f"loan {loan.loan_no} is {loan.status}; it takes no repayment")
    rows = installments(uow, loan)
    plan = make_plan(uow, loan, rows, amount, on)
    lines = credit_lines(uow, loan, plan)
    rep = shared_repayment(uow, loan, plan, amount, on, channel, ref)
    uow.session.add(rep)
    uow.session.flush()
    record(uow, loan, rows, plan, rep, close_account=False)
    audit_repaid(uow, channel, loan.loan_no, plan, on, ref)
    return SharedRepayment(loan, rep, lines)


def attach(uow: UnitOfWork, parts: Sequence[SharedRepayment], entry: JournalEntry) -> None:
    """Link the booked repayments (and their allocations) to the posted ``entry``; close
    the account of every loan they paid off."""
    rep_ids = [part.repayment.id for part in parts]
    for i in range(0, len(rep_ids), 5000):  # the allocations, a chunk at a time
        uow.session.execute(
            update(LoanAllocation)
            .where(LoanAllocation.repayment_id.in_(rep_ids[i : i + 5000]))
            .values(entry_id=entry.id)
        )
    for part in parts:
        rep, loan = part.repayment, part.loan
        rep.entry_id = entry.id
        acct = loan.account
        if (
            loan.status == "closed"
            and acct is not None
            and acct.balance == 0
            and acct.status != "closed"
        ):
            acct.status, acct.closed_on = "closed", loan.closed_on
    uow.session.flush()
