"""The posting engine: every financial effect goes through :func:`post`.

A draft is validated in pure code (:mod:`coopctl.ledger.rules`), then against
the database (dates, periods, accounts), then inserted as ``draft`` (or
``pending`` when maker-checker applies), its lines added, member balances
updated under a row lock, and the entry flipped to ``posted`` — where the
database trigger checks the balance once more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import (
    ClosedPeriodError,
    FutureDateError,
    InactiveAccountError,
    InsufficientFundsError,
    ManualPostingNotAllowedError,
    NotFoundError,
)
from coopctl.core.money import ZERO
from coopctl.core.security import needs_checker
from coopctl.ledger.models import Account, GLAccount, JournalEntry, JournalLine, Period
from coopctl.ledger.rules import (
    ControlAccountError,
    EntryDraft,
    HeaderAccountError,
    LineDraft,
    UnknownGLAccountError,
    validate_draft,
)

__all__ = ["EntryDraft", "LineDraft", "PostResult", "apply_posting", "post"]


@dataclass
class PostResult:
    entry: JournalEntry
    created: bool  # False: the idempotency key matched an earlier entry, nothing posted
    pending: bool

    @property
    def entry_no(self) -> str:
        return self.entry.entry_no


def closed_period_for(uow: UnitOfWork, d: date) -> Period | None:
    return uow.session.scalars(
        select(Period).where(
            Period.status == "closed", Period.start_date <= d, Period.end_date >= d
        )
    ).first()


def check_date(uow: UnitOfWork, d: date) -> None:
    today = uow.today()
    if d > today:
        raise FutureDateError(f"date {d} is after the business date {today}")
    p = closed_period_for(uow, d)
    if p is not None:
        raise ClosedPeriodError(f"date {d} is in the closed period {p.year}-{p.month:02d}")


def find_by_key(uow: UnitOfWork, key: str) -> JournalEntry | None:
    return uow.session.scalars(
        select(JournalEntry).where(JournalEntry.idempotency_key == key)
    ).first()


def resolve_gl(uow: UnitOfWork, codes: set[str]) -> dict[str, GLAccount]:
    rows = uow.session.scalars(select(GLAccount).where(GLAccount.code.in_(codes))).all()
    found = {g.code: g for g in rows}
    missing = sorted(codes - found.keys())
    if missing:
        raise UnknownGLAccountError(f"GL account {', '.join(missing)} not found")
    return found


def resolve_accounts(uow: UnitOfWork, numbers: set[str]) -> dict[str, Account]:
    if not numbers:
        return {}
    rows = uow.session.scalars(select(Account).where(Account.account_no.in_(numbers))).all()
    found = {a.account_no: a for a in rows}
    missing = sorted(numbers - found.keys())
    if missing:
        raise NotFoundError(f"account {', '.join(missing)} not found")
    return found


def _needs_approval(uow: UnitOfWork, draft: EntryDraft, total: Decimal) -> bool:
    if not draft.approval_kind:
        return False
    amount = draft.approval_amount if draft.approval_amount is not None else total
    return needs_checker(uow, draft.approval_kind, amount)


def replay(uow: UnitOfWork, key: str | None) -> PostResult | None:
    """The earlier entry under idempotency ``key`` (``created=False``), noted for the
    operator, or None. Callers that check business rules before building a draft call
    this first, so a repeated command is a no-op rather than a rule failure."""
    if not key:
        return None
    existing = find_by_key(uow, key)
    if existing is None:
        return None
    uow.note(f"already done: idempotency key {key!r} is entry {existing.entry_no}; nothing posted")
    return PostResult(existing, created=False, pending=existing.status == "pending")


def post(uow: UnitOfWork, draft: EntryDraft, *, force_pending: bool | None = None) -> PostResult:
    """Validate and post ``draft`` (or store it pending for a checker).

    A repeated idempotency key returns the original entry (``created=False``)
    and notes so; nothing else happens.
    """
    earlier = replay(uow, draft.idempotency_key)
    if earlier is not None:
        return earlier
    total = validate_draft(draft)
    check_date(uow, draft.business_date)
    gls = resolve_gl(uow, {ln.gl_code for ln in draft.lines})
    accounts = resolve_accounts(uow, {ln.account_no for ln in draft.lines if ln.account_no})
    for ln in draft.lines:
        _check_line(ln, gls[ln.gl_code], accounts.get(ln.account_no or ""), draft.manual)
    pending = _needs_approval(uow, draft, total) if force_pending is None else force_pending
    entry = JournalEntry(
        business_date=draft.business_date,
        kind=draft.kind,
        reference=draft.reference,
        narration=draft.narration,
        status="pending" if pending else "draft",
        maker=_username(uow),
        idempotency_key=draft.idempotency_key,
        approval_kind=draft.approval_kind if pending else None,
        total=total,
        reverses_id=draft.reverses_id,
        reason=draft.reason,
        created_at=clock.utcnow(),
    )
    uow.session.add(entry)
    uow.session.flush()
    for i, ln in enumerate(draft.lines, 1):
        acct = accounts.get(ln.account_no or "")
        uow.session.add(
            JournalLine(
                entry_id=entry.id,
                line_no=i,
                gl_account_id=gls[ln.gl_code].id,
                account_id=acct.id if acct else None,
                debit=ln.debit,
                credit=ln.credit,
                memo=ln.memo[:200],
            )
        )
    uow.session.flush()
    if not pending:
        apply_posting(uow, entry)
    audit.record(
        uow,
        "entry.pending" if pending else "entry.posted",
        "journal_entry",
        entry.entry_no,
        after={
            "kind": entry.kind,
            "date": entry.business_date,
            "total": total,
            "reference": entry.reference,
        },
    )
    if pending:
        from coopctl.ledger.approvals import submit_entry

        amount = draft.approval_amount if draft.approval_amount is not None else total
        submit_entry(uow, entry, amount)
    return PostResult(entry, created=True, pending=pending)


def _username(uow: UnitOfWork) -> str:
    return uow.username


def _check_line(ln: LineDraft, gl: GLAccount, acct: Account | None, manual: bool) -> None:
    if not gl.active:
        raise InactiveAccountError(f"GL account {gl.code} is inactive")
    if gl.is_header:
        raise HeaderAccountError(f"GL account {gl.code} is a header; post to its children")
    if manual and not gl.manual_allowed:
        raise ManualPostingNotAllowedError(
            f"GL account {gl.code} ({gl.name}) does not accept manual journals"
        )
    if gl.is_control and acct is None:
        raise ControlAccountError(
            f"GL account {gl.code} is a control account: the line must name a member account"
        )
    if acct is not None:
        if acct.gl_account_id != gl.id:
            raise ControlAccountError(
                f"account {acct.account_no} belongs to GL {acct.gl_account.code}, not {gl.code}"
            )
        if acct.status not in ("active", "dormant"):
            raise InactiveAccountError(f"account {acct.account_no} is {acct.status}")


def lock_accounts(uow: UnitOfWork, ids: list[int]) -> dict[int, Account]:
    """Lock member accounts in id order (no deadlocks) and return fresh rows.

    PostgreSQL: ``FOR NO KEY UPDATE`` — the lock an UPDATE of the balance takes
    anyway. (``FOR UPDATE`` would also conflict with the ``KEY SHARE`` locks that
    the foreign-key checks of other transactions' journal lines hold on the
    account, and two concurrent postings to one account then deadlock.)
    """
    if not ids:
        return {}
    stmt = select(Account).where(Account.id.in_(sorted(set(ids)))).order_by(Account.id)
    if uow.dialect == "postgresql":
        stmt = stmt.with_for_update(key_share=True)
    rows = uow.session.scalars(stmt.execution_options(populate_existing=True)).all()
    return {a.id: a for a in rows}


def apply_posting(uow: UnitOfWork, entry: JournalEntry) -> None:
    """Move member balances (under lock) and flip the entry to posted."""
    deltas = account_deltas(uow, entry)
    locked = lock_accounts(uow, list(deltas))
    apply_deltas(locked, deltas)
    entry.status = "posted"
    entry.posted_at = clock.utcnow()
    uow.session.flush()


def account_deltas(uow: UnitOfWork, entry: JournalEntry) -> dict[int, Decimal]:
    rows = uow.session.execute(
        select(
            JournalLine.account_id, JournalLine.debit, JournalLine.credit, GLAccount.normal_balance
        )
        .join(GLAccount, GLAccount.id == JournalLine.gl_account_id)
        .where(JournalLine.entry_id == entry.id, JournalLine.account_id.is_not(None))
    ).all()
    deltas: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for account_id, debit, credit, normal in rows:
        assert account_id is not None
        deltas[account_id] += (debit - credit) if normal == "debit" else (credit - debit)
    return dict(deltas)


def apply_deltas(locked: dict[int, Account], deltas: dict[int, Decimal]) -> None:
    for account_id, delta in deltas.items():
        acct = locked[account_id]
        new_balance = acct.balance + delta
        if delta < 0 and new_balance - acct.held < acct.floor:
            available = acct.balance - acct.held - acct.floor
            raise InsufficientFundsError(
                f"account {acct.account_no}: available {max(available, ZERO):,.2f}, "
                f"needs {-delta:,.2f}"
            )
        acct.balance = new_balance


def entry_as_dict(entry: JournalEntry) -> dict[str, Any]:
    """The JSON shape of CLI.md for ``postings …``."""
    return {
        "entry_no": entry.entry_no,
        "status": entry.display_status,
        "date": entry.business_date,
        "kind": entry.kind,
        "reference": entry.reference,
        "narration": entry.narration,
        "maker": entry.maker,
        "checker": entry.checker,
        "total": entry.total,
        "reverses": _no(entry.reverses_id),
        "reversed_by": _no(entry.reversed_by_id),
        "lines": [
            {
                "gl_code": ln.gl_account.code,
                "account_no": ln.account.account_no if ln.account else None,
                "debit": ln.debit,
                "credit": ln.credit,
                "memo": ln.memo,
            }
            for ln in entry.lines
        ],
    }


def _no(entry_id: int | None) -> str | None:
    from coopctl.ledger.models import entry_no_of

    return entry_no_of(entry_id) if entry_id else None
