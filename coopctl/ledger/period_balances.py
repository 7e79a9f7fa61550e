"""Per-period, per-account balances: snapshots of closed periods, lines for the rest.

A closed period can take no posting (the ``je_post_must_balance`` trigger and
the posting rules refuse any entry dated in it, reversals included), so its
posted totals per GL account are fixed: they are written once, when the period
closes, into ``period_balances`` and deleted when it reopens. Every sum over a
date range then reads the snapshots of the closed months wholly inside the
range and the lines of the days outside them (the open months, and the part
of a month cut by the range), and adds them up in kobo. ``ledger verify``
(check ``period_balances``) proves that every snapshot equals its lines.

Closed periods form a prefix of the calendar (a period closes only after every
earlier one, and reopens only when no later one is closed), so the snapshot
months inside any range are one contiguous run and the lines are read for at
most two windows, one before the run and one after it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import BigInteger, and_, case, delete, func, insert, literal, select, type_coerce
from sqlalchemy.orm import Session

from coopctl.core.sums import fast_sum, native_first
from coopctl.ledger.models import JournalEntry, JournalLine, Period, PeriodBalance

# kinds of entry that close a year (income and expense swept to retained earnings)
CLOSING_KINDS = ("year_close",)

Sums = dict[int, tuple[int, int]]  # GL account id → (debit kobo, credit kobo)


def _raw(col: Any) -> Any:
    return type_coerce(col, BigInteger)


@dataclass(frozen=True)
class Coverage:
    """The closed months a range reads from snapshots, and the windows left to the lines."""

    period_ids: tuple[int, ...]
    windows: tuple[tuple[date | None, date | None], ...]


ClosedPeriod = tuple[int, date, date]  # (id, start_date, end_date)


def closed_periods(session: Session) -> list[ClosedPeriod]:
    rows = session.execute(
        select(Period.id, Period.start_date, Period.end_date)
        .where(Period.status == "closed")
        .order_by(Period.start_date)
    ).all()
    return [(int(i), s, e) for i, s, e in rows]


def coverage_of(closed: list[ClosedPeriod], start: date | None, end: date | None) -> Coverage:
    """Which closed months of [start, end] come from snapshots; the rest from lines."""
    run: list[ClosedPeriod] = []
    for pid, p_start, p_end in closed:
        if (start is not None and p_start < start) or (end is not None and p_end > end):
            continue
        if run and p_start != run[-1][2] + timedelta(days=1):
            break  # not contiguous (never happens on a closed prefix): the rest from lines
        run.append((pid, p_start, p_end))
    if not run:
        return Coverage((), ((start, end),))
    first, last = run[0][1], run[-1][2]
    windows: list[tuple[date | None, date | None]] = []
    if start is None or start < first:
        windows.append((start, first - timedelta(days=1)))
    if end is None or end > last:
        windows.append((last + timedelta(days=1), end))
    return Coverage(tuple(r[0] for r in run), tuple(windows))


@native_first
def line_sums(
    session: Session,
    *,
    start: date | None = None,
    end: date | None = None,
    exclude_closing: bool = False,
) -> Sums:
    """Posted (debit, credit) in kobo per GL account for entries dated in [start, end],
    read from every line (the reference the snapshots are checked against)."""
    stmt = (
        select(
            JournalLine.gl_account_id,
            func.coalesce(fast_sum(_raw(JournalLine.debit)), 0),
            func.coalesce(fast_sum(_raw(JournalLine.credit)), 0),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.status == "posted")
        .group_by(JournalLine.gl_account_id)
    )
    if start is not None:
        stmt = stmt.where(JournalEntry.business_date >= start)
    if end is not None:
        stmt = stmt.where(JournalEntry.business_date <= end)
    if exclude_closing:
        stmt = stmt.where(JournalEntry.kind.not_in(CLOSING_KINDS))
    return {gid: (int(dr), int(cr)) for gid, dr, cr in session.execute(stmt)}


# (debit, credit, closing debit, closing credit) in kobo
Four = tuple[int, int, int, int]


def _snapshot_rows(session: Session, period_ids: set[int]) -> dict[int, dict[int, Four]]:
    """Snapshot rows of the periods given: {period_id: {gl_account_id: four totals}}."""
    out: dict[int, dict[int, Four]] = defaultdict(dict)
    if not period_ids:
        return out
    for pid, gid, d, c, cd, cc in session.execute(
        select(
            PeriodBalance.period_id,
            PeriodBalance.gl_account_id,
            _raw(PeriodBalance.debit),
            _raw(PeriodBalance.credit),
            _raw(PeriodBalance.closing_debit),
            _raw(PeriodBalance.closing_credit),
        ).where(PeriodBalance.period_id.in_(sorted(period_ids)))
    ):
        out[int(pid)][int(gid)] = (int(d), int(c), int(cd), int(cc))
    return out


@native_first
def day_sums(
    session: Session, start: date | None, end: date | None
) -> list[tuple[date, int, Four]]:
    """Posted totals per day and GL account in [start, end] (a few rows a day), with the
    year-end closing part apart: one pass over the lines of the window."""
    closing = JournalEntry.kind.in_(CLOSING_KINDS)
    stmt = (
        select(
            JournalEntry.business_date,
            JournalLine.gl_account_id,
            fast_sum(_raw(JournalLine.debit)),
            fast_sum(_raw(JournalLine.credit)),
            fast_sum(case((closing, _raw(JournalLine.debit)), else_=0)),
            fast_sum(case((closing, _raw(JournalLine.credit)), else_=0)),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.status == "posted")
        .group_by(JournalEntry.business_date, JournalLine.gl_account_id)
    )
    if start is not None:
        stmt = stmt.where(JournalEntry.business_date >= start)
    if end is not None:
        stmt = stmt.where(JournalEntry.business_date <= end)
    out = []
    for day, gid, d, c, cd, cc in session.execute(stmt):
        if isinstance(day, str):  # raw SQLite text, should a driver hand it back so
            day = date.fromisoformat(day)
        out.append((day, int(gid), (int(d or 0), int(c or 0), int(cd or 0), int(cc or 0))))
    return out


def _add(out: dict[int, list[int]], gid: int, v: Four, exclude_closing: bool) -> None:
    acc = out.setdefault(gid, [0, 0])
    if exclude_closing:
        acc[0] += v[0] - v[2]
        acc[1] += v[1] - v[3]
    else:
        acc[0] += v[0]
        acc[1] += v[1]


Spec = tuple[date | None, date | None, bool]  # (start, end, exclude_closing)


def gl_sums_many(session: Session, specs: list[Spec]) -> list[Sums]:
    """:func:`gl_sums` for several ranges at once: the periods and snapshots are read
    once, and the lines of each distinct window once (a balance sheet with its
    comparative column needs six sums, and one pass over the open month's lines)."""
    closed = closed_periods(session)
    covs = [coverage_of(closed, start, end) for start, end, _ in specs]
    snaps = _snapshot_rows(session, {pid for c in covs for pid in c.period_ids})
    days: dict[tuple[date | None, date | None], list[tuple[date, int, Four]]] = {}
    for c in covs:
        for w in c.windows:
            if w not in days:
                days[w] = [] if _empty(w) else day_sums(session, *w)
    results: list[Sums] = []
    for (_, _, excl), c in zip(specs, covs, strict=True):
        out: dict[int, list[int]] = {}
        for pid in c.period_ids:
            for gid, v in snaps.get(pid, {}).items():
                _add(out, gid, v, excl)
        for w in c.windows:
            for _day, gid, v in days[w]:
                _add(out, gid, v, excl)
        results.append({gid: (d, cr) for gid, (d, cr) in out.items() if (d, cr) != (0, 0)})
    return results


def _empty(w: tuple[date | None, date | None]) -> bool:
    return w[0] is not None and w[1] is not None and w[0] > w[1]


def gl_sums(
    session: Session,
    *,
    start: date | None = None,
    end: date | None = None,
    exclude_closing: bool = False,
) -> Sums:
    """Posted (debit, credit) in kobo per GL account for [start, end]: snapshots of the
    closed months inside the range plus the lines of the days outside them."""
    return gl_sums_many(session, [(start, end, exclude_closing)])[0]


# --- writing snapshots -----------------------------------------------------------------
@native_first
def build(session: Session, period: Period) -> int:
    """Write the snapshot of one period from its posted lines; returns the rows written.
    SQLite's own ``SUM`` first (the exact Python aggregate took 5 s over a 200,000-member
    month's lines); past 2^63 kobo the statement fails whole and runs again exactly."""
    session.execute(delete(PeriodBalance).where(PeriodBalance.period_id == period.id))
    closing = JournalEntry.kind.in_(CLOSING_KINDS)
    src = (
        select(
            literal(period.id, BigInteger),
            JournalLine.gl_account_id,
            fast_sum(_raw(JournalLine.debit)),
            fast_sum(_raw(JournalLine.credit)),
            fast_sum(case((closing, _raw(JournalLine.debit)), else_=0)),
            fast_sum(case((closing, _raw(JournalLine.credit)), else_=0)),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalEntry.status == "posted",
            and_(
                JournalEntry.business_date >= period.start_date,
                JournalEntry.business_date <= period.end_date,
            ),
        )
        .group_by(JournalLine.gl_account_id)
    )
    cols = ["period_id", "gl_account_id", "debit", "credit", "closing_debit", "closing_credit"]
    session.execute(insert(PeriodBalance).from_select(cols, src))
    return int(
        session.execute(
            select(func.count(PeriodBalance.id)).where(PeriodBalance.period_id == period.id)
        ).scalar_one()
    )


def drop(session: Session, period: Period) -> None:
    """Forget the snapshot of a period that reopens (its lines speak for it again)."""
    session.execute(delete(PeriodBalance).where(PeriodBalance.period_id == period.id))


def rebuild_all(session: Session) -> dict[str, int]:
    """Rebuild the snapshot of every closed period and drop any left on an open one."""
    periods = session.scalars(select(Period).order_by(Period.start_date)).all()
    rows = closed = 0
    for p in periods:
        if p.status == "closed":
            rows += build(session, p)
            closed += 1
        else:
            drop(session, p)
    session.flush()
    return {"periods": closed, "rows": rows}


# --- checking snapshots ----------------------------------------------------------------
def differences(session: Session) -> list[str]:
    """Every way the snapshots differ from the lines, one sentence each."""
    periods = {p.id: p for p in session.scalars(select(Period).order_by(Period.start_date)).all()}
    closed = [p for p in periods.values() if p.status == "closed"]
    snap: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    for pid, gid, d, c, cd, cc in session.execute(
        select(
            PeriodBalance.period_id,
            PeriodBalance.gl_account_id,
            _raw(PeriodBalance.debit),
            _raw(PeriodBalance.credit),
            _raw(PeriodBalance.closing_debit),
            _raw(PeriodBalance.closing_credit),
        )
    ):
        snap[(pid, gid)] = (int(d), int(c), int(cd), int(cc))
    out: list[str] = []
    for pid in sorted({k[0] for k in snap if periods[k[0]].status != "closed"}):
        p = periods[pid]
        out.append(f"period {p.year}-{p.month:02d} is open but has balance snapshots")
    if not closed:
        return out
    # lines per day and account (a few rows per day), bucketed into the closed periods
    lines: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    by_month = {(p.year, p.month): p.id for p in closed}
    first = min(p.start_date for p in closed)
    last = max(p.end_date for p in closed)
    for day, gid, v in day_sums(session, first, last):
        pid = by_month.get((day.year, day.month))
        if pid is None:
            continue
        acc = lines[(pid, gid)]
        for i in range(4):
            acc[i] += v[i]
    closed_ids = {p.id for p in closed}
    keys = {k for k in snap if k[0] in closed_ids} | set(lines)
    from coopctl.ledger.models import GLAccount

    codes = dict(session.execute(select(GLAccount.id, GLAccount.code)).all())
    for pid, gid in sorted(keys):
        want = tuple(lines.get((pid, gid), (0, 0, 0, 0)))
        got = snap.get((pid, gid), (0, 0, 0, 0))
        if want != got:
            p = periods[pid]
            out.append(
                f"period {p.year}-{p.month:02d} GL {codes.get(gid, gid)}: snapshot "
                f"debit/credit {_fmt(got[0])}/{_fmt(got[1])} ≠ lines "
                f"{_fmt(want[0])}/{_fmt(want[1])}"
                + ("" if got[2:] == want[2:] else " (year-end closing part differs)")
            )
    return out


def _fmt(kobo: int) -> str:
    from coopctl.core.money import from_minor

    return f"{from_minor(kobo):,.2f}"
