"""Dispatching the outbox and listing it.

Each message is sent and its status written in its own transaction, so a crash
between the two may resend that one message (at-least-once, like every mail
queue); a message is never lost. A failed attempt stays ``queued`` until
``[notify] max_attempts``, then becomes ``failed``; at most ``[notify]
max_per_run`` messages go out per dispatch, so a bad template or a loop can never
flood members or get the sender's address black-listed.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import select

from coopctl.core import clock
from coopctl.core.db import UnitOfWork
from coopctl.notify.models import OutboxMessage
from coopctl.notify.sender import Sender, SendError

log = logging.getLogger("coopctl.notify")
STATUSES = ("queued", "sent", "failed", "suppressed")


def dispatch(ctx: Any, *, limit: int | None = None) -> dict[str, int]:
    """Send queued messages (oldest first, at most the cap); returns counts."""
    cap = int(ctx.settings["notify"]["max_per_run"])
    limit = min(limit, cap) if limit else cap
    max_attempts = int(ctx.settings["notify"]["max_attempts"])
    with ctx.uow() as u:
        ids = list(
            u.session.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.status == "queued")
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
        )
    sender = Sender(ctx.settings)
    out = {"sent": 0, "failed": 0, "retry": 0, "left": 0}
    try:
        for mid in ids:
            with ctx.uow() as u:
                m = u.session.get(OutboxMessage, mid)
                if m is None or m.status != "queued":
                    continue
                m.attempts += 1
                try:
                    if m.channel == "email":
                        files = json.loads(m.attachments) if m.attachments else []
                        sender.email(m.recipient, m.subject, m.body, files)
                    else:
                        sender.sms(m.recipient, f"{m.subject}: {m.body}"[:480])
                    m.status, m.sent_at, m.last_error = "sent", clock.utcnow(), None
                    out["sent"] += 1
                except SendError as exc:
                    m.last_error = str(exc)[:1000]
                    if m.attempts >= max_attempts:
                        m.status = "failed"
                        out["failed"] += 1
                    else:
                        out["retry"] += 1
                    log.warning("message %s (%s) not sent: %s", m.id, m.template, exc)
                u.commit()
    finally:
        sender.close()
    with ctx.uow() as u:
        out["left"] = len(
            list(
                u.session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "queued"))
            )
        )
    return out


def list_messages(uow: UnitOfWork, status: str | None, limit: int | None) -> list[dict[str, Any]]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if limit:
        stmt = stmt.limit(limit)
    return [
        {
            "id": m.id,
            "channel": m.channel,
            "recipient": _mask(m.recipient, m.channel),
            "template": m.template,
            "status": m.status,
            "attempts": m.attempts,
            "created": m.created_at,
            "sent": m.sent_at,
            "subject": m.subject,
            "error": m.last_error,
        }
        for m in uow.session.scalars(stmt)
    ]


def _mask(recipient: str, channel: str) -> str:
    """Phone numbers are PII: show the last four digits only."""
    if channel == "sms":
        return "*" * max(0, len(recipient) - 4) + recipient[-4:]
    return recipient
