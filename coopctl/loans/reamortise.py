"""Re-amortisation after a prepayment: the installments after the current one are
superseded (kept, marked with the repayment that replaced them) and a schedule of the
principal left takes their place, with the same number of installments
(``reduce_installment``) or the fewest whose regular amount does not exceed the old
one (``reduce_term``), per the loan product's ``prepayment`` policy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO
from coopctl.loans.common import due_date_of, product_of
from coopctl.loans.models import Loan, LoanInstallment, LoanRepayment
from coopctl.loans.schedule import LoanTerms, remaining_schedule


def _regenerated(loan: Loan, product_unit: Decimal, balance: Decimal, m: int, start: date) -> list:  # type: ignore[type-arg]
    terms = LoanTerms(
        principal=balance,
        annual_rate=loan.annual_rate,
        term=m,
        method=loan.method,
        frequency=loan.frequency,
        day_count=loan.day_count,
        start=start,
        rounding_unit=product_unit,
    )
    return list(remaining_schedule(balance, terms).installments)


def _term_for_level(
    loan: Loan, unit: Decimal, balance: Decimal, level: Decimal, n: int, start: date
) -> int:
    """The fewest installments whose regular amount does not exceed ``level``."""
    lo, hi = 1, n
    while lo < hi:
        mid = (lo + hi) // 2
        first = _regenerated(loan, unit, balance, mid, start)[0]
        if first.principal + first.interest <= level:
            hi = mid
        else:
            lo = mid + 1
    return lo


def reamortise(
    uow: UnitOfWork, loan: Loan, rows: list[LoanInstallment], current_no: int, rep: LoanRepayment
) -> None:
    """Replace the installments after the current one by a schedule of the principal left."""
    product = product_of(uow, loan)
    future = sorted((r for r in rows if not r.superseded and r.no > current_no), key=lambda r: r.no)
    if not future:
        return
    current = next(r for r in rows if r.no == current_no)
    balance = sum((r.unpaid("principal") for r in future), ZERO)
    level = future[0].principal + future[0].interest
    for r in future:
        r.superseded = True
        r.superseded_by_repayment_id = rep.id
    uow.session.flush()
    if balance <= 0:
        return
    n = len(future)
    if product.prepayment == "reduce_term":
        m = _term_for_level(loan, product.rounding_unit, balance, level, n, current.due_date)
    else:
        m = n
    from coopctl.loans.schedule import Schedule
    from coopctl.loans.service import insert_installments

    sched = Schedule(tuple(_regenerated(loan, product.rounding_unit, balance, m, current.due_date)))
    for row in insert_installments(
        uow, loan, sched, first_no=current_no + 1, origin="prepayment", repayment_id=rep.id
    ):
        row.due_date = due_date_of(loan, product, row.no)
    uow.session.flush()
