"""Reconciliation work: automatic matching, the review list, manual links, and
postings for lines only the bank knows. Every action is audited; nothing here edits
or deletes a posting (unlinking only frees the bank and ledger lines)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, exists, insert, select, update

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import InvalidStateError, NotFoundError, ValidationError
from coopctl.core.security import require
from coopctl.ledger.models import JournalEntry, JournalLine, entry_no_of
from coopctl.ledger.posting import EntryDraft, LineDraft, post
from coopctl.recon.banks import get_bank, list_banks
from coopctl.recon.candidates import candidates, open_rows, window
from coopctl.recon.errors import ReconLinkError
from coopctl.recon.lines import normalise
from coopctl.recon.matcher import Candidate, Item, Proposal, Thresholds, item_refs, match
from coopctl.recon.models import BankAccount, GroupLedgerLine, MatchGroup, StatementLine


def thresholds(uow: UnitOfWork) -> Thresholds:
    cfg: dict[str, Any] = uow.settings["recon"] if uow.settings is not None else {}
    return Thresholds(
        auto=int(cfg.get("auto_score", 85)),
        suggest=int(cfg.get("suggest_score", 60)),
        window_days=int(cfg.get("window_days", 7)),
        max_group=int(cfg.get("max_group", 4)),
    )


def _who(uow: UnitOfWork) -> str:
    return uow.username


def _group(
    uow: UnitOfWork, bank: BankAccount, kind: str, score: int, lines: list[int], ledger: list[int]
) -> MatchGroup:
    g = MatchGroup(
        bank_account_id=bank.id,
        kind=kind,
        score=score,
        created_at=clock.utcnow(),
        created_by=_who(uow),
    )
    uow.session.add(g)
    uow.session.flush()
    if lines:
        uow.session.execute(
            update(StatementLine)
            .where(StatementLine.id.in_(lines))
            .values(group_id=g.id, suggestion="")
        )
    uow.session.add_all([GroupLedgerLine(group_id=g.id, journal_line_id=j) for j in ledger])
    return g


_COMPACT = re.compile(r"[^0-9A-Za-z]+")


def _compact(ref: str) -> str:
    """``normalise(ref)`` without spaces (the matcher's reference key), quickly."""
    if ref.isascii():
        return _COMPACT.sub("", ref).upper()
    return normalise(ref).replace(" ", "")


def _propose(
    uow: UnitOfWork, bank: BankAccount, items: list[Item], th: Thresholds, start: Any, end: Any
) -> tuple[list[Proposal], list[Candidate]]:
    """The matcher over the open ledger lines, in two passes that give the matcher's
    answer without building a candidate for every open line: first the lines that can
    match one to one (an amount or a reference of a bank line, and reversal pairs),
    then, for the bank lines left, the smaller lines of their day and sign (groups)."""
    rows = open_rows(uow, bank.gl_account_id, start, end)
    kobo = {int(i.amount * 100) for i in items}
    refs: set[str] = set()
    for it in items:
        refs |= item_refs(it)
    entry_ids = {int(r[2:]) for r in refs if r.startswith("JE") and r[2:].isdigit()}
    first = [
        r
        for r in rows
        if r.kobo in kobo
        or r.reversed
        or r.reverses_entry
        or r.entry_id in entry_ids
        or (r.reference and _compact(r.reference) in refs)
    ]
    cands = candidates(uow, first)
    props = match(items, cands, th, one_to_one_only=True)
    used_i = {i for p in props for i in p.items}
    used_c = {c for p in props for c in p.candidates}
    left = [i for i in items if i.id not in used_i]
    if not left:
        return props, cands
    limit: dict[tuple[Any, int], int] = {}
    for it in left:
        key = (it.day, 1 if it.amount > 0 else -1)
        limit[key] = max(limit.get(key, 0), abs(int(it.amount * 100)))
    seen = {c.id for c in cands}
    more = [
        r
        for r in rows
        if r.id not in seen and abs(r.kobo) < limit.get((r.day, 1 if r.kobo > 0 else -1), 0)
    ]
    second = [c for c in cands if c.id not in used_c] + candidates(uow, more)
    return props + match(left, second, th), cands + second


def _posted_items(uow: UnitOfWork, bank: BankAccount, items: list[Item]) -> set[int]:
    """Bank lines booked with ``recon post`` whose entry was approved after a wait:
    their entry carries the reference ``RECON-<line>``; match them to it first."""
    by_ref = {f"RECON-{i.id}": i for i in items}
    if not by_ref:
        return set()
    jl, je = JournalLine, JournalEntry
    rows = uow.session.execute(
        select(jl.id, je.reference, jl.debit, jl.credit)
        .join(je, je.id == jl.entry_id)
        .where(
            jl.gl_account_id == bank.gl_account_id,
            je.status == "posted",
            je.kind == "bank_item",
            je.reference.like("RECON-%"),
            ~exists().where(GroupLedgerLine.journal_line_id == jl.id),
        )
    ).all()
    done: set[int] = set()
    for lid, ref, dr, cr in rows:
        it = by_ref.get(ref)
        if it is not None and it.id not in done and dr - cr == it.amount:
            _group(uow, bank, "posted", 100, [it.id], [lid])
            done.add(it.id)
    return done


def match_bank(uow: UnitOfWork, bank: BankAccount) -> dict[str, int]:
    th = thresholds(uow)
    lines = uow.session.execute(
        select(
            StatementLine.id,
            StatementLine.booking_date,
            StatementLine.amount,
            StatementLine.reference,
            StatementLine.description,
            StatementLine.counterparty,
        ).where(StatementLine.bank_account_id == bank.id, StatementLine.group_id.is_(None))
    ).all()
    if not lines:
        return {"matched": 0, "suggested": 0, "unmatched": 0}
    items = [Item(i, d, a, r, f"{t} {c}".strip()) for i, d, a, r, t, c in lines]
    booked = _posted_items(uow, bank, items)
    items = [i for i in items if i.id not in booked]
    if not items:
        return {"matched": len(booked), "suggested": 0, "unmatched": 0}
    start, end = window([i.day for i in items], th.window_days)
    props, cands = _propose(uow, bank, items, th, start, end)
    entry_of = {c.id: c.entry_no for c in cands}
    autos = [p for p in props if p.decision == "auto"]
    conn = uow.session.connection()
    lines_t: Any = StatementLine.__table__
    if autos:
        now, who = clock.utcnow(), _who(uow)
        groups_t: Any = MatchGroup.__table__
        # one executemany (RETURNING in parameter order would insert row by row on
        # SQLite); the rows are then found by this run's timestamp, in id order
        conn.execute(
            insert(groups_t),
            [
                {
                    "bank_account_id": bank.id,
                    "kind": "auto",
                    "score": p.score,
                    "created_at": now,
                    "created_by": who,
                }
                for p in autos
            ],
        )
        gids = list(
            conn.execute(
                select(groups_t.c.id)
                .where(
                    groups_t.c.bank_account_id == bank.id,
                    groups_t.c.kind == "auto",
                    groups_t.c.created_at == now,
                )
                .order_by(groups_t.c.id)
            ).scalars()
        )
        if len(gids) != len(autos):  # another run at the same instant: never guess
            raise InvalidStateError("recon match: another match run is writing; run it again")
        rows = [
            {"b_id": i, "b_group": g} for p, g in zip(autos, gids, strict=True) for i in p.items
        ]
        if rows:
            conn.execute(
                update(lines_t)
                .where(lines_t.c.id == bindparam("b_id"))
                .values(group_id=bindparam("b_group"), suggestion=""),
                rows,
            )
        ledger = [
            {"group_id": g, "journal_line_id": c}
            for p, g in zip(autos, gids, strict=True)
            for c in p.candidates
        ]
        if ledger:
            glines_t: Any = GroupLedgerLine.__table__
            conn.execute(insert(glines_t), ledger)
    matched = sum(len(p.items) for p in autos) + len(booked)
    suggestions: dict[int, str] = {}
    for p in props:
        if p.decision != "auto":
            text = f"{' '.join(entry_of[c] for c in p.candidates)} ({p.score})"[:300]
            for i in p.items:
                suggestions[i] = text
    suggested = len(suggestions)
    uow.session.execute(
        update(StatementLine)
        .where(
            StatementLine.bank_account_id == bank.id,
            StatementLine.group_id.is_(None),
            StatementLine.suggestion != "",
        )
        .values(suggestion=""),
        execution_options={"synchronize_session": False},
    )
    if suggestions:
        conn.execute(
            update(lines_t)
            .where(lines_t.c.id == bindparam("b_id"))
            .values(suggestion=bindparam("b_text")),
            [{"b_id": i, "b_text": t} for i, t in suggestions.items()],
        )
    uow.session.flush()
    result = {
        "matched": matched,
        "suggested": suggested,
        "unmatched": len(items) - matched - suggested,
    }
    audit.record(uow, "recon.match", "bank_account", bank.code, after=result)
    return result


def run_match(uow: UnitOfWork, bank: str | None = None) -> dict[str, Any]:
    """Match every bank account (or ``bank``); JSON ``matched, suggested, unmatched``."""
    require(uow.operator, "recon.manage")
    banks = [get_bank(uow, bank)] if bank else [b for b in list_banks(uow) if b.active]
    total = {"matched": 0, "suggested": 0, "unmatched": 0}
    per = []
    for b in banks:
        r = match_bank(uow, b)
        per.append({"bank": b.code, **r})
        for k in total:
            total[k] += r[k]
    return {**total, "banks": per}


def _status(ln: StatementLine) -> str:
    if ln.group_id is not None:
        return "matched"
    return "suggested" if ln.suggestion else "unmatched"


def list_lines(
    uow: UnitOfWork,
    bank: str | None = None,
    *,
    unmatched: bool = False,
    suggested: bool = False,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    require(uow.operator, "recon.view")
    q = select(StatementLine, BankAccount.code).join(
        BankAccount, BankAccount.id == StatementLine.bank_account_id
    )
    if bank:
        q = q.where(BankAccount.id == get_bank(uow, bank).id)
    if unmatched or suggested:
        q = q.where(StatementLine.group_id.is_(None))
    if suggested and not unmatched:
        q = q.where(StatementLine.suggestion != "")
    q = q.order_by(StatementLine.booking_date, StatementLine.id).limit(limit)
    rows = uow.session.execute(q).all()
    groups = {ln.group_id for ln, _ in rows if ln.group_id}
    entries: dict[int, list[str]] = {}
    if groups:
        for gid, eid in uow.session.execute(
            select(GroupLedgerLine.group_id, JournalLine.entry_id)
            .join(JournalLine, JournalLine.id == GroupLedgerLine.journal_line_id)
            .where(GroupLedgerLine.group_id.in_(groups))
        ):
            entries.setdefault(gid, []).append(entry_no_of(eid))
    return [
        {
            "id": ln.id,
            "bank": code,
            "date": ln.booking_date,
            "amount": ln.amount,
            "description": ln.description,
            "reference": ln.reference,
            "status": _status(ln),
            "entries": " ".join(sorted(set(entries.get(ln.group_id or 0, [])))),
            "suggestion": ln.suggestion,
            "suggest_gl": ln.suggest_gl,
        }
        for ln, code in rows
    ]


def _line(uow: UnitOfWork, line_id: int) -> StatementLine:
    ln = uow.session.get(StatementLine, line_id)
    if ln is None:
        raise NotFoundError(f"LINE: bank line {line_id} not found")
    return ln


def _entry_id(entry_no: str) -> int:
    s = entry_no.strip().upper()
    if not (s.startswith("JE") and s[2:].isdigit()):
        raise ValidationError(f"ENTRY_NO: {entry_no[:20]!r} is not an entry number (JE00000042)")
    return int(s[2:])


def link(uow: UnitOfWork, line_id: int, entry_nos: list[str]) -> dict[str, Any]:
    """Reconcile bank line ``line_id`` with the bank-GL lines of ``entry_nos``; their
    amounts must add up to the bank line's."""
    require(uow.operator, "recon.manage")
    ln = _line(uow, line_id)
    bank = uow.session.get(BankAccount, ln.bank_account_id)
    assert bank is not None
    if ln.group_id is not None:
        raise ReconLinkError(
            f"LINE: bank line {line_id} is already matched; `recon unlink {line_id}` first"
        )
    ids = [_entry_id(e) for e in entry_nos]
    jls: list[JournalLine] = []
    for eid, no in zip(ids, entry_nos, strict=True):
        e = uow.session.get(JournalEntry, eid)
        if e is None:
            raise NotFoundError(f"ENTRY_NO: entry {no} not found")
        if e.status != "posted":
            raise ReconLinkError(f"ENTRY_NO: entry {e.entry_no} is {e.status}, not posted")
        on_gl = [x for x in e.lines if x.gl_account_id == bank.gl_account_id]
        if not on_gl:
            raise ReconLinkError(
                f"ENTRY_NO: entry {e.entry_no} has no line on GL {bank.gl_account.code}"
            )
        taken = uow.session.scalars(
            select(GroupLedgerLine.journal_line_id).where(
                GroupLedgerLine.journal_line_id.in_([x.id for x in on_gl])
            )
        ).first()
        if taken is not None:
            raise ReconLinkError(f"ENTRY_NO: entry {e.entry_no} is already reconciled")
        jls += on_gl
    total = sum((x.debit - x.credit for x in jls), Decimal("0"))
    if total != ln.amount:
        raise ReconLinkError(
            f"ENTRY_NO: the entries add up to {total}, the bank line is {ln.amount}"
        )
    g = _group(uow, bank, "manual", 0, [ln.id], [x.id for x in jls])
    audit.record(
        uow,
        "recon.link",
        "bank_line",
        ln.id,
        after={"entries": [entry_no_of(i) for i in ids], "group": g.id},
    )
    return {"line": ln.id, "status": "matched", "entries": [entry_no_of(i) for i in ids]}


def unlink(uow: UnitOfWork, line_id: int) -> dict[str, Any]:
    """Undo the match of ``line_id`` (and of the lines matched with it). Postings stay."""
    require(uow.operator, "recon.manage")
    ln = _line(uow, line_id)
    if ln.group_id is None:
        raise ReconLinkError(f"LINE: bank line {line_id} is not matched")
    gid = ln.group_id
    freed = list(uow.session.scalars(select(StatementLine.id).where(StatementLine.group_id == gid)))
    jls = list(
        uow.session.scalars(
            select(GroupLedgerLine.journal_line_id).where(GroupLedgerLine.group_id == gid)
        )
    )
    uow.session.execute(
        update(StatementLine).where(StatementLine.group_id == gid).values(group_id=None)
    )
    uow.session.execute(delete(GroupLedgerLine).where(GroupLedgerLine.group_id == gid))
    uow.session.execute(delete(MatchGroup).where(MatchGroup.id == gid))
    uow.session.expire_all()
    audit.record(
        uow,
        "recon.unlink",
        "bank_line",
        line_id,
        before={"group": gid, "lines": freed, "ledger_lines": jls},
    )
    return {"line": line_id, "status": "unmatched", "freed_lines": freed}


def post_line(uow: UnitOfWork, line_id: int, gl: str, narration: str = "") -> dict[str, Any]:
    """Book a line only the bank knows (a charge, interest) against ``gl`` through the
    posting engine, under the manual-journal maker-checker policy. A posted entry is
    matched at once; a pending one is matched by ``recon match`` after approval."""
    require(uow.operator, "recon.manage")
    ln = _line(uow, line_id)
    bank = uow.session.get(BankAccount, ln.bank_account_id)
    assert bank is not None
    if ln.group_id is not None:
        raise ReconLinkError(f"LINE: bank line {line_id} is already matched")
    if ln.amount == 0:
        raise ReconLinkError(f"LINE: bank line {line_id} moves no money")
    amt = abs(ln.amount)
    bank_gl = bank.gl_account.code
    text = narration.strip()[:200] or f"Bank {bank.code}: {ln.description}"[:200]
    side = (
        [
            LineDraft(gl.strip(), debit=amt, memo=text[:200]),
            LineDraft(bank_gl, credit=amt, memo=f"bank line {ln.id}"),
        ]
        if ln.amount < 0
        else [
            LineDraft(bank_gl, debit=amt, memo=f"bank line {ln.id}"),
            LineDraft(gl.strip(), credit=amt, memo=text[:200]),
        ]
    )
    res = post(
        uow,
        EntryDraft(
            business_date=ln.booking_date,
            kind="bank_item",
            lines=side,
            narration=text,
            reference=f"RECON-{ln.id}",
            idempotency_key=f"recon:{bank.code}:{ln.id}",
            approval_kind="manual_journal",
            manual=True,
        ),
    )
    status = "pending" if res.pending else "matched"
    if not res.pending:
        jl = next(x for x in res.entry.lines if x.gl_account_id == bank.gl_account_id)
        if (
            uow.session.scalars(
                select(GroupLedgerLine).where(GroupLedgerLine.journal_line_id == jl.id)
            ).first()
            is None
        ):
            _group(uow, bank, "posted", 100, [ln.id], [jl.id])
    else:
        ln.suggestion = f"{res.entry.entry_no} pending approval"
    audit.record(
        uow,
        "recon.post",
        "bank_line",
        ln.id,
        after={"entry": res.entry.entry_no, "gl": gl, "status": status},
    )
    return {
        "line": ln.id,
        "entry_no": res.entry.entry_no,
        "status": status,
        "amount": ln.amount,
        "gl_code": gl.strip(),
    }
