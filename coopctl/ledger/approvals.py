"""Maker-checker on journal entries, and reversals.

A pending entry moves no balance. A different operator holding
``postings.approve`` (and a role the policy names, and a TOTP code when the
policy requires it and they are enrolled) approves it, which posts it as of its
own date; or rejects it. Reversals are contra entries linked both ways.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from coopctl.approvals import service as engine
from coopctl.approvals.models import PendingAction
from coopctl.approvals.registry import register
from coopctl.core import audit
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import InvalidStateError, NotFoundError, ValidationError
from coopctl.core.security import require
from coopctl.ledger.models import JournalEntry
from coopctl.ledger.posting import PostResult, apply_posting, check_date, post
from coopctl.ledger.rules import EntryDraft, LineDraft

# The kinds of action whose payload is a pending journal entry (subject: its number).
ENTRY_KINDS = ("manual_journal", "withdrawal", "transfer", "reversal")


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


# --- the engine's side: apply / end a pending entry ---------------------------------------
def submit_entry(uow: UnitOfWork, entry: JournalEntry, amount: object) -> PendingAction:
    """Hand a just-stored pending entry to the approvals engine. An entry forced pending
    without a kind of its own (``post(force_pending=True)``) is a manual journal for the
    engine, needing the first band's checker whatever its amount."""
    from decimal import Decimal

    from coopctl.approvals.rules import Rule, route

    assert isinstance(amount, Decimal)
    kind = entry.approval_kind or "manual_journal"
    entry.approval_kind = kind
    rule = engine.rule_for(uow, kind, amount) or route(
        kind, {**uow.settings.approval(kind), "enabled": True}, None
    )
    assert isinstance(rule, Rule)
    return engine.submit(
        uow,
        kind=kind,
        rule=rule,
        subject=entry.entry_no,
        payload={"entry_no": entry.entry_no, "date": entry.business_date.isoformat()},
        amount=amount,
        maker=entry.maker,
        on=entry.business_date,
    )


def _pending_entry(uow: UnitOfWork, action: PendingAction) -> JournalEntry:
    entry = get_entry(uow, action.subject, lock=True)
    if entry.status != "pending":
        raise InvalidStateError(f"entry {entry.entry_no} is {entry.display_status}, not pending")
    return entry


def apply_entry(uow: UnitOfWork, action: PendingAction) -> str:
    """Post an approved pending entry as of its own date (re-checking date, period and
    funds at this moment)."""
    entry = _pending_entry(uow, action)
    check_date(uow, entry.business_date)
    entry.checker = uow.username
    apply_posting(uow, entry)
    if entry.reverses_id:
        _link_reversal(uow, entry)
    audit.record(
        uow, "entry.approved", "journal_entry", entry.entry_no, after={"total": entry.total}
    )
    return entry.entry_no


def end_entry(uow: UnitOfWork, action: PendingAction) -> None:
    """A rejected, expired or failed action leaves its entry rejected (moving nothing)."""
    entry = get_entry(uow, action.subject, lock=True)
    if entry.status != "pending":
        return
    reason = action.reason or ""
    what = (
        "expired"
        if reason.startswith("expired")
        else "failed"
        if reason.startswith("failed")
        else "rejected"
    )
    _end_pending(uow, entry, reason, f"entry.{what}")


def register_kinds() -> None:
    """Manual journals and reversals (withdrawals and transfers: ``deposits.teller``)."""
    for kind in ("manual_journal", "reversal"):
        register(
            kind,
            apply=apply_entry,
            end=end_entry,
            permission="postings.approve",
            title=kind.replace("_", " "),
        )


# --- shortcuts: postings approve / reject / expire ------------------------------------------
def action_of(uow: UnitOfWork, entry: JournalEntry) -> PendingAction:
    """The pending action of a pending entry."""
    if entry.status != "pending":
        raise InvalidStateError(f"entry {entry.entry_no} is {entry.display_status}, not pending")
    action = uow.session.scalars(
        select(PendingAction)
        .where(
            PendingAction.subject == entry.entry_no,
            PendingAction.kind.in_(ENTRY_KINDS),
            PendingAction.state == "pending",
        )
        .order_by(PendingAction.id.desc())
    ).first()
    if action is None:
        raise InvalidStateError(f"entry {entry.entry_no} has no pending approval")
    return action


def approve(
    uow: UnitOfWork, entry_no: str, *, otp: str | None = None, comment: str = ""
) -> JournalEntry:
    """``postings approve``: the engine's approve on the entry's action."""
    require(uow.operator, "postings.approve")
    entry = get_entry(uow, entry_no, lock=True)
    engine.approve(uow, action_of(uow, entry).id, otp=otp, comment=comment)
    return entry


def reject(uow: UnitOfWork, entry_no: str, reason: str) -> JournalEntry:
    if not reason.strip():
        raise ValidationError("--reason is required")
    require(uow.operator, "postings.approve")
    entry = get_entry(uow, entry_no, lock=True)
    engine.reject(uow, action_of(uow, entry).id, reason)
    return entry


def _end_pending(uow: UnitOfWork, entry: JournalEntry, reason: str, action: str) -> None:
    entry.status = "rejected"
    entry.checker = uow.username
    entry.reason = reason
    if entry.reverses_id:  # free the original for a later reversal
        entry.reference = entry.reference or f"reversal of JE{entry.reverses_id:08d}"
        entry.reverses_id = None
    uow.session.flush()
    audit.record(uow, action, "journal_entry", entry.entry_no, after={"reason": reason})


def expire_pending(uow: UnitOfWork, as_of: date) -> list[JournalEntry]:
    """``postings expire``: the engine's expiry, reporting the journal entries it ended."""
    require(uow.operator, "postings.expire")
    ended = engine.expire_actions(uow, as_of)
    return [get_entry(uow, a.subject) for a in ended if a.kind in ENTRY_KINDS]


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
    when = original.business_date if same_date else uow.today()
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
