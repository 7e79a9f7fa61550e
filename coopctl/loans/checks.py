"""The loans context's consistency checks (run by ``ledger verify`` and ``doctor``)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coopctl.core.checks import Problem, check
from coopctl.core.money import ZERO
from coopctl.ledger.models import Account, Hold
from coopctl.loans.models import (
    COMPONENTS,
    Loan,
    LoanAllocation,
    LoanGuarantor,
    LoanInstallment,
    LoanRepayment,
)


def _installments_by_loan(s: Session) -> dict[int, list[LoanInstallment]]:
    out: dict[int, list[LoanInstallment]] = defaultdict(list)
    for r in s.scalars(select(LoanInstallment)):
        out[r.loan_id].append(r)
    return out


@check("loan_principal_matches_schedule", group="loans")
def loan_principal_matches_schedule(s: Session) -> list[Problem]:
    """Each active loan's ledger balance equals the unpaid principal of its installments;
    a closed or written-off loan has a zero balance (and a closed one nothing unpaid)."""
    problems = []
    rows = _installments_by_loan(s)
    for loan, acct in s.execute(
        select(Loan, Account)
        .join(Account, Account.id == Loan.account_id)
        .where(Loan.status.in_(("active", "closed", "written_off")))
    ):
        unpaid = sum(
            (r.unpaid("principal") for r in rows.get(loan.id, []) if not r.superseded), ZERO
        )
        expected = unpaid if loan.status == "active" else ZERO
        if acct.balance != expected or (loan.status == "closed" and unpaid != 0):
            problems.append(
                Problem(
                    "loan_principal_matches_schedule",
                    f"loan {loan.loan_no} ({loan.status}): account {acct.account_no} balance "
                    f"{acct.balance:,.2f} ≠ unpaid principal on installments {unpaid:,.2f}",
                )
            )
    missing = s.scalars(
        select(Loan.loan_no).where(
            Loan.status.in_(("active", "closed", "written_off")), Loan.account_id.is_(None)
        )
    ).all()
    problems += [
        Problem(
            "loan_principal_matches_schedule", f"loan {n} was disbursed but has no ledger account"
        )
        for n in missing
    ]
    return problems


@check("loan_allocations_match_installments", group="loans")
def loan_allocations_match_installments(s: Session) -> list[Problem]:
    """What each installment shows as paid equals its allocations that are not reversed;
    every allocation belongs to a journal entry."""
    sums: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    unlinked = 0
    for a in s.scalars(select(LoanAllocation).where(LoanAllocation.reversed.is_(False))):
        sums[(a.installment_id, a.component)] += a.amount
        if a.entry_id is None:
            unlinked += 1
    problems = []
    for r in s.scalars(select(LoanInstallment)):
        for c in COMPONENTS:
            if r.paid(c) != sums.get((r.id, c), ZERO):
                problems.append(
                    Problem(
                        "loan_allocations_match_installments",
                        f"installment {r.no} of loan id {r.loan_id}: {c} paid {r.paid(c):,.2f} ≠ "
                        f"allocations {sums.get((r.id, c), ZERO):,.2f}",
                    )
                )
    if unlinked:
        problems.append(
            Problem(
                "loan_allocations_match_installments",
                f"{unlinked} allocation(s) are linked to no journal entry",
            )
        )
    orphans = s.scalars(select(LoanRepayment.id).where(LoanRepayment.entry_id.is_(None))).all()
    if orphans:
        problems.append(
            Problem(
                "loan_allocations_match_installments",
                f"{len(orphans)} repayment(s) are linked to no journal entry",
            )
        )
    return problems


@check("loan_guarantee_holds", group="loans")
def loan_guarantee_holds(s: Session) -> list[Problem]:
    """Guarantees of loans that are closed, written off or rejected hold nothing any more;
    the accepted guarantees of an approved or active loan are held."""
    problems = []
    for g, loan in s.execute(
        select(LoanGuarantor, Loan).join(Loan, Loan.id == LoanGuarantor.loan_id)
    ):
        hold: Any = s.get(Hold, g.hold_id) if g.hold_id else None
        active = hold is not None and hold.status == "active"
        if loan.status in ("closed", "written_off", "rejected") and active:
            problems.append(
                Problem(
                    "loan_guarantee_holds",
                    f"loan {loan.loan_no} is {loan.status} but still holds "
                    f"{hold.amount:,.2f} of a guarantor's savings",
                )
            )
        if loan.status == "approved" and g.status == "accepted" and not active:
            problems.append(
                Problem(
                    "loan_guarantee_holds",
                    f"loan {loan.loan_no}: an accepted guarantee is not held",
                )
            )
    return problems
