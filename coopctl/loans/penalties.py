"""Late-payment penalties: the pure rule and the service the nightly job runs.

Period definition. An installment that is not fully paid of principal and
interest is charged once per month of lateness: charge ``k`` (k = 1, 2, …) falls
due on ``add_months(due_date, k − 1) + grace_days + 1 day``. With no grace days
an installment due 15 March is charged on 16 March, 16 April, 16 May… while it
stays unpaid; with 5 grace days on 21 March, 21 April… Each charge is
``round_money(penalty_rate% × (unpaid principal + unpaid interest))`` of that
installment on the run date, plus ``penalty_fixed``. A run for date D charges
every period due on or before D that was not charged yet (so a missed night is
caught up), each identified by the key ``LOAN_NO:i<installment id>:p<k>``
(unique), which makes the service idempotent per loan and period.

Accounting (cash basis): a charge adds to the installment's ``penalty`` column
and to ``loan_penalty_charges``; it posts no journal entry. Penalties become
income (Cr 4300) when a repayment pays them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO, round_money
from coopctl.core.security import require
from coopctl.loans.calendar import add_months


# --- pure --------------------------------------------------------------------------------
def charge_dates(due_date: date, grace_days: int, as_of: date) -> list[date]:
    """The dates of the penalty periods of an installment due ``due_date``, up to ``as_of``."""
    out: list[date] = []
    k = 1
    while True:
        d = add_months(due_date, k - 1) + timedelta(days=grace_days + 1)
        if d > as_of:
            return out
        out.append(d)
        k += 1


def penalty_amount(overdue: Decimal, rate_percent: Decimal, fixed: Decimal) -> Decimal:
    """One period's penalty on ``overdue`` (unpaid principal + interest)."""
    if overdue <= 0:
        return ZERO
    return round_money(overdue * rate_percent / 100) + fixed


def period_key(loan_no: str, installment_id: int, k: int) -> str:
    return f"{loan_no}:i{installment_id}:p{k}"


# --- service -----------------------------------------------------------------------------
@dataclass
class PenaltyRun:
    business_date: date
    loans: int = 0
    charges: int = 0
    amount: Decimal = ZERO
    skipped: int = 0  # periods already charged

    def as_dict(self) -> dict[str, Any]:
        return {
            "business_date": self.business_date,
            "loans": self.loans,
            "charges": self.charges,
            "amount": self.amount,
            "skipped": self.skipped,
        }


def penalize(uow: UnitOfWork, on: date, *, loan_no: str | None = None) -> PenaltyRun:
    """Charge every due, uncharged penalty period up to ``on`` on active loans."""
    require(uow.operator, "loans.manage")
    from coopctl.loans.common import get_loan
    from coopctl.loans.models import Loan, LoanInstallment, LoanPenaltyCharge, LoanProduct

    run = PenaltyRun(on)
    products = {p.code: p for p in uow.session.scalars(select(LoanProduct))}
    stmt = select(Loan).where(Loan.status == "active").order_by(Loan.id)
    if loan_no:
        stmt = stmt.where(Loan.id == get_loan(uow, loan_no).id)
    for loan in uow.session.scalars(stmt).all():
        p = products[loan.product_code]
        if p.penalty_rate <= 0 and p.penalty_fixed <= 0:
            continue
        rows = list(
            uow.session.scalars(
                select(LoanInstallment)
                .where(
                    LoanInstallment.loan_id == loan.id,
                    LoanInstallment.superseded.is_(False),
                    LoanInstallment.due_date < on,
                )
                .order_by(LoanInstallment.no)
            )
        )
        if not rows:
            continue
        done = set(
            uow.session.scalars(
                select(LoanPenaltyCharge.period_key).where(LoanPenaltyCharge.loan_id == loan.id)
            )
        )
        charged = ZERO
        for row in rows:
            overdue = row.unpaid("principal") + row.unpaid("interest")
            if overdue <= 0:
                continue
            for k, _ in enumerate(charge_dates(row.due_date, p.penalty_grace_days, on), 1):
                key = period_key(loan.loan_no, row.id, k)
                if key in done:
                    run.skipped += 1
                    continue
                amt = penalty_amount(overdue, p.penalty_rate, p.penalty_fixed)
                if amt <= 0:
                    continue
                uow.session.add(
                    LoanPenaltyCharge(
                        loan_id=loan.id,
                        installment_id=row.id,
                        period_key=key,
                        amount=amt,
                        business_date=on,
                        created_at=clock.utcnow(),
                    )
                )
                row.penalty = row.penalty + amt
                row.paid_on = None
                charged += amt
                run.charges += 1
        if charged > 0:
            run.loans += 1
            run.amount += charged
            uow.session.flush()
            audit.record(
                uow, "loan.penalty", "loan", loan.loan_no, after={"date": on, "amount": charged}
            )
    return run
