"""The loans context's consistency checks (run by ``ledger verify`` and ``doctor``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from coopctl.core.checks import Problem, check
from coopctl.core.money import from_minor
from coopctl.core.sums import exact_sum
from coopctl.ledger.models import Account, Hold
from coopctl.loans.models import (
    COMPONENTS,
    Loan,
    LoanAllocation,
    LoanGuarantor,
    LoanInstallment,
    LoanRepayment,
)


def _raw(col: Any) -> Any:
    return type_coerce(col, BigInteger)


# Set-based: each check asks the database for the offending rows only (one grouped scan),
# so a book of a hundred thousand loans never becomes a hundred thousand objects.


@check("loan_principal_matches_schedule", group="loans")
def loan_principal_matches_schedule(s: Session) -> list[Problem]:
    """Each active loan's ledger balance equals the unpaid principal of its installments;
    a closed or written-off loan has a zero balance (and a closed one nothing unpaid)."""
    unpaid_sum = (
        select(
            LoanInstallment.loan_id.label("loan_id"),
            exact_sum(_raw(LoanInstallment.principal) - _raw(LoanInstallment.principal_paid)).label(
                "unpaid"
            ),
        )
        .where(LoanInstallment.superseded.is_(False))
        .group_by(LoanInstallment.loan_id)
        .subquery()
    )
    unpaid = func.coalesce(unpaid_sum.c.unpaid, 0)
    rows = s.execute(
        select(Loan.loan_no, Loan.status, Account.account_no, Account.balance, unpaid_sum.c.unpaid)
        .join(Account, Account.id == Loan.account_id)
        .outerjoin(unpaid_sum, unpaid_sum.c.loan_id == Loan.id)
        .where(
            Loan.status.in_(("active", "closed", "written_off")),
            ((Loan.status == "active") & (_raw(Account.balance) != unpaid))
            | ((Loan.status != "active") & (_raw(Account.balance) != 0))
            | ((Loan.status == "closed") & (unpaid != 0)),
        )
        .order_by(Loan.id)
    ).all()
    problems = [
        Problem(
            "loan_principal_matches_schedule",
            f"loan {loan_no} ({status}): account {account_no} balance "
            f"{balance:,.2f} ≠ unpaid principal on installments {from_minor(raw or 0):,.2f}",
        )
        for loan_no, status, account_no, balance, raw in rows
    ]
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
    live = LoanAllocation.reversed.is_(False)
    paid = {c: getattr(LoanInstallment, f"{c}_paid") for c in COMPONENTS}
    sums = (
        select(
            LoanAllocation.installment_id.label("installment_id"),
            *(
                exact_sum(case((LoanAllocation.component == c, _raw(LoanAllocation.amount)))).label(
                    c
                )
                for c in COMPONENTS
            ),
        )
        .where(live)
        .group_by(LoanAllocation.installment_id)
        .subquery()
    )
    differs = [_raw(paid[c]) != func.coalesce(sums.c[c], 0) for c in COMPONENTS]
    problems = []
    for row in s.execute(
        select(
            LoanInstallment.no,
            LoanInstallment.loan_id,
            *(paid[c] for c in COMPONENTS),
            *(sums.c[c] for c in COMPONENTS),
        )
        .outerjoin(sums, sums.c.installment_id == LoanInstallment.id)
        .where(or_(*differs))
        .order_by(LoanInstallment.id)
    ):
        no, loan_id = row[0], row[1]
        n = len(COMPONENTS)
        for i, c in enumerate(COMPONENTS):
            shown, allocated = row[2 + i], from_minor(row[2 + n + i] or 0)
            if shown != allocated:
                problems.append(
                    Problem(
                        "loan_allocations_match_installments",
                        f"installment {no} of loan id {loan_id}: {c} paid {shown:,.2f} ≠ "
                        f"allocations {allocated:,.2f}",
                    )
                )
    unlinked = s.scalar(
        select(func.count(LoanAllocation.id)).where(live, LoanAllocation.entry_id.is_(None))
    )
    if unlinked:
        problems.append(
            Problem(
                "loan_allocations_match_installments",
                f"{unlinked} allocation(s) are linked to no journal entry",
            )
        )
    orphans = s.scalar(select(func.count(LoanRepayment.id)).where(LoanRepayment.entry_id.is_(None)))
    if orphans:
        problems.append(
            Problem(
                "loan_allocations_match_installments",
                f"{orphans} repayment(s) are linked to no journal entry",
            )
        )
    return problems


@check("loan_guarantee_holds", group="loans")
def loan_guarantee_holds(s: Session) -> list[Problem]:
    """Guarantees of loans that are closed, written off or rejected hold nothing any more;
    the accepted guarantees of an approved or active loan are held."""
    active = (Hold.id.is_not(None)) & (Hold.status == "active")
    problems = []
    for loan_no, status, g_status, amount, hold_status in s.execute(
        select(Loan.loan_no, Loan.status, LoanGuarantor.status, Hold.amount, Hold.status)
        .select_from(LoanGuarantor)
        .join(Loan, Loan.id == LoanGuarantor.loan_id)
        .outerjoin(Hold, Hold.id == LoanGuarantor.hold_id)
        .where(
            (Loan.status.in_(("closed", "written_off", "rejected")) & active)
            | ((Loan.status == "approved") & (LoanGuarantor.status == "accepted") & ~active)
        )
        .order_by(LoanGuarantor.id)
    ):
        held = hold_status == "active"
        if status in ("closed", "written_off", "rejected") and held:
            problems.append(
                Problem(
                    "loan_guarantee_holds",
                    f"loan {loan_no} is {status} but still holds "
                    f"{amount:,.2f} of a guarantor's savings",
                )
            )
        if status == "approved" and g_status == "accepted" and not held:
            problems.append(
                Problem(
                    "loan_guarantee_holds",
                    f"loan {loan_no}: an accepted guarantee is not held",
                )
            )
    return problems
