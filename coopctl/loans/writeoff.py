"""Write-off (maker-checker), recovery, and recovery from guarantors.

Write-off. ``loans writeoff LOAN_NO --reason R`` stores a pending request when
the ``approvals.writeoff`` policy applies (on by default, every amount); a
different operator with ``loans.writeoff`` and an approver role of the policy
(and a TOTP code if the policy asks) runs ``loans writeoff LOAN_NO --approve``
(or ``--decline --reason R``). When the policy is off or below its threshold,
the first command writes off at once. The entry (key ``loan:L…:writeoff``):
Dr 1290 loan-loss provision up to the provision balance available, Dr 5300
loans written off for the rest; Cr the loan account (1210) for the whole
outstanding principal. Interest, fees and penalties were never booked as income
(cash basis), so there is no receivable to reverse. Guarantor holds are released
and the loan account is closed. Later repayments are recoveries (Cr 4400).

Recovery from guarantors. ``loans recover-from-guarantors LOAN_NO`` takes what
is owed (active loan: arrears, the current installment and the remaining
principal; written-off loan: what is still recoverable) from the accepted
guarantors' savings, each guarantor's share in proportion to their guarantee
(:func:`coopctl.core.money.allocate`) and never more than their remaining
liability (guarantee × outstanding principal ÷ principal, at write-off for a
written-off loan) or their savings balance. One entry: Dr each guarantor's
savings; Cr as a repayment (active) or Cr 4400 recovery income (written off).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.approvals import service as engine
from coopctl.approvals.models import PendingAction
from coopctl.approvals.registry import register
from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import BusinessRuleError, ValidationError
from coopctl.core.money import ZERO, allocate, round_money
from coopctl.core.security import require
from coopctl.ledger.coa import GL
from coopctl.ledger.posting import post
from coopctl.ledger.rules import EntryDraft, LineDraft
from coopctl.loans import guarantors
from coopctl.loans.common import get_loan, gl_balance, savings_account
from coopctl.loans.errors import LoanStateError, WriteoffPendingError
from coopctl.loans.models import Loan, LoanGuarantor, LoanWriteoff
from coopctl.loans.repayment import RepayResult, owed, post_payment
from coopctl.members.models import Member

KIND = "writeoff"


def pending_request(uow: UnitOfWork, loan: Loan) -> LoanWriteoff | None:
    return uow.session.scalars(
        select(LoanWriteoff).where(
            LoanWriteoff.loan_id == loan.id, LoanWriteoff.status == "pending"
        )
    ).first()


def request_writeoff(
    uow: UnitOfWork, loan_no: str, reason: str, on: date | None = None
) -> LoanWriteoff:
    """Ask for a write-off (pending for a checker), or write off at once without a policy."""
    require(uow.operator, "loans.writeoff")
    if not reason.strip():
        raise ValidationError("--reason: must not be empty")
    loan = get_loan(uow, loan_no, lock=True)
    if loan.status != "active":
        raise LoanStateError(
            f"loan {loan.loan_no} is {loan.status}; only active loans are written off"
        )
    waiting = pending_request(uow, loan)
    if waiting is not None:
        raise WriteoffPendingError(
            f"loan {loan.loan_no} already has a write-off request by "
            f"{waiting.requested_by} waiting for approval"
        )
    assert loan.account is not None
    if loan.account.balance <= 0:
        raise BusinessRuleError(f"loan {loan.loan_no} has no principal outstanding to write off")
    on = on or uow.today()
    req = LoanWriteoff(
        loan_id=loan.id,
        status="pending",
        reason=reason.strip(),
        requested_by=uow.username,
        requested_on=on,
        amount=loan.account.balance,
        created_at=clock.utcnow(),
    )
    uow.session.add(req)
    uow.session.flush()
    audit.record(
        uow,
        "loan.writeoff_request",
        "loan",
        loan.loan_no,
        after={"reason": reason.strip(), "outstanding": loan.account.balance},
    )
    rule = engine.rule_for(uow, KIND, loan.account.balance)
    if rule is not None:
        engine.submit(
            uow,
            kind=KIND,
            subject=loan.loan_no,
            payload={"loan_no": loan.loan_no, "request_id": req.id, "reason": req.reason},
            amount=loan.account.balance,
            rule=rule,
            on=on,
            note=f"write-off of {loan.loan_no} awaits approval by another manager: "
            f"coopctl loans writeoff {loan.loan_no} --approve",
        )
        return req
    _execute(uow, loan, req, on)
    return req


# --- the engine's side -------------------------------------------------------------------
def _request_of(uow: UnitOfWork, action: PendingAction) -> tuple[Loan, LoanWriteoff]:
    loan = get_loan(uow, action.subject, lock=True)
    req = pending_request(uow, loan)
    if req is None:
        raise LoanStateError(f"loan {loan.loan_no} has no write-off request pending")
    return loan, req


def _apply(uow: UnitOfWork, action: PendingAction) -> str:
    loan, req = _request_of(uow, action)
    if loan.status != "active":
        raise LoanStateError(f"loan {loan.loan_no} is {loan.status}, not active")
    _execute(uow, loan, req, uow.today())
    return loan.loan_no


def _end(uow: UnitOfWork, action: PendingAction) -> None:
    loan = get_loan(uow, action.subject, lock=True)
    req = pending_request(uow, loan)
    if req is None:
        return
    reason = action.reason or ""
    req.status, req.decided_by, req.decided_at = "rejected", uow.username, clock.utcnow()
    req.decision_note = reason
    uow.session.flush()
    audit.record(uow, "loan.writeoff_decline", "loan", loan.loan_no, after={"reason": reason})


def register_kinds() -> None:
    register(KIND, apply=_apply, end=_end, permission="loans.writeoff", title="loan write-off")


# --- shortcuts: loans writeoff --approve / --decline ----------------------------------------
def _action(uow: UnitOfWork, loan_no: str) -> PendingAction:
    loan = get_loan(uow, loan_no)
    action = engine.find_pending(uow, KIND, loan.loan_no)
    if action is None:
        raise LoanStateError(f"loan {loan.loan_no} has no write-off request pending")
    return action


def approve_writeoff(
    uow: UnitOfWork, loan_no: str, *, otp: str | None = None, comment: str = ""
) -> tuple[LoanWriteoff, PendingAction]:
    require(uow.operator, "loans.writeoff")
    action = _action(uow, loan_no)
    engine.approve(uow, action.id, otp=otp, comment=comment)
    req = uow.session.get(LoanWriteoff, engine.payload_of(action)["request_id"])
    assert req is not None
    return req, action


def decline_writeoff(uow: UnitOfWork, loan_no: str, reason: str) -> LoanWriteoff:
    require(uow.operator, "loans.writeoff")
    if not reason.strip():
        raise ValidationError("--reason: must not be empty")
    action = _action(uow, loan_no)
    engine.reject(uow, action.id, reason.strip())
    req = uow.session.get(LoanWriteoff, engine.payload_of(action)["request_id"])
    assert req is not None
    return req


def _execute(uow: UnitOfWork, loan: Loan, req: LoanWriteoff, on: date) -> None:
    acct = loan.account
    assert acct is not None
    principal = acct.balance
    if principal <= 0:
        raise BusinessRuleError(f"loan {loan.loan_no} has no principal outstanding to write off")
    provision = max(gl_balance(uow, GL.LOAN_LOSS_PROVISION), ZERO)
    from_provision = min(provision, principal)
    lines = []
    if from_provision > 0:
        lines.append(
            LineDraft(
                GL.LOAN_LOSS_PROVISION,
                debit=from_provision,
                memo=f"write-off of {loan.loan_no} against provision",
            )
        )
    if principal - from_provision > 0:
        lines.append(
            LineDraft(
                GL.WRITE_OFF_EXPENSE,
                debit=principal - from_provision,
                memo=f"write-off of {loan.loan_no}",
            )
        )
    lines.append(
        LineDraft(
            GL.LOANS,
            credit=principal,
            account_no=acct.account_no,
            memo=f"write-off of {loan.loan_no}",
        )
    )
    result = post(
        uow,
        EntryDraft(
            business_date=on,
            kind="loan_writeoff",
            lines=lines,
            reference=loan.loan_no,
            narration=f"Write-off of loan {loan.loan_no}: {req.reason}"[:500],
            idempotency_key=f"loan:{loan.loan_no}:writeoff",
        ),
    )
    req.status, req.decided_by, req.decided_at = "approved", uow.username, clock.utcnow()
    req.amount, req.from_provision, req.entry_id = principal, from_provision, result.entry.id
    loan.status, loan.written_off_on, loan.written_off_amount = "written_off", on, principal
    acct.status, acct.closed_on = "closed", on
    guarantors.adjust_holds(uow, loan)  # releases every hold
    uow.session.flush()
    audit.record(
        uow,
        "loan.writeoff",
        "loan",
        loan.loan_no,
        before={"status": "active"},
        after={
            "status": "written_off",
            "principal": principal,
            "from_provision": from_provision,
            "entry": result.entry_no,
        },
    )


# --- guarantors ------------------------------------------------------------------------------
def _liability(uow: UnitOfWork, loan: Loan, g: LoanGuarantor) -> Decimal:
    if loan.status == "written_off":
        base = round_money(g.amount * loan.written_off_amount / loan.principal)
        return max(base - g.recovered, ZERO)
    return guarantors._hold_amount(uow, g)


def recover_from_guarantors(uow: UnitOfWork, loan_no: str, on: date | None = None) -> RepayResult:
    require(uow.operator, "loans.writeoff")
    loan = get_loan(uow, loan_no, lock=True)
    if loan.status not in ("active", "written_off"):
        raise LoanStateError(
            f"loan {loan.loan_no} is {loan.status}; recovery needs an active or written-off loan"
        )
    on = on or uow.today()
    statuses = ("accepted",) if loan.status == "active" else ("accepted", "released")
    gs = [g for g in guarantors.of_loan(uow, loan, *statuses) if g.amount > 0]
    caps = [_liability(uow, loan, g) for g in gs]
    due = owed(uow, loan, on)
    total = min(due, sum(caps, ZERO))
    if total <= 0:
        raise BusinessRuleError(
            f"loan {loan.loan_no}: nothing to recover from guarantors "
            f"(owed {due:,.2f}, guarantees at risk {sum(caps, ZERO):,.2f})"
        )
    shares = allocate(total, [g.amount for g in gs])
    sources = []
    taken: list[tuple[LoanGuarantor, Decimal]] = []
    for g, cap, share in zip(gs, caps, shares, strict=True):
        guarantors._release(uow, g)
        acct = savings_account(uow, g.member_id)
        free = max(acct.balance - acct.held - acct.floor, ZERO) if acct else ZERO
        take = min(share, cap, free)
        if take < share:
            member = uow.session.get(Member, g.member_id)
            uow.note(
                f"guarantor {member.member_no if member else g.member_id} pays "
                f"{take:,.2f} of a {share:,.2f} share (savings available)"
            )
        if take > 0 and acct is not None:
            sources.append((acct.gl_account.code, acct.account_no, take))
            taken.append((g, take))
    amount = sum((x for _, _, x in sources), ZERO)
    if amount <= 0:
        raise BusinessRuleError(
            f"loan {loan.loan_no}: the guarantors' savings hold nothing to take"
        )
    for g in gs:  # a called guarantee is spent: no hold comes back
        g.status = "released"
    for g, take in taken:
        g.recovered = g.recovered + take
    uow.session.flush()
    res = post_payment(
        uow, loan, amount, on, sources, channel="guarantors", ref=f"guarantors of {loan.loan_no}"
    )
    audit.record(
        uow,
        "loan.recover_guarantors",
        "loan",
        loan.loan_no,
        after={"amount": amount, "shares": [str(t) for _, t in taken]},
    )
    return res


def writeoff_as_dict(req: LoanWriteoff, loan: Loan) -> dict[str, Any]:
    return {
        "loan_no": loan.loan_no,
        "status": req.status,
        "loan_status": loan.status,
        "reason": req.reason,
        "requested_by": req.requested_by,
        "decided_by": req.decided_by,
        "amount": req.amount,
        "from_provision": req.from_provision,
        "to_expense": req.amount - req.from_provision if req.status == "approved" else ZERO,
    }
