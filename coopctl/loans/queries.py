"""Read side of the loans context: quote, schedule, show, list (nothing is written)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import ValidationError
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.loans import guarantors
from coopctl.loans.committee import approvals_of
from coopctl.loans.common import get_loan, installments, product_of
from coopctl.loans.models import LOAN_STATUSES, Loan, LoanInstallment
from coopctl.loans.products import fmt_rate, get_product
from coopctl.loans.schedule import Schedule, build_schedule
from coopctl.loans.service import loan_summary, loan_terms, quote
from coopctl.members.models import Member


def schedule_dict(schedule: Schedule) -> dict[str, Any]:
    """The CLI.md shape of ``loans quote``."""
    rows = [
        {
            "no": i.no,
            "due_date": i.due_date,
            "principal": i.principal,
            "interest": i.interest,
            "fees": i.fees,
            "total": i.total,
            "balance": i.balance,
        }
        for i in schedule.installments
    ]
    regular = schedule.installments[0] if schedule.installments else None
    return {
        "installment_amount": (regular.principal + regular.interest) if regular else ZERO,
        "total_interest": schedule.total_interest,
        "total_fees": schedule.total_fees,
        "total_principal": schedule.total_principal,
        "total_payable": schedule.total_payable,
        "installments": rows,
    }


def quote_dict(
    uow: UnitOfWork, product_code: str, amount: Decimal, term: int, start: date | None
) -> dict[str, Any]:
    require(uow.operator, "loans.view")
    product = get_product(uow, product_code, active_only=True)
    start = start or uow.today()
    sched = quote(product, amount, term, start)
    out = {
        "product": product.code,
        "method": product.method,
        "frequency": product.frequency,
        "annual_rate": fmt_rate(product.annual_rate),
        "principal": amount,
        "term": term,
        "start": start,
    }
    out.update(schedule_dict(sched))
    # the "installment amount" is the level one: the first after any grace
    grace = max(product.grace_principal, product.grace_interest)
    if grace and len(sched.installments) > grace:
        i = sched.installments[grace]
        out["installment_amount"] = i.principal + i.interest
    return out


def _row_dict(r: LoanInstallment, balance: Decimal) -> dict[str, Any]:
    total = r.principal + r.interest + r.fees + r.penalty
    paid = r.principal_paid + r.interest_paid + r.fees_paid + r.penalty_paid
    return {
        "no": r.no,
        "due_date": r.due_date,
        "principal": r.principal,
        "interest": r.interest,
        "fees": r.fees,
        "penalty": r.penalty,
        "total": total,
        "balance": balance,
        "principal_paid": r.principal_paid,
        "interest_paid": r.interest_paid,
        "fees_paid": r.fees_paid,
        "penalty_paid": r.penalty_paid,
        "paid": paid,
        "unpaid": total - paid,
        "paid_on": r.paid_on,
    }


def schedule_of(uow: UnitOfWork, loan_no: str, *, history: bool = False) -> dict[str, Any]:
    """The loan's current schedule (a projection from today before disbursement)."""
    require(uow.operator, "loans.view")
    loan = get_loan(uow, loan_no)
    out: dict[str, Any] = {"loan_no": loan.loan_no, "status": loan.status}
    if loan.disbursed_on is None:
        product = product_of(uow, loan)
        sched = build_schedule(loan_terms(loan, product, uow.today()))
        out["projected"] = True
        out.update(schedule_dict(sched))
        return out
    rows = installments(uow, loan)
    balance = sum((r.principal for r in rows), ZERO)
    items = []
    for r in rows:
        balance -= r.principal
        items.append(_row_dict(r, balance))
    out["projected"] = False
    out["total_interest"] = sum((r.interest for r in rows), ZERO)
    out["installments"] = items
    if history:
        out["superseded"] = [
            _row_dict(r, ZERO)
            for r in installments(uow, loan, with_superseded=True)
            if r.superseded
        ]
    return out


def _aging(uow: UnitOfWork, loan: Loan, as_of: date) -> dict[str, Any]:
    if loan.account_id is None:
        return {
            "arrears": ZERO,
            "days_past_due": 0,
            "classification": "performing",
            "provision": ZERO,
        }
    from coopctl.loans.portfolio import loan_aging_of

    a = loan_aging_of(uow, loan.id, as_of)
    cls = a.classification
    if loan.status == "closed":
        cls = "performing"
    elif loan.status == "written_off":
        cls = "lost"
    return {
        "arrears": a.arrears,
        "days_past_due": a.days_past_due,
        "classification": cls,
        "provision": a.provision if loan.status == "active" else ZERO,
    }


def show(uow: UnitOfWork, loan_no: str, as_of: date | None = None) -> dict[str, Any]:
    """The CLI.md shape of ``loans show`` plus the loan's details."""
    require(uow.operator, "loans.view")
    loan = get_loan(uow, loan_no)
    as_of = as_of or uow.today()
    out = loan_summary(uow, loan)
    out["annual_rate"] = fmt_rate(loan.annual_rate)
    out["outstanding_principal"] = loan.account.balance if loan.account else ZERO
    out.update(_aging(uow, loan, as_of))
    rows = installments(uow, loan) if loan.disbursed_on else []
    nxt = next((r for r in rows if r.total_unpaid > 0 and r.due_date >= as_of), None)
    out.update(
        {
            "as_of": as_of,
            "account_no": loan.account.account_no if loan.account else None,
            "purpose": loan.purpose,
            "closed_on": loan.closed_on,
            "written_off_on": loan.written_off_on,
            "written_off_amount": loan.written_off_amount,
            "restructured": loan.restructured,
            "watch_until": loan.watch_until,
            "total_unpaid": sum((r.total_unpaid for r in rows), ZERO),
            "next_due_date": nxt.due_date if nxt else None,
            "next_due_amount": nxt.total_unpaid if nxt else ZERO,
            "approvals": approvals_of(uow, loan),
            "guarantors": guarantors.as_dicts(uow, loan),
        }
    )
    return out


CLASSES = ("performing", "pass_and_watch", "substandard", "doubtful", "lost")


def list_loans(
    uow: UnitOfWork,
    *,
    status: str | None = None,
    cls: str | None = None,
    member_no: str | None = None,
    as_of: date | None = None,
) -> list[dict[str, Any]]:
    require(uow.operator, "loans.view")
    if status and status not in LOAN_STATUSES:
        raise ValidationError(f"--status: {status!r} is not one of {', '.join(LOAN_STATUSES)}")
    as_of = as_of or uow.today()
    stmt = select(Loan, Member.member_no).join(Member, Member.id == Loan.member_id)
    if status:
        stmt = stmt.where(Loan.status == status)
    if member_no:
        stmt = stmt.where(Member.member_no == member_no.strip().upper())
    per_loan: Any = {}
    if cls:
        from coopctl.loans.portfolio import compute, table_of

        names = table_of(uow).names
        if cls not in names:
            raise ValidationError(f"--class: {cls!r} is not one of {', '.join(names)}")
        stmt = stmt.where(Loan.status == "active")
        per_loan = compute(uow, as_of).per_loan
    out = []
    for loan, member_no_ in uow.session.execute(stmt.order_by(Loan.id)):
        row: dict[str, Any] = {
            "loan_no": loan.loan_no,
            "member_no": member_no_,
            "product": loan.product_code,
            "status": loan.status,
            "principal": loan.principal,
            "outstanding_principal": loan.account.balance if loan.account else ZERO,
            "applied_on": loan.applied_on,
            "disbursed_on": loan.disbursed_on,
        }
        if cls:
            try:
                a = per_loan[loan.id]
            except KeyError:
                continue
            if a.classification != cls:
                continue
            row.update(
                days_past_due=a.days_past_due, arrears=a.arrears, classification=a.classification
            )
        out.append(row)
    return out
