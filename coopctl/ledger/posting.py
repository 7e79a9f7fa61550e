"""The posting engine: every financial effect goes through :func:`post`.

A draft is checked against the one list of posting rules (:data:`coopctl.ledger.rules.RULES`:
the draft alone, then its date and lines against the facts loaded from the database
by :func:`load_facts`), then inserted as ``draft`` (or
``pending`` when maker-checker applies), its lines added, member balances
updated under a row lock, and the entry flipped to ``posted`` — where the
database trigger checks the balance once more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import InsufficientFundsError
from coopctl.core.money import ZERO
from coopctl.core.security import needs_checker
from coopctl.ledger import rules
from coopctl.ledger.models import Account, GLAccount, JournalEntry, JournalLine, Period
from coopctl.ledger.rules import EntryDraft, Facts, LineDraft

__all__ = ["EntryDraft", "LineDraft", "PostResult", "apply_posting", "post"]


@dataclass
class PostResult:
    entry: JournalEntry
    created: bool  # False: the idempotency key matched an earlier entry, nothing posted
    pending: bool

    @property
    def entry_no(self) -> str:
        return self.entry.entry_no


def closed_periods(uow: UnitOfWork, first: date, last: date) -> list[tuple[date, date, str]]:
    """Closed periods overlapping ``first``..``last`` as (start, end, "YYYY-MM")."""
    rows = uow.session.execute(
        select(Period.start_date, Period.end_date, Period.year, Period.month).where(
            Period.status == "closed", Period.start_date <= last, Period.end_date >= first
        )
    ).all()
    return [(a, b, f"{y}-{m:02d}") for a, b, y, m in rows]


def resolve_gl(uow: UnitOfWork, codes: set[str]) -> dict[str, GLAccount]:
    """The GL accounts named by ``codes`` (missing ones are left out: a rule names them)."""
    if not codes:
        return {}
    return {
        g.code: g for g in uow.session.scalars(select(GLAccount).where(GLAccount.code.in_(codes)))
    }


def load_facts(
    uow: UnitOfWork,
    dates: set[date],
    gls: Mapping[str, GLAccount] | None = None,
    accounts: Mapping[str, rules.AccountFacts] | None = None,
) -> Facts:
    """What the posting rules need from the database: the business date, the closed
    periods around ``dates``, and the GL and member accounts the caller resolved."""
    gls = gls or {}
    by_id = {g.id: g.code for g in gls.values()}

    def gl_code_of(gl_id: int) -> str:
        if gl_id not in by_id:
            g = uow.session.get(GLAccount, gl_id)
            by_id[gl_id] = g.code if g is not None else str(gl_id)
        return by_id[gl_id]

    return Facts(
        today=uow.today(),
        closed_periods=closed_periods(uow, min(dates), max(dates)) if dates else [],
        gls=gls,
        accounts=accounts or {},
        gl_code_of=gl_code_of,
    )


def check_date(uow: UnitOfWork, d: date) -> None:
    """The ``date`` rules for ``d`` (business date, closed periods)."""
    rules.check_date(d, load_facts(uow, {d}))


def find_by_key(uow: UnitOfWork, key: str) -> JournalEntry | None:
    return uow.session.scalars(
        select(JournalEntry).where(JournalEntry.idempotency_key == key)
    ).first()


def resolve_accounts(uow: UnitOfWork, numbers: set[str]) -> dict[str, Account]:
    """The member accounts named by ``numbers`` (missing ones are left out: a rule names them)."""
    if not numbers:
        return {}
    rows = uow.session.scalars(select(Account).where(Account.account_no.in_(numbers))).all()
    return {a.account_no: a for a in rows}


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
    summary = rules.summarise(draft.kind, draft.lines)
    rules.check_entry(summary)
    total = summary.debits
    accounts = resolve_accounts(uow, {ln.account_no for ln in draft.lines if ln.account_no})
    gls = resolve_gl(uow, {ln.gl_code for ln in draft.lines})
    facts = load_facts(uow, {draft.business_date}, gls, accounts)
    rules.check_date(draft.business_date, facts)
    for key in dict.fromkeys(rules.line_keys(draft)):
        rules.check_line(key, facts)
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
