"""The loan committee: a workflow of the approvals engine (kind ``loan``).

An application (status ``applied``) is submitted when it is entered; its
officer is the maker. The committee is ``[loans] committee_size`` levels (default
2), each open to the roles of ``[approvals.loan] approver_roles``; further bands
of ``[approvals.loan] bands`` may ask more for large loans. The officer never
approves, a person approves once (``loans approve`` by the same person twice
exits 5, as it always did), and the last approval re-checks the guarantees, then
approves the loan and turns guarantees into holds on the guarantors' savings.
``loans reject`` (or ``approvals reject``) refuses it and frees the guarantees.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from coopctl.approvals import service as engine
from coopctl.approvals.models import PendingAction
from coopctl.approvals.registry import register
from coopctl.approvals.rules import Rule, route
from coopctl.core import audit
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import ConfigError
from coopctl.core.security import require
from coopctl.loans import guarantors
from coopctl.loans.common import get_loan, loans_setting
from coopctl.loans.errors import (
    DuplicateApprovalError,
    LoanOptionError,
    LoanStateError,
    SelfApprovalError,
)
from coopctl.loans.models import Loan
from coopctl.notify import events as notify_events

KIND = "loan"


@dataclass
class ApprovalResult:
    loan: Loan
    approvals: int
    needed: int


def committee_rule(uow: UnitOfWork, loan: Loan) -> Rule | None:
    return _committee(uow, loan.principal)


def _rule_of(uow: UnitOfWork, action: PendingAction) -> Rule | None:
    return _committee(uow, action.amount)


def _committee(uow: UnitOfWork, principal: Decimal | None) -> Rule | None:
    size = int(loans_setting(uow, "committee_size", 2))
    if size < 1:
        raise ConfigError(f"loans.committee_size: must be at least 1, got {size}")
    policy: dict[str, Any] = {**uow.settings.approval(KIND), "levels": size}
    return route(KIND, policy, principal)


def submit_application(uow: UnitOfWork, loan: Loan) -> PendingAction | None:
    """Hand a new application to the committee (None: the workflow is off)."""
    rule = committee_rule(uow, loan)
    if rule is None:
        return None
    return engine.submit(
        uow,
        kind=KIND,
        subject=loan.loan_no,
        payload={"loan_no": loan.loan_no},
        amount=loan.principal,
        maker=loan.officer,
        rule=rule,
        on=loan.applied_on,
        note="",
    )


def approvals_of(uow: UnitOfWork, loan: Loan) -> list[dict[str, Any]]:
    """Every committee decision on the loan, oldest first."""
    from sqlalchemy import select

    from coopctl.approvals.models import ApprovalDecision

    rows = uow.session.scalars(
        select(ApprovalDecision)
        .join(PendingAction, PendingAction.id == ApprovalDecision.action_id)
        .where(PendingAction.kind == KIND, PendingAction.subject == loan.loan_no)
        .order_by(ApprovalDecision.id)
    ).all()
    return [{"approver": d.operator, "decision": d.decision, "comment": d.comment} for d in rows]


# --- the engine's side -------------------------------------------------------------------
def _applied(uow: UnitOfWork, action: PendingAction) -> Loan:
    loan = get_loan(uow, action.subject, lock=True)
    if loan.status != "applied":
        raise LoanStateError(f"loan {loan.loan_no} is {loan.status}, not applied")
    return loan


def _check(uow: UnitOfWork, action: PendingAction) -> None:
    loan = _applied(uow, action)
    if action.level + 1 >= action.levels:  # the last approval: guarantees must cover
        guarantors.require_coverage(uow, loan)


def _decided(uow: UnitOfWork, action: PendingAction) -> None:
    d = action.decisions[-1]
    audit.record(
        uow,
        "loan.approval",
        "loan",
        action.subject,
        after={
            "approver": d.operator,
            "approvals": action.level,
            "needed": action.levels,
            "comment": d.comment,
        },
    )


def _apply(uow: UnitOfWork, action: PendingAction) -> str:
    loan = _applied(uow, action)
    _apply_direct(uow, loan)
    return loan.loan_no


def _end(uow: UnitOfWork, action: PendingAction) -> None:
    reason = action.reason or ""
    if reason.startswith(("expired", "failed")):
        return  # still applied: `loans approve` opens a new round
    loan = get_loan(uow, action.subject, lock=True)
    if loan.status == "applied":
        _reject_loan(uow, loan, reason)


def register_kinds() -> None:
    register(
        KIND,
        apply=_apply,
        check=_check,
        decided=_decided,
        rule=_rule_of,
        end=_end,
        permission="loans.approve",
        maker_may_reject=True,
        title="loan committee",
    )


# --- shortcuts: loans approve / reject -------------------------------------------------------
def approve(uow: UnitOfWork, loan_no: str, *, comment: str = "") -> ApprovalResult:
    """Record one committee approval; the last level approves the loan."""
    require(uow.operator, "loans.approve")
    loan = get_loan(uow, loan_no, lock=True)
    if loan.status != "applied":
        raise LoanStateError(f"loan {loan.loan_no} is {loan.status}, not applied")
    me = uow.username
    if me == loan.officer:
        raise SelfApprovalError(f"{me} entered application {loan.loan_no} and cannot approve it")
    action = engine.find_pending(uow, KIND, loan.loan_no) or submit_application(uow, loan)
    if action is None:  # no committee configured
        _apply_direct(uow, loan)
        return ApprovalResult(loan, 0, 0)
    if any(d.operator == me for d in action.decisions):
        raise DuplicateApprovalError(
            f"{me} has already approved loan {loan.loan_no}; the committee needs distinct approvers"
        )
    engine.approve(uow, action.id, comment=comment.strip())
    return ApprovalResult(loan, action.level, action.levels)


def _apply_direct(uow: UnitOfWork, loan: Loan) -> None:
    guarantors.require_coverage(uow, loan)
    loan.status = "approved"
    loan.approved_on = uow.today()
    guarantors.place_holds(uow, loan)
    uow.session.flush()
    notify_events.loan_approved(uow, loan, loan.approved_on)
    audit.record(
        uow,
        "loan.approved",
        "loan",
        loan.loan_no,
        before={"status": "applied"},
        after={"status": "approved"},
    )


def reject(uow: UnitOfWork, loan_no: str, reason: str) -> Loan:
    """Reject an application (applied or approved, not yet disbursed); frees guarantees."""
    require(uow.operator, "loans.approve")
    if not reason.strip():
        raise LoanOptionError("--reason: must not be empty")
    loan = get_loan(uow, loan_no, lock=True)
    if loan.status not in ("applied", "approved"):
        raise LoanStateError(
            f"loan {loan.loan_no} is {loan.status}; only applications "
            "not yet disbursed can be rejected"
        )
    action = engine.find_pending(uow, KIND, loan.loan_no)
    if action is not None and not any(d.operator == uow.username for d in action.decisions):
        engine.reject(uow, action.id, reason.strip())  # the engine's end hook rejects the loan
    else:
        if action is not None:
            engine.cancel(uow, action, reason.strip())
        _reject_loan(uow, loan, reason.strip())
    return loan


def _reject_loan(uow: UnitOfWork, loan: Loan, reason: str) -> None:
    if loan.status == "rejected":
        return
    before = loan.status
    loan.status = "rejected"
    loan.rejected_reason = reason
    guarantors.release_all(uow, loan)
    for g in guarantors.of_loan(uow, loan, "requested"):
        g.status = "declined"
    uow.session.flush()
    audit.record(
        uow,
        "loan.reject",
        "loan",
        loan.loan_no,
        before={"status": before},
        after={"status": "rejected", "reason": reason},
    )
