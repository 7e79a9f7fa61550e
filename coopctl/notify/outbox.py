"""Filling the outbox, in the caller's transaction (the event's own).

Each message has a ``dedupe_key`` derived from the event (``overdue:{installment}``,
``job:{job}:{date}:{run}``…): enqueueing the same event twice keeps one message.
Members choose channels (e-mail by default when they have an address; SMS on
request) and may opt out of member notices altogether.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from coopctl.core import clock
from coopctl.core.db import UnitOfWork
from coopctl.notify.models import NotifyPreference, OutboxMessage
from coopctl.notify.templates import render


def _coop_name(uow: UnitOfWork) -> str:
    from coopctl.reports.builders.common import coop_name

    return str(coop_name(uow))


def enqueue(
    uow: UnitOfWork,
    channel: str,
    recipient: str,
    template: str,
    dedupe_key: str,
    context: dict[str, Any],
    *,
    member_id: int | None = None,
    attachments: str | None = None,
) -> bool:
    """Queue one message unless its key is already queued; True when queued now."""
    key = dedupe_key[:200]
    s = uow.session
    s.flush()
    if s.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None:
        return False
    ctx = {"coop_name": _coop_name(uow), **context}
    subject, body = render(template, ctx, str(uow.settings["notify"]["templates_dir"]))
    s.add(
        OutboxMessage(
            channel=channel,
            recipient=recipient[:254],
            member_id=member_id,
            template=template,
            subject=subject,
            body=body,
            dedupe_key=key,
            status="queued",
            attempts=0,
            created_at=clock.utcnow(),
            attachments=attachments,
        )
    )
    s.flush()
    return True


def notify_staff(uow: UnitOfWork, template: str, key: str, context: dict[str, Any]) -> int:
    """Queue ``template`` for every ``[jobs] staff_recipients`` address."""
    n = 0
    for addr in uow.settings["jobs"]["staff_recipients"]:
        n += enqueue(uow, "email", addr, template, f"{key}:{addr}", context)
    return n


def member_channels(uow: UnitOfWork, member: Any) -> list[tuple[str, str]]:
    """(channel, recipient) pairs a member receives notices on (empty when opted out)."""
    pref = uow.session.get(NotifyPreference, member.id)
    if pref is not None and pref.opted_out:
        return []
    out: list[tuple[str, str]] = []
    if member.email and (pref is None or pref.email):
        out.append(("email", member.email))
    if pref is not None and pref.sms and getattr(member, "phone_enc", None):
        from coopctl.core.context import cipher_for
        from coopctl.members.pii import get_field

        phone = get_field(cipher_for(uow), member, "phone")
        if phone:
            out.append(("sms", phone))
    return out


def notify_member(
    uow: UnitOfWork, member: Any, template: str, key: str, context: dict[str, Any]
) -> int:
    """Queue ``template`` on each of the member's channels; returns how many were queued."""
    ctx = {"first_name": member.first_name, "member_no": member.member_no, **context}
    n = 0
    for channel, recipient in member_channels(uow, member):
        n += enqueue(
            uow, channel, recipient, template, f"{key}:{channel}", ctx, member_id=member.id
        )
    return n


def set_preference(
    uow: UnitOfWork, member_id: int, *, email: bool, sms: bool, opted_out: bool
) -> NotifyPreference:
    pref = uow.session.get(NotifyPreference, member_id)
    if pref is None:
        pref = NotifyPreference(member_id=member_id, updated_at=clock.utcnow())
        uow.session.add(pref)
    pref.email, pref.sms, pref.opted_out = email, sms, opted_out
    pref.updated_at = clock.utcnow()
    uow.session.flush()
    return pref
