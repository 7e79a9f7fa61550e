"""Maker-checker on journal entries, and reversals.

A pending entry moves no balance. A different operator holding
``postings.approve`` (and a role the policy names, and a TOTP code when the
policy requires it and they are enrolled) approves it, which posts it as of its
own date; or rejects it. Reversals are contra entries linked both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import (
    InvalidStateError,
    MakerCheckerError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from coopctl.core.security import check_otp, require
from coopctl.ledger.models import JournalEntry
from coopctl.ledger.posting import PostResult, apply_posting, business_today, check_date, post
from coopctl.ledger.rules import EntryDraft, LineDraft

# Other contexts hook into approvals of their own kinds (e.g. a pending
# withdrawal re-checks the member's KYC): kind → callable(uow, entry).
ON_APPROVE: dict[str, Callable[[UnitOfWork, JournalEntry], None]] = {}
# Modules that register ON_APPROVE hooks when imported (loaded before any approval,
# so a fresh process, a job or a script gets the same re-checks as the CLI).
HOOK_MODULES = ("coopctl.deposits.teller",)


def load_hooks() -> None:
    from coopctl.core.plugins import optional_import

    for name in HOOK_MODULES:
        optional_import(name)


def get_entry(uow: UnitOfWork, entry_no: str, *, lock: bool = False) -> JournalEntry:
    """The entry ``JE…``; with ``lock`` its row is locked (PostgreSQL ``FOR UPDATE``;
    SQLite writers are serialised already), so two checkers acting at once on the
    same entry queue up and the second sees the first one's decision."""
    n = entry_no.strip().upper()
    if not (n.startswith("JE") and n[2:].isdigit()):
        raise ValidationError(f"ENTRY_NO: {entry_no!r} is not an entry number (JE00000001)")
    if lock and uow.dialect == "postgresql":
        entry = uow.session.scalars(
            select(JournalEntry)
            .where(JournalEntry.id == int(n[2:]))
            .with_for_update(key_share=True)  # FOR NO KEY UPDATE, see posting.lock_accounts
            .execution_options(populate_existing=True)
        ).first()
    else:
        entry = uow.session.get(JournalEntry, int(n[2:]))
    if entry is None:
        raise NotFoundError(f"entry {n} not found")
    return entry


def check_checker(
    uow: UnitOfWork, maker: str, policy_kind: str | None, otp: str | None, *, need_otp: bool = True
) -> None:
    """The checker differs from the maker, holds the role the policy names, passes OTP
    (``need_otp=False`` for rejections: refusing an entry moves no money)."""
    op = uow.operator
    require(op, "postings.approve")
    if op.username == maker:
        raise MakerCheckerError(f"{op.username} made this item and cannot also approve it")
    if uow.settings is None or policy_kind is None:
        return
    policy = uow.settings.approval(policy_kind)
    if op.role not in policy["approver_roles"]:
        raise PermissionDeniedError(
            f"role {op.role} may not approve {policy_kind} (allowed: "
            f"{', '.join(policy['approver_roles'])})"
        )
    if need_otp and policy["require_otp"] and op.totp_secret:
        check_otp(uow, op, otp, max_failures=uow.settings["security"]["otp_max_failures"])


def expires_on(uow: UnitOfWork, entry: JournalEntry) -> date | None:
    """The last day a pending entry may still be approved (None: it never expires)."""
    if uow.settings is None or not entry.approval_kind:
        return None
    days = int(uow.settings.approval(entry.approval_kind)["expire_days"])
    return entry.business_date + timedelta(days=days) if days > 0 else None


def approve(uow: UnitOfWork, entry_no: str, *, otp: str | None = None) -> JournalEntry:
    entry = get_entry(uow, entry_no, lock=True)
    if entry.status != "pending":
        raise InvalidStateError(f"entry {entry.entry_no} is {entry.display_status}, not pending")
    last_day = expires_on(uow, entry)
    if last_day is not None and business_today(uow) > last_day:
        raise InvalidStateError(
            f"entry {entry.entry_no} expired after {last_day}; the maker must enter it again"
        )
    check_checker(uow, entry.maker, entry.approval_kind, otp)
    check_date(uow, entry.business_date)
    load_hooks()
    hook = ON_APPROVE.get(entry.kind)
    if hook:
        hook(uow, entry)
    entry.checker = uow.operator.username
    apply_posting(uow, entry)
    if entry.reverses_id:
        _link_reversal(uow, entry)
    audit.record(
        uow, "entry.approved", "journal_entry", entry.entry_no, after={"total": entry.total}
    )
    return entry


def reject(uow: UnitOfWork, entry_no: str, reason: str) -> JournalEntry:
    if not reason.strip():
        raise ValidationError("--reason is required")
    entry = get_entry(uow, entry_no, lock=True)
    if entry.status != "pending":
        raise InvalidStateError(f"entry {entry.entry_no} is {entry.display_status}, not pending")
    check_checker(uow, entry.maker, entry.approval_kind, None, need_otp=False)
    _end_pending(uow, entry, reason, "entry.rejected")
    return entry


def _end_pending(uow: UnitOfWork, entry: JournalEntry, reason: str, action: str) -> None:
    entry.status = "rejected"
    entry.checker = uow.operator.username
    entry.reason = reason
    if entry.reverses_id:  # free the original for a later reversal
        entry.reference = entry.reference or f"reversal of JE{entry.reverses_id:08d}"
        entry.reverses_id = None
    uow.session.flush()
    audit.record(uow, action, "journal_entry", entry.entry_no, after={"reason": reason})


def expire_pending(uow: UnitOfWork, as_of: date) -> list[JournalEntry]:
    """End every pending entry whose policy's ``expire_days`` ran out before ``as_of``:
    it becomes rejected ("expired"), moves nothing, and the expiry is audited."""
    require(uow.operator, "postings.expire")
    pending = uow.session.scalars(
        select(JournalEntry).where(JournalEntry.status == "pending").order_by(JournalEntry.id)
    ).all()
    expired = []
    for entry in pending:
        last_day = expires_on(uow, entry)
        if last_day is not None and as_of > last_day:
            _end_pending(uow, entry, f"expired: not approved by {last_day}", "entry.expired")
            expired.append(entry)
    return expired


def reverse(uow: UnitOfWork, entry_no: str, reason: str, *, same_date: bool = False) -> PostResult:
    """Post the contra entry of a posted entry (pending when the reversal policy says so)."""
    require(uow.operator, "postings.reverse")
    if not reason.strip():
        raise ValidationError("--reason is required")
    original = get_entry(uow, entry_no, lock=True)
    if original.status != "posted":
        raise InvalidStateError(
            f"entry {original.entry_no} is {original.status}; only posted entries reverse"
        )
    if original.reversed_by_id:
        raise InvalidStateError(f"entry {original.entry_no} is already reversed")
    if original.reverses_id:
        raise InvalidStateError(f"entry {original.entry_no} is itself a reversal")
    pending_rev = uow.session.scalars(
        select(JournalEntry).where(JournalEntry.reverses_id == original.id)
    ).first()
    if pending_rev is not None:
        raise InvalidStateError(
            f"a reversal ({pending_rev.entry_no}) is already waiting for approval"
        )
    when = (
        original.business_date
        if same_date
        else clock.today(uow.settings["cooperative"]["timezone"])
    )
    draft = EntryDraft(
        business_date=when,
        kind="reversal",
        narration=f"Reversal of {original.entry_no}: {reason}",
        reference=original.entry_no,
        approval_kind="reversal",
        reverses_id=original.id,
        reason=reason,
        lines=[
            LineDraft(
                gl_code=ln.gl_account.code,
                debit=ln.credit,
                credit=ln.debit,
                account_no=ln.account.account_no if ln.account else None,
                memo=f"reversal: {ln.memo}"[:200],
            )
            for ln in original.lines
        ],
    )
    result = post(uow, draft)
    if not result.pending:
        _link_reversal(uow, result.entry)
    uow.session.flush()
    return result


def _link_reversal(uow: UnitOfWork, reversal: JournalEntry) -> None:
    original = uow.session.get(JournalEntry, reversal.reverses_id)
    assert original is not None
    original.reversed_by_id = reversal.id
    uow.session.flush()
    audit.record(
        uow, "entry.reversed", "journal_entry", original.entry_no, after={"by": reversal.entry_no}
    )
