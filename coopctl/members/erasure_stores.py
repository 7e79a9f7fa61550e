"""The built-in destroyers of :mod:`coopctl.members.erasure`: the member row, the KYC
documents (rows and files) and the notifications outbox.

What each leaves behind is listed in docs/members.md ("Retention and erasure").
"""

from __future__ import annotations

from sqlalchemy import func, select

from coopctl.core.db import UnitOfWork
from coopctl.members.models import Member

# Columns overwritten on the member row: (column, tombstone). The encrypted fields and
# their blind indexes go; so do names, contact details, employer data and KYC notes.
MEMBER_TOMBSTONES: tuple[tuple[str, object], ...] = (
    ("first_name", ""),
    ("last_name", ""),
    ("other_names", ""),
    ("search_name", ""),
    ("email", None),
    ("phone_enc", ""),
    ("phone_hash", ""),
    ("phone_last4", ""),
    ("dob_enc", None),
    ("bvn_enc", None),
    ("bvn_hash", None),
    ("bvn_last4", None),
    ("nin_enc", None),
    ("nin_hash", None),
    ("nin_last4", None),
    ("employer", ""),
    ("staff_no", ""),
    ("address", ""),
    ("kyc_note", ""),
)


def destroy_member_row(uow: UnitOfWork, member: Member, dry_run: bool) -> int:
    """Overwrite every personal field with its tombstone and stamp ``erased_on``; returns
    the number of fields that held something."""
    held = sum(1 for col, empty in MEMBER_TOMBSTONES if getattr(member, col) not in (None, ""))
    if dry_run:
        return held
    for col, empty in MEMBER_TOMBSTONES:
        setattr(member, col, empty)
    member.erased_on = uow.today()
    member.erased_by = uow.username
    uow.session.flush()
    return held


def destroy_documents(uow: UnitOfWork, member: Member, dry_run: bool) -> int:
    """Delete the member's documents (the one document store, :mod:`coopctl.docs`): the
    rows now, each stored file after the commit unless another row shares its bytes
    (files are content-addressed)."""
    from coopctl.docs import service as docs
    from coopctl.docs.models import Document

    if dry_run:
        return int(
            uow.session.scalar(
                select(func.count())
                .select_from(Document)
                .where(Document.owner_type == "member", Document.member_id == member.id)
            )
            or 0
        )
    return docs.destroy_member_documents(uow, member.id)


def destroy_notifications(uow: UnitOfWork, member: Member, dry_run: bool) -> int:
    """Blank the recipient, subject and body of every message to the member (a queued one
    is suppressed, never sent) and drop their channel preferences."""
    from coopctl.core.plugins import optional_import

    notify = optional_import("coopctl.notify.models")
    if notify is None:
        return 0
    msgs = list(
        uow.session.scalars(
            select(notify.OutboxMessage).where(notify.OutboxMessage.member_id == member.id)
        )
    )
    pref = uow.session.get(notify.NotifyPreference, member.id)
    if dry_run:
        return len(msgs) + (1 if pref is not None else 0)
    for m in msgs:
        _remove_attachments(uow, m.attachments)
        m.recipient = ""
        m.subject = ""
        m.body = ""
        m.attachments = None
        if m.status == "queued":
            m.status = "suppressed"
    if pref is not None:
        uow.session.delete(pref)
    uow.session.flush()
    return len(msgs) + (1 if pref is not None else 0)


def _remove_attachments(uow: UnitOfWork, attachments: str | None) -> None:
    """Files made for the member (statements sent by e-mail) under the data folder go
    after the commit; files elsewhere are not the cooperative's to delete."""
    import json
    from pathlib import Path

    from coopctl.members.files import remove_on_commit

    if not attachments:
        return
    try:
        paths = json.loads(attachments)
    except ValueError:
        return
    root = Path(uow.settings.data_dir).resolve()
    for p in paths if isinstance(paths, list) else []:
        if isinstance(p, str) and p:
            path = Path(p).resolve()
            if path.is_relative_to(root):
                remove_on_commit(uow, path)


def register_builtin() -> None:
    from coopctl.members.erasure import register_destroyer

    register_destroyer("member_documents", destroy_documents)
    register_destroyer("notifications", destroy_notifications)
    register_destroyer("member", destroy_member_row)
