"""Rescheduling (restructuring) an active loan.

``loans reschedule LOAN_NO [--term N] [--rate PCT]`` re-amortises the outstanding
principal (the loan account's balance) from the business date with the loan's
method and frequency, over ``N`` installments (default: as many as were still to
come, at least 1) at ``PCT`` (default: the current rate). Every installment not
fully paid is marked ``superseded`` (kept, with what was paid on it); the
interest, fees and penalties still unpaid on installments already due are not
forgiven: they are added to the first new installment. Installment numbers
continue after the old ones. The loan is flagged ``restructured`` and watched
until ``date + loans.restructure_watch_days``: aging never classes it better than
``pass_and_watch`` during that period. No money moves, so no journal entry.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from coopctl.core import audit
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import BusinessRuleError
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.loans.common import get_loan, installments, loans_setting, product_of
from coopctl.loans.errors import LoanStateError
from coopctl.loans.models import Loan, LoanInstallment
from coopctl.loans.schedule import LoanTerms, remaining_schedule
from coopctl.loans.service import check_term, insert_installments


def reschedule(
    uow: UnitOfWork,
    loan_no: str,
    *,
    term: int | None = None,
    rate: Decimal | None = None,
    on: date | None = None,
) -> tuple[Loan, list[LoanInstallment]]:
    require(uow.operator, "loans.manage")
    loan = get_loan(uow, loan_no, lock=True)
    if loan.status != "active":
        raise LoanStateError(
            f"loan {loan.loan_no} is {loan.status}; only active loans are rescheduled"
        )
    on = on or uow.today()
    product = product_of(uow, loan)
    assert loan.account is not None
    balance = loan.account.balance
    if balance <= 0:
        raise BusinessRuleError(f"loan {loan.loan_no} has no principal left to reschedule")
    rows = installments(uow, loan)
    open_rows = [r for r in rows if r.total_unpaid > 0]
    upcoming = [r for r in open_rows if r.due_date > on]
    n = check_term(term) if term is not None else max(len(upcoming), 1)
    if rate is not None:
        from coopctl.loans.products import parse_percent

        rate = parse_percent(rate, "--rate")
    new_rate = loan.annual_rate if rate is None else rate
    carried = {
        c: sum((r.unpaid(c) for r in open_rows if r.due_date <= on), ZERO)
        for c in ("interest", "fees", "penalty")
    }
    for r in open_rows:
        r.superseded = True
    uow.session.flush()
    terms = LoanTerms(
        principal=balance,
        annual_rate=new_rate,
        term=n,
        method=loan.method,
        frequency=loan.frequency,
        day_count=loan.day_count,
        start=on,
        rounding_unit=product.rounding_unit,
        move_off_holidays=product.move_off_holidays,
    )
    sched = remaining_schedule(balance, terms)
    last_no = max((r.no for r in installments(uow, loan, with_superseded=True)), default=0)
    new_rows = insert_installments(uow, loan, sched, first_no=last_no + 1, origin="reschedule")
    first = new_rows[0]
    first.interest += carried["interest"]
    first.fees += carried["fees"]
    first.penalty += carried["penalty"]
    before = {
        "term": loan.term,
        "rate": loan.annual_rate,
        "outstanding": balance,
        "installments_replaced": len(open_rows),
    }
    loan.term, loan.annual_rate = n, new_rate
    loan.restructured = True
    loan.rescheduled_on = on
    loan.watch_until = on + timedelta(days=int(loans_setting(uow, "restructure_watch_days", 90)))
    loan.anchor_date, loan.anchor_no = on, last_no
    uow.session.flush()
    audit.record(
        uow,
        "loan.reschedule",
        "loan",
        loan.loan_no,
        before=before,
        after={
            "term": n,
            "rate": new_rate,
            "from": on,
            "watch_until": loan.watch_until,
            "carried": carried,
        },
    )
    return loan, new_rows
