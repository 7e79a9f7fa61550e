"""Guarantors: requested → accepted | declined; accepted guarantees become holds on the
guarantor's savings when the loan is approved, shrink in proportion to the principal
repaid, and are released in full when the loan closes or is written off.

A guarantor is an active, KYC-approved member other than the borrower whose free
savings (savings balance − holds − minimum balance) cover the guarantee on top of
any other guarantees they have accepted that are not yet held.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import DuplicateError, NotFoundError
from coopctl.core.money import ZERO, round_money
from coopctl.core.security import require
from coopctl.deposits.holds import get_hold, place_hold, release_hold
from coopctl.ledger.models import Account
from coopctl.loans import eligibility
from coopctl.loans.common import (
    available,
    free_savings,
    get_loan,
    outstanding_principal,
    product_of,
    savings_account,
)
from coopctl.loans.errors import GuaranteeCoverageError, GuarantorError, LoanStateError
from coopctl.loans.models import Loan, LoanGuarantor
from coopctl.members.models import Member

HOLD_REASON = "loan guarantee"


def _member(uow: UnitOfWork, member_no: str) -> Member:
    from coopctl.members.service import get_member

    return get_member(uow, member_no)


def _get(uow: UnitOfWork, loan: Loan, member: Member) -> LoanGuarantor:
    g = uow.session.scalars(
        select(LoanGuarantor).where(
            LoanGuarantor.loan_id == loan.id, LoanGuarantor.member_id == member.id
        )
    ).first()
    if g is None:
        raise NotFoundError(f"member {member.member_no} is not a guarantor of loan {loan.loan_no}")
    return g


def unheld_commitments(
    uow: UnitOfWork, member_id: int, *, exclude_id: int | None = None
) -> Decimal:
    """Guarantees the member has accepted (or been asked for) that are not yet holds."""
    stmt = (
        select(LoanGuarantor.amount)
        .join(Loan, Loan.id == LoanGuarantor.loan_id)
        .where(
            LoanGuarantor.member_id == member_id,
            LoanGuarantor.status.in_(("requested", "accepted")),
            LoanGuarantor.hold_id.is_(None),
            Loan.status.in_(("applied", "approved")),
        )
    )
    if exclude_id is not None:
        stmt = stmt.where(LoanGuarantor.id != exclude_id)
    return sum(uow.session.scalars(stmt), ZERO)


def _check_guarantor(
    uow: UnitOfWork, loan: Loan, member: Member, amount: Decimal, exclude_id: int | None = None
) -> None:
    if member.id == loan.member_id:
        raise GuarantorError("MEMBER_NO: a borrower cannot guarantee their own loan")
    if member.status != "active" or member.kyc_status != "approved":
        raise GuarantorError(
            f"MEMBER_NO: member {member.member_no} is {member.status} (KYC {member.kyc_status}); "
            "a guarantor must be an active, KYC-approved member"
        )
    acct = savings_account(uow, member.id)
    if acct is None:
        raise GuarantorError(f"MEMBER_NO: member {member.member_no} has no savings account")
    free = available(acct) - unheld_commitments(uow, member.id, exclude_id=exclude_id)
    if amount > free:
        raise GuarantorError(
            f"--amount: member {member.member_no} has {max(free, ZERO):,.2f} of free savings "
            f"not already pledged; cannot guarantee {amount:,.2f}"
        )


def add(uow: UnitOfWork, loan_no: str, member_no: str, amount: Decimal) -> LoanGuarantor:
    """Ask a member to guarantee ``amount`` of an application (status requested)."""
    require(uow.operator, "loans.apply")
    loan = get_loan(uow, loan_no, lock=True)
    if loan.status != "applied":
        raise LoanStateError(
            f"loan {loan.loan_no} is {loan.status}; guarantors are added while it is applied"
        )
    member = _member(uow, member_no)
    existing = uow.session.scalars(
        select(LoanGuarantor).where(
            LoanGuarantor.loan_id == loan.id, LoanGuarantor.member_id == member.id
        )
    ).first()
    if existing is not None and existing.status in ("requested", "accepted"):
        raise DuplicateError(
            f"member {member.member_no} already guarantees loan {loan.loan_no} "
            f"({existing.status}, {existing.amount:,.2f})"
        )
    _check_guarantor(uow, loan, member, amount, exclude_id=existing.id if existing else None)
    if existing is not None:
        g = existing
        g.amount, g.status, g.hold_id = amount, "requested", None
    else:
        g = LoanGuarantor(
            loan_id=loan.id,
            member_id=member.id,
            amount=amount,
            status="requested",
            created_at=clock.utcnow(),
            created_by=uow.username,
        )
        uow.session.add(g)
    uow.session.flush()
    audit.record(
        uow,
        "loan.guarantor_add",
        "loan",
        loan.loan_no,
        after={"guarantor": member.member_no, "amount": amount},
    )
    return g


def decide(uow: UnitOfWork, loan_no: str, member_no: str, accept: bool) -> LoanGuarantor:
    """Record the guarantor's answer (``accept`` → accepted, else declined)."""
    require(uow.operator, "loans.apply")
    loan = get_loan(uow, loan_no, lock=True)
    if loan.status != "applied":
        raise LoanStateError(
            f"loan {loan.loan_no} is {loan.status}; guarantees are settled while it is applied"
        )
    member = _member(uow, member_no)
    g = _get(uow, loan, member)
    if accept:
        if g.status != "requested":
            raise LoanStateError(
                f"the guarantee of {member.member_no} is {g.status}, not requested"
            )
        _check_guarantor(uow, loan, member, g.amount, exclude_id=g.id)
        g.status = "accepted"
    else:
        if g.status not in ("requested", "accepted"):
            raise LoanStateError(f"the guarantee of {member.member_no} is {g.status}")
        g.status = "declined"
    uow.session.flush()
    audit.record(
        uow,
        "loan.guarantor_" + ("accept" if accept else "decline"),
        "loan",
        loan.loan_no,
        after={"guarantor": member.member_no, "amount": g.amount},
    )
    return g


def of_loan(uow: UnitOfWork, loan: Loan, *statuses: str) -> list[LoanGuarantor]:
    stmt = select(LoanGuarantor).where(LoanGuarantor.loan_id == loan.id)
    if statuses:
        stmt = stmt.where(LoanGuarantor.status.in_(statuses))
    return list(uow.session.scalars(stmt.order_by(LoanGuarantor.id)))


def coverage_failures(uow: UnitOfWork, loan: Loan) -> list[str]:
    product = product_of(uow, loan)
    accepted = [g.amount for g in of_loan(uow, loan, "accepted")]
    return eligibility.guarantee_shortfall(
        loan.principal,
        free_savings(uow, loan.member_id),
        product.guarantee_coverage_percent,
        product.guarantors_required,
        accepted,
    )


def require_coverage(uow: UnitOfWork, loan: Loan) -> None:
    failures = coverage_failures(uow, loan)
    if failures:
        raise GuaranteeCoverageError(
            f"loan {loan.loan_no}: the guarantees do not meet the product's rules", details=failures
        )


def place_holds(uow: UnitOfWork, loan: Loan) -> None:
    """At approval: each accepted guarantee becomes a hold on the guarantor's savings."""
    for g in of_loan(uow, loan, "accepted"):
        member = uow.session.get(Member, g.member_id)
        assert member is not None
        acct = savings_account(uow, g.member_id)
        if acct is None:
            raise GuarantorError(f"guarantor {member.member_no} no longer has a savings account")
        if g.amount > available(acct):
            raise GuarantorError(
                f"guarantor {member.member_no}: free savings "
                f"{available(acct):,.2f} no longer cover {g.amount:,.2f}"
            )
        hold = place_hold(uow, acct, g.amount, HOLD_REASON, reference=loan.loan_no)
        g.hold_id, g.account_id = hold.id, acct.id
    uow.session.flush()


def target_hold(g: LoanGuarantor, loan: Loan) -> Decimal:
    """The guarantee still at risk: the amount × outstanding principal ÷ principal."""
    outstanding = min(max(outstanding_principal(loan), ZERO), loan.principal)
    return round_money(g.amount * outstanding / loan.principal)


def adjust_holds(uow: UnitOfWork, loan: Loan, *, outstanding: Decimal | None = None) -> None:
    """Shrink (or, after a reversal, restore) each accepted guarantee's hold to its target;
    release every hold when the loan is closed or written off."""
    final = loan.status in ("closed", "written_off", "rejected")
    for g in of_loan(uow, loan, "accepted"):
        if final:
            _release(uow, g)
            g.status = "released"
            continue
        if outstanding is None:
            target = target_hold(g, loan)
        else:
            target = round_money(g.amount * min(outstanding, loan.principal) / loan.principal)
        current = _hold_amount(uow, g)
        if target == current:
            continue
        if target < current and g.hold_id is not None:
            release_hold(uow, get_hold(uow, g.hold_id), current - target)
            continue
        _release(uow, g)
        if target > 0:
            acct = uow.session.get(Account, g.account_id) if g.account_id else None
            acct = acct or savings_account(uow, g.member_id)
            if acct is not None:
                hold = place_hold(uow, acct, target, HOLD_REASON, reference=loan.loan_no)
                g.hold_id, g.account_id = hold.id, acct.id
    uow.session.flush()


def release_all(uow: UnitOfWork, loan: Loan) -> None:
    for g in of_loan(uow, loan, "accepted"):
        _release(uow, g)
        g.status = "released"
    uow.session.flush()


def _hold_amount(uow: UnitOfWork, g: LoanGuarantor) -> Decimal:
    if g.hold_id is None:
        return ZERO
    hold = get_hold(uow, g.hold_id)
    return hold.amount if hold.status == "active" else ZERO


def _release(uow: UnitOfWork, g: LoanGuarantor) -> None:
    if g.hold_id is None:
        return
    hold = get_hold(uow, g.hold_id)
    if hold.status == "active" and hold.amount > 0:
        release_hold(uow, hold)


def as_dicts(uow: UnitOfWork, loan: Loan) -> list[dict[str, Any]]:
    out = []
    for g in of_loan(uow, loan):
        member = uow.session.get(Member, g.member_id)
        out.append(
            {
                "member_no": member.member_no if member else None,
                "amount": g.amount,
                "status": g.status,
                "held": _hold_amount(uow, g),
                "recovered": g.recovered,
            }
        )
    return out
