"""Bulk posting: many entries in one transaction, for batch jobs.

Interest, penalties, provisioning and check-off imports post thousands of
entries at once. :func:`post_many` gives them the guarantees of
:func:`coopctl.ledger.posting.post`, entry by entry, at batch speed:

1. every draft is checked against the ``entry`` rules of the one list of
   posting rules (:data:`coopctl.ledger.rules.RULES`, the list ``post`` runs);
2. drafts whose idempotency key already exists are skipped (one query per
   chunk of keys); a key repeated inside the batch is posted once;
3. GL and member accounts are resolved once; the ``date`` rules run once per
   distinct date and the ``line`` rules set-based over the distinct keys
   (:mod:`coopctl.ledger.line_screen`; keys it cannot pass go through
   ``check_line`` in order, for the exact refusal);
4. the touched member accounts are locked (id order, like ``post``) and the
   batch is replayed on their balances draft by draft, so a floor refuses
   exactly where posting one by one would — and before anything is written;
5. entries go in as ``draft`` in bulk, then their lines, then the member
   balances (one statement per chunk), then every entry is flipped to
   ``posted`` by ``UPDATE … WHERE id …`` — the database's per-row trigger still
   checks each entry's balance and period (see :mod:`coopctl.ledger.bulk_io`
   for the per-dialect routes: PostgreSQL COPY, SQLite executemany);
6. one audit record describes the batch.

All or nothing: any refusal raises and the caller's unit of work rolls back.
Bulk postings are never pending: a draft whose approval policy needs a checker
is refused (post it with ``post``); reversals go through ``approvals.reverse``.
Like ``post``, this is engine code: the calling service checks permissions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import (
    BusinessRuleError,
    CoopError,
    InsufficientFundsError,
    ValidationError,
)
from coopctl.core.gc_pause import gc_paused
from coopctl.core.money import from_minor
from coopctl.ledger import rules
from coopctl.ledger.bulk_io import AcctRow, BulkIO
from coopctl.ledger.line_screen import screen_lines
from coopctl.ledger.models import Account, entry_no_of
from coopctl.ledger.posting import _needs_approval, _username, load_facts, resolve_gl
from coopctl.ledger.rules import EntryDraft, Facts

__all__ = ["ApprovalRequiredError", "BulkResult", "post_many"]

ROUTES = ("auto", "copy", "executemany")


class ApprovalRequiredError(BusinessRuleError):
    """Bulk postings are never pending: an entry that needs a checker goes through ``post``."""


@dataclass
class BulkResult:
    posted: int  # entries written by this call
    skipped_existing: int  # drafts whose idempotency key was already posted (or repeated)
    entry_ids: list[int] = field(default_factory=list)  # per draft: its new or existing entry

    @property
    def entry_nos(self) -> list[str]:
        return [entry_no_of(i) for i in self.entry_ids]


def _kobo(amount: Decimal) -> int:
    return int(amount.scaleb(2))  # exact: validate_draft refused sub-kobo amounts


def post_many(uow: UnitOfWork, drafts: Sequence[EntryDraft], *, route: str = "auto") -> BulkResult:
    """Post ``drafts`` in the unit of work's transaction; all or nothing.

    ``route``: ``auto`` (COPY on PostgreSQL, multi-row INSERTs on SQLite), or force
    ``copy`` (PostgreSQL only) / ``executemany``.
    """
    with gc_paused():
        return _post_many(uow, list(drafts), route)


def _post_many(uow: UnitOfWork, drafts: list[EntryDraft], route: str) -> BulkResult:
    if route not in ROUTES:
        raise ValueError(f"route must be one of {ROUTES}, not {route!r}")
    pg = uow.dialect == "postgresql"
    if route == "auto":
        route = "copy" if pg else "executemany"
    if route == "copy" and not pg:
        raise ValueError("the COPY route needs PostgreSQL")
    screen = _validate_all(uow, drafts)
    if not drafts:
        return BulkResult(0, 0, [])
    uow.session.flush()
    io = BulkIO(uow, route)

    # -- idempotency: skip keys already posted, and repeats inside the batch
    existing = io.existing_keys([d.idempotency_key for d in drafts if d.idempotency_key])
    todo: list[int] = []
    first_of: dict[str, int] = {}  # key → index of the draft that posts it
    for i, d in enumerate(drafts):
        k = d.idempotency_key
        if k and (k in existing or k in first_of):
            continue
        if k:
            first_of[k] = i
        todo.append(i)

    # -- GL and member accounts resolved once; date and line rules once per distinct key
    slines = screen.lines
    pairs = {(ln[0], ln[1]) for i in todo for ln in slines[i]}  # type: ignore[union-attr]
    gls = resolve_gl(uow, {code for code, _ in pairs})
    numbers = {no for _, no in pairs if no}
    accts = io.accounts(sorted(numbers)) if numbers else {}
    days = {drafts[i].business_date for i in todo}
    facts = load_facts(uow, days, gls, accts)
    for day in sorted(days):
        rules.check_date(day, facts)
    manual_gls = {ln[0] for i in todo if drafts[i].manual for ln in slines[i]}  # type: ignore[union-attr]
    if not screen_lines(pairs, manual_gls, facts):
        _check_lines(drafts, todo, facts)  # raises the first refusal, in order

    # -- every line once in integer kobo: (GL id, account id | None, debit, credit, memo, ±1)
    gl_id = {code: g.id for code, g in gls.items()}
    sign = {code: (1 if g.normal_balance == "debit" else -1) for code, g in gls.items()}
    acct_id: dict[str | None, int | None] = {no: a.id for no, a in accts.items()}
    acct_id[None] = None
    klines = [
        [(gl_id[g], acct_id[a], dk, ck, memo[:200], sign[g]) for g, a, dk, ck, memo in slines[i]]  # type: ignore[union-attr, index]
        for i in todo
    ]  # fmt: skip

    # -- member balances: lock, replay in order, refuse before writing anything
    balances = _replay_balances(io, todo, klines, accts)

    # -- write: entries (draft), lines, balances; flip to posted
    now = clock.utcnow()
    maker = _username(uow)
    ids = io.new_entry_ids(len(todo))
    created = io.ts(now)
    day_of = {x: io.day(x) for x in days}
    totals = screen.debits
    io.insert_entries(
        [
            (eid, day_of[d.business_date], d.kind, d.reference, d.narration, "draft", maker, None,
             d.idempotency_key, None, totals[i], None, None, d.reason, created, None)
            for eid, i in zip(ids, todo, strict=True)
            for d in (drafts[i],)
        ]
    )  # fmt: skip
    io.insert_lines(
        [
            (eid, n, g, a, dk, ck, memo)
            for eid, kl in zip(ids, klines, strict=True)
            for n, (g, a, dk, ck, memo, _s) in enumerate(kl, 1)
        ]
    )
    io.write_balances(balances)
    flipped = io.flip_posted(ids, now) if ids else 0
    if flipped != len(ids):  # pragma: no cover - the database refused silently?
        raise BusinessRuleError(f"bulk posting flipped {flipped} of {len(ids)} entries")

    # -- result aligned with the input
    id_of = dict(zip(todo, ids, strict=True))
    entry_ids = []
    for i, d in enumerate(drafts):
        k = d.idempotency_key or ""
        entry_ids.append(id_of[i] if i in id_of else existing.get(k) or id_of[first_of[k]])
    skipped = len(drafts) - len(todo)
    if skipped:
        uow.note(f"{skipped} draft(s) already posted under their idempotency key; skipped")
    if ids:
        _audit(uow, drafts, todo, ids, totals, skipped)
    _expire_accounts(uow, set(balances))
    return BulkResult(posted=len(ids), skipped_existing=skipped, entry_ids=entry_ids)


def _validate_all(uow: UnitOfWork, drafts: list[EntryDraft]) -> rules.EntryScreen:
    """Every draft against the ``entry`` rules, set-based (:func:`rules.screen_entries`);
    the drafts the screen flags, and those that are reversals or name an approval
    policy, go through :func:`_validate` in order, so the first refusal is the one
    posting the drafts one by one would meet, with the same error."""
    screen = rules.screen_entries(drafts)
    suspects = set(screen.flagged)
    suspects.update(i for i, d in enumerate(drafts) if d.reverses_id is not None or d.approval_kind)
    for i in sorted(suspects):
        _validate(uow, i + 1, drafts[i])  # raises the draft's first refusal
        if screen.lines[i] is None:  # flagged, yet every rule passes: convert it exactly
            d = drafts[i]
            exact = [
                (ln.gl_code, ln.account_no, _kobo(ln.debit) if ln.debit else 0,
                 _kobo(ln.credit) if ln.credit else 0, ln.memo)
                for ln in d.lines
            ]  # fmt: skip
            screen.lines[i] = exact
            screen.debits[i] = sum(x[2] for x in exact)
    return screen


def _validate(uow: UnitOfWork, n: int, d: EntryDraft) -> Decimal:
    """The ``entry`` rules on one draft; errors name the draft (position and key)."""
    where = f"draft {n}" + (f" ({d.idempotency_key})" if d.idempotency_key else "")
    summary = rules.summarise(d.kind, d.lines)
    try:
        rules.check_entry(summary)
    except CoopError as exc:
        named = type(exc)(f"{where}: {exc.message}", details=exc.details)
        named.rule = getattr(exc, "rule", None)  # type: ignore[attr-defined]
        raise named from None
    if d.reverses_id is not None:
        raise ValidationError(f"{where}: reversals are posted with reverse(), not in bulk")
    if _needs_approval(uow, d, summary.debits):
        raise ApprovalRequiredError(f"{where}: {d.approval_kind} needs a checker; use post()")
    return summary.debits


def _check_lines(drafts: list[EntryDraft], todo: list[int], facts: Facts) -> None:
    """The ``line`` rules, once per distinct (GL, member account, manual) key, in order."""
    seen: set[tuple[str, str | None, bool]] = set()
    for i in todo:
        manual = drafts[i].manual
        for ln in drafts[i].lines:
            sig = (ln.gl_code, ln.account_no, manual)
            if sig not in seen:
                seen.add(sig)
                rules.check_line(rules.LineKey(*sig), facts)


def _replay_balances(
    io: BulkIO,
    todo: list[int],
    klines: list[list[tuple[Any, ...]]],
    accts: dict[str, AcctRow],
) -> dict[int, int]:
    """Lock the touched member accounts and replay the batch on them, draft by draft.

    Returns the new balance (kobo) of every touched account; raises
    InsufficientFundsError exactly where posting one by one would.
    """
    if not accts:
        return {}
    state = io.lock_balances([a.id for a in accts.values()])
    delta: dict[int, int] = {}
    for i, kl in zip(todo, klines, strict=True):
        delta.clear()
        for _g, aid, dk, ck, _memo, sgn in kl:
            if aid is not None:
                delta[aid] = delta.get(aid, 0) + sgn * (dk - ck)
        for aid, dk in delta.items():
            bal, held, flr = state[aid]
            if dk < 0 and bal + dk - held < flr:
                no = next(a.account_no for a in accts.values() if a.id == aid)
                raise InsufficientFundsError(
                    f"draft {i + 1}: account {no}: available "
                    f"{from_minor(max(bal - held - flr, 0)):,.2f}, needs {from_minor(-dk):,.2f}"
                )
            state[aid][0] = bal + dk
    return {aid: st[0] for aid, st in state.items()}


def _audit(
    uow: UnitOfWork,
    drafts: list[EntryDraft],
    todo: list[int],
    ids: list[int],
    totals: list[int],
    skipped: int,
) -> None:
    days = [drafts[i].business_date for i in todo]
    audit.record(
        uow,
        "entries.bulk_posted",
        "journal_entry",
        f"{entry_no_of(min(ids))}..{entry_no_of(max(ids))}",
        after={
            "entries": len(ids),
            "skipped_existing": skipped,
            "total": from_minor(sum(totals[i] for i in todo)),
            "kinds": sorted({drafts[i].kind for i in todo}),
            "from": min(days),
            "to": max(days),
        },
    )


def _expire_accounts(uow: UnitOfWork, ids: set[int]) -> None:
    """Account rows the caller holds are stale after the raw UPDATEs; expire them."""
    if not ids:
        return
    for obj in list(uow.session.identity_map.values()):
        if isinstance(obj, Account) and obj.id in ids:
            uow.session.expire(obj)
