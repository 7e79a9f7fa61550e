"""The schedule of a loan in progress, regenerated at go-live (pure: no database).

The old system tells how much principal is still owed, what is overdue (principal,
interest, penalties) and since when. From the original contract (principal, rate,
term, disbursement date, frequency) the go-live schedule is:

* one **arrears installment** due on ``arrears_since`` carrying everything overdue
  — so days past due, the CBN class and the provision are right on day one (the
  oldest unpaid due date is what ageing counts from);
* the **remaining principal** (outstanding − overdue principal) amortised by the
  product's method over the contractual installments that fall due after the
  go-live date, starting from the last contractual due date on or before it.

A loan whose contractual installments have all fallen due must carry its whole
outstanding principal as arrears.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from coopctl.core.money import CENT, ZERO
from coopctl.loans.calendar import due_dates
from coopctl.loans.schedule import LoanTerms, build_schedule


@dataclass(frozen=True)
class PlannedInstallment:
    no: int
    due_date: date
    principal: Decimal
    interest: Decimal
    penalty: Decimal
    origin: str  # golive_arrears | golive


@dataclass(frozen=True)
class LoanPlan:
    installments: tuple[PlannedInstallment, ...]
    anchor_date: date  # due dates of later installments step from here
    anchor_no: int


class PlanError(Exception):
    """The row cannot give a schedule; ``column`` names the culprit."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


def plan_loan(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    term: int,
    disbursed_on: date,
    installments_paid: int,
    outstanding: Decimal,
    arrears_principal: Decimal,
    arrears_interest: Decimal,
    arrears_penalty: Decimal,
    arrears_since: date | None,
    golive: date,
    method: str,
    frequency: str,
    day_count: str = "periodic",
    rounding_unit: Decimal = CENT,
    move_off_holidays: bool = False,
) -> LoanPlan:
    dates = due_dates(disbursed_on, term, frequency, move_off_holidays)
    n_due = sum(1 for d in dates if d <= golive)
    done = min(max(n_due, installments_paid), term)
    remaining = outstanding - arrears_principal
    future = term - done
    rows: list[PlannedInstallment] = []
    arrears = arrears_principal + arrears_interest + arrears_penalty
    if arrears > 0:
        assert arrears_since is not None
        if n_due == 0:
            raise PlanError("arrears_since", f"no installment has fallen due by {golive}")
        no = max(1, min(installments_paid + 1, n_due))
        rows.append(
            PlannedInstallment(
                no, arrears_since, arrears_principal, arrears_interest, arrears_penalty,
                "golive_arrears",
            )
        )  # fmt: skip
    start = dates[done - 1] if done > 0 else disbursed_on
    if remaining > 0:
        if future <= 0:
            raise PlanError(
                "arrears_principal",
                f"every installment fell due by {golive}: the whole outstanding principal "
                f"{outstanding} is in arrears, not {arrears_principal}",
            )
        sched = build_schedule(
            LoanTerms(
                principal=remaining,
                annual_rate=annual_rate,
                term=future,
                method=method,
                frequency=frequency,
                day_count=day_count,
                start=start,
                rounding_unit=rounding_unit,
                move_off_holidays=move_off_holidays,
            )
        )
        for i in sched.installments:
            rows.append(
                PlannedInstallment(done + i.no, i.due_date, i.principal, i.interest, ZERO, "golive")
            )
    return LoanPlan(tuple(rows), start, done)
