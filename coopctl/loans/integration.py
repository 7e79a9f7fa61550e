"""The loans context plugged into deposits: payroll check-off and member exit.

Importing this module registers two providers:

- ``DUE_PROVIDERS["loans"]`` (:mod:`coopctl.deposits.checkoff`): ``due`` lists the
  member's active loans, oldest first, each with what is due or overdue up to the
  business date (all unpaid installments due on or before it); ``apply`` books an
  amount against a loan exactly as ``loans repay`` would (same allocation, a
  prepayment re-amortises, an overpayment goes to the member's savings) and returns
  the credit lines for the check-off entry, whose debit is the bank receipt.
- ``EXIT_OFFSET_PROVIDERS["loans"]`` (:mod:`coopctl.deposits.exit`): ``outstanding``
  lists every active loan with the amount that closes it today (arrears, current
  installment, remaining principal) and every written-off loan with what is still
  recoverable; ``apply`` settles it and returns the credit lines for the exit entry.

Both ``apply`` functions book the repayment as *shared*: its lines live in the
deposits entry, which is posted after every apply in the same transaction. The
repayment and its allocations are linked to that entry (by its reference) just
before the transaction commits, and the loan account is closed then if the loan
was paid off. The deposits modules import this module through
``coopctl.loans.seams``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.ledger.models import JournalEntry
from coopctl.ledger.rules import LineDraft
from coopctl.loans.common import get_loan, installments
from coopctl.loans.errors import LoanStateError
from coopctl.loans.models import Loan, LoanAllocation, LoanRepayment
from coopctl.loans.repayment import credit_lines, due_now, make_plan, owed, record

_ATTACH_KEY = "coopctl_loans_attach"


def _attach_on_commit(session: Session) -> None:
    """Link shared repayments to the entry that carries their lines (before commit)."""
    pending: list[tuple[int, str, tuple[str, ...]]] = session.info.pop(_ATTACH_KEY, [])
    for rep_id, ref, kinds in pending:
        rep = session.get(LoanRepayment, rep_id)
        if rep is None or rep.entry_id is not None:
            continue
        entry = session.scalars(
            select(JournalEntry)
            .where(JournalEntry.reference == ref, JournalEntry.kind.in_(kinds))
            .order_by(JournalEntry.id.desc())
        ).first()
        if entry is None:
            continue
        rep.entry_id = entry.id
        for a in session.scalars(
            select(LoanAllocation).where(LoanAllocation.repayment_id == rep.id)
        ):
            a.entry_id = entry.id
        loan = session.get(Loan, rep.loan_id)
        if (
            loan is not None
            and loan.status == "closed"
            and loan.account is not None
            and loan.account.balance == 0
            and loan.account.status != "closed"
        ):
            loan.account.status, loan.account.closed_on = "closed", loan.closed_on
    if pending:
        session.flush()


def _defer_attach(uow: UnitOfWork, rep: LoanRepayment, ref: str, kinds: tuple[str, ...]) -> None:
    s = uow.session
    if not event.contains(s, "before_commit", _attach_on_commit):
        event.listen(s, "before_commit", _attach_on_commit)
    s.info.setdefault(_ATTACH_KEY, []).append((rep.id, ref, kinds))


def apply_shared(
    uow: UnitOfWork,
    loan_no: str,
    amount: Decimal,
    on: date,
    ref: str,
    *,
    channel: str,
    kinds: tuple[str, ...],
) -> list[LineDraft]:
    """Book ``amount`` against ``loan_no`` inside another context's entry; return its
    credit lines (summing to ``amount``)."""
    loan = get_loan(uow, loan_no, lock=True)
    if loan.status not in ("active", "written_off"):
        raise LoanStateError(f"loan {loan.loan_no} is {loan.status}; it takes no repayment")
    rows = installments(uow, loan)
    plan = make_plan(uow, loan, rows, amount, on)
    lines = credit_lines(uow, loan, plan)
    rep = LoanRepayment(
        loan_id=loan.id,
        entry_id=None,
        business_date=on,
        amount=amount,
        overpayment=plan.overpayment,
        channel=channel,
        source=ref[:40],
        sources=None,
        shared=True,
        reference=ref[:100],
        recovery=plan.recovery,
        status="posted",
        created_by=uow.username,
        created_at=clock.utcnow(),
    )
    uow.session.add(rep)
    uow.session.flush()
    record(uow, loan, rows, plan, rep, close_account=False)
    _defer_attach(uow, rep, ref, kinds)
    audit.record(
        uow,
        f"loan.repay_{channel}",
        "loan",
        loan.loan_no,
        after={
            "amount": amount,
            "date": on,
            "reference": ref,
            "principal": plan.total("principal"),
            "interest": plan.total("interest"),
            "overpayment": plan.overpayment,
        },
    )
    return lines


def _member_loans(uow: UnitOfWork, member_id: int, statuses: tuple[str, ...]) -> list[Loan]:
    return list(
        uow.session.scalars(
            select(Loan)
            .where(Loan.member_id == member_id, Loan.status.in_(statuses))
            .order_by(Loan.disbursed_on, Loan.id)
        )
    )


class CheckoffLoans:
    """``loan_due`` of the payroll check-off."""

    def due(self, uow: Any, member_id: int, as_of: date) -> list[tuple[str, Decimal]]:
        return [
            (loan.loan_no, due_now(uow, loan, as_of))
            for loan in _member_loans(uow, member_id, ("active",))
        ]

    def apply(self, uow: Any, loan_no: str, amount: Decimal, on: date, ref: str) -> list[LineDraft]:
        return apply_shared(uow, loan_no, amount, on, ref, channel="checkoff", kinds=("checkoff",))


class ExitOffsetLoans:
    """Loans offset against savings and shares when a member exits."""

    def outstanding(self, uow: Any, member_id: int, as_of: date) -> list[tuple[str, Decimal]]:
        out = []
        for loan in _member_loans(uow, member_id, ("active", "written_off")):
            amount = owed(uow, loan, as_of)
            if amount > 0:
                out.append((loan.loan_no, amount))
        return out

    def apply(self, uow: Any, loan_no: str, amount: Decimal, on: date, ref: str) -> list[LineDraft]:
        return apply_shared(uow, loan_no, amount, on, ref, channel="exit", kinds=("member_exit",))


def register() -> None:
    from coopctl.deposits.checkoff import DUE_PROVIDERS
    from coopctl.deposits.exit import EXIT_OFFSET_PROVIDERS

    DUE_PROVIDERS.setdefault("loans", CheckoffLoans())
    EXIT_OFFSET_PROVIDERS.setdefault("loans", ExitOffsetLoans())


register()
