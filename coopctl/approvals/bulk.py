"""Submitting many actions of one kind at once (bulk imports: a KYC approval for each
member of a 50,000-line ``members import`` or a 200,000-member go-live), with the
engine's own rows and records."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from sqlalchemy import select

from coopctl.approvals import registry
from coopctl.approvals.errors import ActionNotPendingError
from coopctl.approvals.models import ID_PREFIX, PendingAction
from coopctl.approvals.service import ENTITY, rule_for
from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.ledger.bulk_rows import insert_rows
from coopctl.notify import events as notify_events

__all__ = ["Submitted", "submit_many"]


class Submitted(NamedTuple):
    """A pending action written by :func:`submit_many` (no ORM object is built)."""

    id: int
    kind: str
    subject: str
    amount: None
    maker: str
    levels: int
    expires_on: Any

    @property
    def action_no(self) -> str:
        return f"{ID_PREFIX}{self.id:08d}"


def submit_many(
    uow: UnitOfWork,
    *,
    kind: str,
    items: list[tuple[str, dict[str, Any]]],
    maker: str | None = None,
) -> list[Submitted]:
    """:func:`submit` for many subjects at once (bulk imports): the same rows and
    notices, with one look-up of waiting actions per chunk, the rows written in bulk
    (:func:`coopctl.ledger.bulk_rows.insert_rows`: one statement per hundred rows on
    SQLite, COPY on PostgreSQL, where the ORM's flush would insert them one statement
    each on SQLite) and one ``approval.submitted_many`` audit record for the batch
    (first..last action number, count, kind, subjects' range, maker).

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
    levels = len(rule.levels)
    ids = insert_rows(
        uow,
        PendingAction.__table__,
        [
            {
                "kind": kind,
                "subject": subject,
                "payload": json.dumps(payload or {}, sort_keys=True, default=str),
                "amount": None,
                "maker": who,
                "business_date": today,
                "created_at": now,
                "expires_on": expires,
                "levels": levels,
                "level": 0,
                "rule": rule_json,
                "state": "pending",
            }
            for subject, payload in items
        ],
        ids=True,
        model=PendingAction,
    )
    actions = [
        Submitted(aid, kind, subject, None, who, levels, expires)
        for aid, subject in zip(ids, subjects, strict=True)
    ]
    # one audit record for the batch (the rows carry maker, date and subject each): a
    # go-live of 200,000 members adds one row to the chained log, not 200,000
    audit.record(
        uow,
        "approval.submitted_many",
        ENTITY,
        f"{actions[0].action_no}..{actions[-1].action_no}",
        after={
            "kind": kind,
            "actions": len(actions),
            "first_subject": subjects[0],
            "last_subject": subjects[-1],
            "amount": None,
            "maker": who,
            "levels": levels,
            "expires": expires,
        },
    )
    for action in actions:
        notify_events.approval_waiting(uow, action)
    return actions
