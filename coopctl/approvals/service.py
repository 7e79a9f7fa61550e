"""The approvals engine: submit, approve, reject, expire; list and show.

State machine of an action: ``pending → approved → applied``, or ``pending →
rejected | expired``, or ``approved → failed`` (applying found the business rules
no longer hold; the reason is kept). Separation of duties: the maker never
approves, and an operator decides at most one level of an action (also enforced
by a unique key on the decisions). Every transition is audited.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.approvals import registry
from coopctl.approvals.errors import (
    ActionExpiredError,
    ActionNotPendingError,
    DutySeparationError,
)
from coopctl.approvals.models import ID_PREFIX, ApprovalDecision, PendingAction
from coopctl.approvals.rules import Rule, route
from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import (
    BusinessRuleError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from coopctl.core.security import check_otp, require
from coopctl.notify import events as notify_events

__all__ = [
    "approve",
    "as_dict",
    "expire",
    "find_pending",
    "get",
    "list_actions",
    "register",
    "reject",
    "rule_for",
    "submit",
]

register = registry.register
ENTITY = "approval"


# --- routing -----------------------------------------------------------------------------
def rule_for(uow: UnitOfWork, kind: str, amount: Decimal | None = None) -> Rule | None:
    """The workflow rule for ``kind`` at ``amount``; None when no checker is needed.
    A kind without a config section is an error (fail closed), never "no checker"."""
    try:
        policy = uow.settings.approval(kind)
    except KeyError:
        raise ConfigError(f"no workflow is defined for approvals of kind {kind!r}") from None
    return route(kind, policy, amount)


def submit(
    uow: UnitOfWork,
    *,
    kind: str,
    subject: str,
    payload: dict[str, Any] | None = None,
    amount: Decimal | None = None,
    maker: str | None = None,
    rule: Rule | None = None,
    note: str | None = None,
    on: date | None = None,
) -> PendingAction:
    """Store a pending action of ``kind`` about ``subject`` for its checkers.

    The caller decided that a checker is needed (``rule_for`` returned a rule);
    ``maker`` defaults to the current operator. Only one action of a kind may be
    pending for one subject."""
    registry.get(kind)
    rule = rule or rule_for(uow, kind, amount)
    if rule is None:
        raise AssertionError(f"{kind} {subject}: no checker is needed; apply it directly")
    waiting = find_pending(uow, kind, subject)
    if waiting is not None:
        raise ActionNotPendingError(
            f"{kind} {subject} already waits for approval as {waiting.action_no}"
        )
    today = on or uow.today()
    action = PendingAction(
        kind=kind,
        subject=subject,
        payload=json.dumps(payload or {}, sort_keys=True, default=str),
        amount=amount,
        maker=maker or uow.username,
        business_date=today,
        created_at=clock.utcnow(),
        expires_on=rule.expires(today),
        levels=len(rule.levels),
        level=0,
        rule=json.dumps(rule.to_json(), sort_keys=True),
        state="pending",
    )
    uow.session.add(action)
    uow.session.flush()
    audit.record(
        uow,
        "approval.submitted",
        ENTITY,
        action.action_no,
        after={
            "kind": kind,
            "subject": subject,
            "amount": amount,
            "maker": action.maker,
            "levels": action.levels,
            "expires": action.expires_on,
        },
    )
    notify_events.approval_waiting(uow, action)
    if note != "":
        uow.note(
            note
            or f"{kind} {subject} awaits approval as {action.action_no} "
            f"({action.levels} level{'s' if action.levels > 1 else ''})"
        )
    return action


# --- look-ups ----------------------------------------------------------------------------
def parse_id(text: str) -> int:
    t = text.strip().upper()
    digits = t[len(ID_PREFIX) :] if t.startswith(ID_PREFIX) else t
    if not digits.isdigit() or len(digits) > 12:
        raise ValidationError(f"ID: {text!r} is not an approval id (AP00000001)")
    return int(digits)


def get(uow: UnitOfWork, action_id: str | int, *, lock: bool = False) -> PendingAction:
    pk = action_id if isinstance(action_id, int) else parse_id(action_id)
    stmt = select(PendingAction).where(PendingAction.id == pk)
    if lock and uow.dialect == "postgresql":
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    action = uow.session.scalars(stmt).first()
    if action is None:
        raise NotFoundError(f"approval {ID_PREFIX}{pk:08d} not found")
    return action


def find_pending(uow: UnitOfWork, kind: str, subject: str) -> PendingAction | None:
    return uow.session.scalars(
        select(PendingAction)
        .where(
            PendingAction.kind == kind,
            PendingAction.subject == subject,
            PendingAction.state == "pending",
        )
        .order_by(PendingAction.id.desc())
    ).first()


def latest(uow: UnitOfWork, kind: str, subject: str) -> PendingAction | None:
    return uow.session.scalars(
        select(PendingAction)
        .where(PendingAction.kind == kind, PendingAction.subject == subject)
        .order_by(PendingAction.id.desc())
    ).first()


def payload_of(action: PendingAction) -> dict[str, Any]:
    data = json.loads(action.payload or "{}")
    assert isinstance(data, dict)
    return data


def _rule_of(action: PendingAction) -> dict[str, Any]:
    data = json.loads(action.rule or "{}")
    assert isinstance(data, dict)
    return data


def roles_at(action: PendingAction, level: int) -> list[str]:
    levels = _rule_of(action).get("levels") or []
    if 1 <= level <= len(levels):
        return list(levels[level - 1])
    return ["manager", "admin"]


def waits_for(uow: UnitOfWork, action: PendingAction) -> bool:
    """Whether the current operator could decide the next level of ``action``."""
    op = uow.operator
    if action.state != "pending" or action.maker == op.username:
        return False
    if any(d.operator == op.username for d in action.decisions):
        return False
    return op.role in roles_at(action, action.level + 1)


def list_actions(
    uow: UnitOfWork,
    *,
    kind: str | None = None,
    state: str | None = None,
    mine: bool = False,
    limit: int | None = None,
) -> list[PendingAction]:
    require(uow.operator, "approvals.view")
    stmt = select(PendingAction).order_by(PendingAction.id)
    if kind:
        stmt = stmt.where(PendingAction.kind == kind)
    if state:
        stmt = stmt.where(PendingAction.state == state)
    if mine:
        stmt = stmt.where(PendingAction.state == "pending")
    rows = list(uow.session.scalars(stmt).all())
    if mine:
        rows = [a for a in rows if waits_for(uow, a)]
    return rows[:limit] if limit else rows


# --- decisions ---------------------------------------------------------------------------
def refresh(uow: UnitOfWork, action: PendingAction) -> Rule | None:
    """Re-read the kind's workflow from config for a pending action: the levels, roles,
    OTP and expiry in force now apply (as when the old per-context approvals read their
    policy at approval time). Levels never drop below those already approved; None when
    the workflow now needs no (further) checker."""
    if action.state != "pending":
        return None
    kind = registry.get(action.kind)
    rule = (
        kind.rule(uow, action)
        if kind.rule is not None
        else rule_for(uow, action.kind, action.amount)
    )
    if rule is None:
        action.expires_on = None
    else:
        action.levels = max(len(rule.levels), action.level)
        action.rule = json.dumps(rule.to_json(), sort_keys=True)
        action.expires_on = rule.expires(action.business_date)
    uow.session.flush()
    return rule


def _require_pending(uow: UnitOfWork, action: PendingAction) -> None:
    if action.state != "pending":
        extra = f" ({action.reason})" if action.reason else ""
        raise ActionNotPendingError(
            f"{action.action_no} ({action.kind} {action.subject}) is {action.state}, "
            f"not pending{extra}"
        )
    if action.expires_on is not None and uow.today() > action.expires_on:
        raise ActionExpiredError(
            f"{action.action_no} ({action.kind} {action.subject}) expired after "
            f"{action.expires_on}; the maker must enter it again"
        )


def _check_checker(uow: UnitOfWork, action: PendingAction, kind: registry.Kind) -> int:
    op = uow.operator
    require(op, kind.permission)
    if op.username == action.maker:
        raise DutySeparationError(f"{op.username} made this item and cannot also approve it")
    for d in action.decisions:
        if d.operator == op.username:
            raise DutySeparationError(
                f"{op.username} already decided level {d.level} of {action.action_no}; "
                "another operator must decide the next level"
            )
    level = action.level + 1
    roles = roles_at(action, level)
    if op.role not in roles:
        raise PermissionDeniedError(
            f"role {op.role} may not approve {kind.title} (level {level} of {action.levels}; "
            f"allowed: {', '.join(roles)})"
        )
    return level


def approve(
    uow: UnitOfWork, action_id: str | int, *, otp: str | None = None, comment: str = ""
) -> PendingAction:
    """Record the current operator's approval of the next level; the last level applies
    the action. A stale action (rules no longer hold) ends ``failed`` with the reason."""
    action = get(uow, action_id, lock=True)
    kind = registry.get(action.kind)
    rule = refresh(uow, action)
    _require_pending(uow, action)
    if rule is None:  # the workflow needs no checker now: the permission suffices
        require(uow.operator, kind.permission)
        level = action.level + 1
        action.levels = level
    else:
        level = _check_checker(uow, action, kind)
    otp_used = False
    if rule is not None and rule.otp and uow.operator.totp_secret:
        check_otp(
            uow,
            uow.operator,
            otp,
            max_failures=uow.settings["security"]["otp_max_failures"],
        )
        otp_used = True
    if kind.check is not None:
        kind.check(uow, action)
    _decide(uow, action, level, "approved", comment, otp_used)
    action.level = level
    if kind.decided is not None:
        kind.decided(uow, action)
    if level < action.levels:
        uow.session.flush()
        uow.note(f"{action.action_no}: level {level} of {action.levels} approved")
        return action
    _transition(uow, action, "approved")
    _apply(uow, action, kind)
    return action


def _apply(uow: UnitOfWork, action: PendingAction, kind: registry.Kind) -> None:
    queued = len(uow.__dict__.get("_audit", []))
    notes = len(uow.messages)
    savepoint = uow.session.begin_nested()
    try:
        result = kind.apply(uow, action)
        uow.session.flush()
    except BusinessRuleError as exc:
        savepoint.rollback()
        del uow.__dict__.setdefault("_audit", [])[queued:]
        del uow.messages[notes:]
        action.reason = f"failed: {exc.message}"
        if kind.end is not None:
            kind.end(uow, action)
        _transition(uow, action, "failed", reason=exc.message)
        return
    savepoint.commit()
    action.result = result
    _transition(uow, action, "applied", result=result)


def reject(uow: UnitOfWork, action_id: str | int, reason: str) -> PendingAction:
    """Refuse an action; it moves nothing. (Refusing is the safe direction: a level
    already approved does not stop another checker from rejecting.)"""
    if not reason.strip():
        raise ValidationError("--reason is required")
    action = get(uow, action_id, lock=True)
    kind = registry.get(action.kind)
    if action.state != "pending":
        raise ActionNotPendingError(
            f"{action.action_no} ({action.kind} {action.subject}) is {action.state}, not pending"
        )
    op = uow.operator
    require(op, kind.permission)
    if op.username == action.maker and not kind.maker_may_reject:
        raise DutySeparationError(f"{op.username} made this item and cannot also approve it")
    if any(d.operator == op.username for d in action.decisions):
        raise DutySeparationError(f"{op.username} already decided on {action.action_no}")
    _decide(uow, action, action.level + 1, "rejected", reason.strip(), False)
    action.reason = reason.strip()
    if kind.end is not None:
        kind.end(uow, action)
    _transition(uow, action, "rejected", reason=reason.strip())
    return action


def cancel(uow: UnitOfWork, action: PendingAction, reason: str) -> None:
    """End a pending action that its own context superseded (e.g. a budget imported
    again): it becomes ``rejected`` with the reason, recorded without a checker."""
    if action.state != "pending":
        return
    action.reason = reason
    kind = registry.get(action.kind)
    if kind.end is not None:
        kind.end(uow, action)
    _transition(uow, action, "rejected", reason=reason)


def expire(uow: UnitOfWork, as_of: date | None = None) -> int:
    """End every pending action whose last day is before ``as_of`` (default: the business
    date); they become ``expired``, move nothing, and each is audited. Returns the count."""
    return len(expire_actions(uow, as_of))


def expire_actions(uow: UnitOfWork, as_of: date | None = None) -> list[PendingAction]:
    require(uow.operator, "approvals.expire")
    day = as_of or uow.today()
    for waiting in uow.session.scalars(
        select(PendingAction).where(PendingAction.state == "pending")
    ).all():
        refresh(uow, waiting)
    rows = uow.session.scalars(
        select(PendingAction)
        .where(
            PendingAction.state == "pending",
            PendingAction.expires_on.is_not(None),
            PendingAction.expires_on < day,
        )
        .order_by(PendingAction.id)
    ).all()
    for action in rows:
        action.reason = f"expired: not approved by {action.expires_on}"
        kind = registry.get(action.kind)
        if kind.end is not None:
            kind.end(uow, action)
        _transition(uow, action, "expired", reason=action.reason)
    return list(rows)


def _decide(
    uow: UnitOfWork, action: PendingAction, level: int, decision: str, comment: str, otp: bool
) -> None:
    d = ApprovalDecision(
        action_id=action.id,
        level=level,
        decision=decision,
        operator=uow.username,
        role=uow.operator.role,
        otp_used=otp,
        comment=comment,
        decided_at=clock.utcnow(),
    )
    uow.session.add(d)
    action.decisions.append(d)
    uow.session.flush()
    audit.record(
        uow,
        f"approval.{decision}",
        ENTITY,
        action.action_no,
        after={"level": level, "of": action.levels, "otp": otp, "comment": comment},
    )


def _transition(
    uow: UnitOfWork,
    action: PendingAction,
    state: str,
    *,
    reason: str | None = None,
    result: str | None = None,
) -> None:
    before = action.state
    action.state = state
    if state != "approved":
        action.ended_at = clock.utcnow()
    uow.session.flush()
    after: dict[str, Any] = {"state": state}
    if reason:
        after["reason"] = reason
    if result:
        after["result"] = result
    audit.record(
        uow, f"approval.{state}", ENTITY, action.action_no, before={"state": before}, after=after
    )


# --- output ------------------------------------------------------------------------------
def as_dict(action: PendingAction, *, decisions: bool = False) -> dict[str, Any]:
    """The JSON shape of ``approvals list/show`` (CLI.md)."""
    out: dict[str, Any] = {
        "id": action.action_no,
        "kind": action.kind,
        "state": action.state,
        "maker": action.maker,
        "amount": action.amount,
        "subject": action.subject,
        "created": action.created_at,
        "expires": action.expires_on,
        "level": action.level,
        "levels": action.levels,
        "reason": action.reason,
        "result": action.result,
    }
    if decisions:
        out["payload"] = payload_of(action)
        out["roles"] = [roles_at(action, n) for n in range(1, action.levels + 1)]
        out["decisions"] = [
            {
                "level": d.level,
                "decision": d.decision,
                "operator": d.operator,
                "role": d.role,
                "otp_used": d.otp_used,
                "comment": d.comment,
                "at": d.decided_at,
            }
            for d in action.decisions
        ]
    return out


def raise_if_failed(action: PendingAction | None) -> None:
    """After the caller committed: a failed application exits 5 with its reason (the
    ``failed`` record itself is kept — it is the audit trail of a stale decision)."""
    from coopctl.approvals.errors import ApprovalFailedError

    if action is not None and action.state == "failed":
        raise ApprovalFailedError(
            f"{action.action_no} ({action.kind} {action.subject}) was approved but could not "
            f"be applied and is recorded failed: {(action.reason or '').removeprefix('failed: ')}"
        )
