"""Submitting many actions of one kind at once (bulk imports: a KYC approval for each
member of a 50,000-line ``members import``), with the engine's own rows and records."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from coopctl.approvals import registry
from coopctl.approvals.errors import ActionNotPendingError
from coopctl.approvals.models import PendingAction
from coopctl.approvals.service import ENTITY, rule_for
from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.notify import events as notify_events

__all__ = ["submit_many"]


def submit_many(
    uow: UnitOfWork,
    *,
    kind: str,
    items: list[tuple[str, dict[str, Any]]],
    maker: str | None = None,
) -> list[PendingAction]:
    """:func:`submit` for many subjects at once (bulk imports): the same rows, audit
    records and notices, with one look-up of waiting actions per chunk and one flush.

    ``items`` are (subject, payload) pairs; no amount (the rule is the same for all).
    Refuses the whole batch when any subject already waits, or appears twice."""
    registry.get(kind)
    if not items:
        return []
    rule = rule_for(uow, kind)
    if rule is None:
        raise AssertionError(f"{kind}: no checker is needed; apply it directly")
    subjects = [s for s, _ in items]
    if len(set(subjects)) != len(subjects):
        raise AssertionError(f"{kind}: a subject appears twice in one batch")
    for i in range(0, len(subjects), 5000):
        chunk = subjects[i : i + 5000]
        waiting = uow.session.scalars(
            select(PendingAction).where(
                PendingAction.kind == kind,
                PendingAction.subject.in_(chunk),
                PendingAction.state == "pending",
            )
        ).first()
        if waiting is not None:
            raise ActionNotPendingError(
                f"{kind} {waiting.subject} already waits for approval as {waiting.action_no}"
            )
    today = uow.today()
    now = clock.utcnow()
    rule_json = json.dumps(rule.to_json(), sort_keys=True)
    who = maker or uow.username
    expires = rule.expires(today)
    actions = [
        PendingAction(
            kind=kind,
            subject=subject,
            payload=json.dumps(payload or {}, sort_keys=True, default=str),
            amount=None,
            maker=who,
            business_date=today,
            created_at=now,
            expires_on=expires,
            levels=len(rule.levels),
            level=0,
            rule=rule_json,
            state="pending",
        )
        for subject, payload in items
    ]
    uow.session.add_all(actions)
    uow.session.flush()
    for action in actions:
        audit.record(
            uow,
            "approval.submitted",
            ENTITY,
            action.action_no,
            after={
                "kind": kind,
                "subject": action.subject,
                "amount": None,
                "maker": action.maker,
                "levels": action.levels,
                "expires": action.expires_on,
            },
        )
        notify_events.approval_waiting(uow, action)
    return actions
