"""Properties of the posting engine, on SQLite and PostgreSQL (hypothesis):

* any random sequence of balanced postings, member deposits and withdrawals,
  reversals, approvals and rejections keeps ``verify`` clean, the trial balance
  at zero, and every GL and member balance equal to a plain model of the books;
* any unbalanced or otherwise invalid draft is refused and leaves no row behind.

The ``coop`` database lives for the whole test (examples run one after the other on
it), so the model starts from a snapshot taken at the start of each example.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from coopctl.core.errors import InsufficientFundsError
from coopctl.core.money import allocate
from tests.conftest import Coop
from tests.integration.ledger_support import count, make_account

TODAY = date(2026, 11, 28)
DR_GLS = ["5500", "5600", "1121", "1310", "1410"]
CR_GLS = ["1110", "2230", "4200", "4900", "2900"]
ACCOUNTS = ["PX-1", "PX-2"]
THRESHOLD = 100_000_000  # kobo: 1,000,000.00, the default manual-journal threshold
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def kobo(k: int) -> Decimal:
    return Decimal(k).scaleb(-2)


# --- a plain model of the books ------------------------------------------------------
@dataclass
class Entry:
    no: str
    lines: list[tuple[str, int, int, str | None]]  # gl, debit kobo, credit kobo, account
    status: str
    maker: str
    reverses: str | None = None
    reversed: bool = False
    pending_reversal: bool = False


@dataclass
class Model:
    gl: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # debit − credit
    acct: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # credit − debit
    entries: dict[str, Entry] = field(default_factory=dict)

    def fits(self, lines: list[tuple[str, int, int, str | None]]) -> bool:
        delta: dict[str, int] = defaultdict(int)
        for _gl, dr, cr, a in lines:
            if a:
                delta[a] += cr - dr
        return all(self.acct[a] + d >= 0 for a, d in delta.items() if d < 0)

    def apply(self, lines: list[tuple[str, int, int, str | None]]) -> None:
        for gl, dr, cr, a in lines:
            self.gl[gl] += dr - cr
            if a:
                self.acct[a] += cr - dr


def _gl_nets(coop: Coop) -> dict[str, int]:
    rows = coop.sql(
        "SELECT g.code, SUM(l.debit) - SUM(l.credit) FROM journal_lines l "
        "JOIN journal_entries e ON e.id = l.entry_id JOIN gl_accounts g ON g.id = l.gl_account_id "
        "WHERE e.status = 'posted' GROUP BY g.code"
    )
    return {code: int(net) for code, net in rows if int(net) != 0}


def _acct_balances(coop: Coop) -> dict[str, int]:
    rows = coop.sql("SELECT account_no, balance FROM accounts WHERE kind = 'ledger_test'")
    return {no: int(b) for no, b in rows}


def _run(coop: Coop, operator: str, fn: Any) -> Any:
    with coop.uow(operator) as u:
        res = fn(u)
        u.commit()
        return res


def _draft(lines: list[tuple[str, int, int, str | None]], **kw: Any) -> Any:
    from coopctl.ledger.rules import EntryDraft, LineDraft

    return EntryDraft(
        business_date=kw.pop("day", TODAY),
        lines=[LineDraft(g, debit=kobo(d), credit=kobo(c), account_no=a) for g, d, c, a in lines],
        **kw,
    )


# --- strategies -----------------------------------------------------------------------
# small amounts and amounts at or over the 1,000,000.00 threshold (pending journals)
amount = st.one_of(st.integers(1, 5_000_000), st.integers(THRESHOLD, 3 * THRESHOLD))


@st.composite
def journal_lines(draw: Any) -> list[tuple[str, int, int, str | None]]:
    debits = draw(st.lists(st.tuples(st.sampled_from(DR_GLS), amount), min_size=1, max_size=3))
    total = sum(a for _, a in debits)
    weights = draw(st.lists(st.integers(1, 9), min_size=1, max_size=3))
    parts = allocate(kobo(total), weights)
    credits = [(draw(st.sampled_from(CR_GLS)), int(p.scaleb(2))) for p in parts if p > 0]
    return [(g, a, 0, None) for g, a in debits] + [(g, 0, a, None) for g, a in credits]


ops = st.one_of(
    st.tuples(st.just("journal"), journal_lines()),
    st.tuples(st.just("deposit"), st.sampled_from(ACCOUNTS), amount),
    st.tuples(st.just("withdraw"), st.sampled_from(ACCOUNTS), amount),
    st.tuples(st.just("reverse"), st.integers(0, 99)),
    st.tuples(st.just("approve"), st.integers(0, 99)),
    st.tuples(st.just("reject"), st.integers(0, 99)),
)


# --- the sequence property ---------------------------------------------------------------
def _ensure_accounts(coop: Coop) -> None:
    have = {r[0] for r in coop.sql("SELECT account_no FROM accounts")}
    for no in ACCOUNTS:
        if no not in have:
            make_account(coop, no)


def _post(coop: Coop, m: Model, lines: list[Any], operator: str, kind: str) -> None:
    from coopctl.ledger.posting import post

    manual = kind == "manual_journal"
    draft = _draft(
        lines,
        kind=kind,
        approval_kind="manual_journal" if manual else None,
        manual=manual,
    )
    total = sum(d for _, d, _, _ in lines)
    if not m.fits(lines):
        event("withdrawal refused: insufficient funds")
        before = count(coop, "journal_entries")
        with pytest.raises(InsufficientFundsError):
            _run(coop, operator, lambda u: post(u, draft))
        assert count(coop, "journal_entries") == before
        return
    res = _run(coop, operator, lambda u: post(u, draft))
    pending = manual and total >= THRESHOLD
    assert res.pending is pending
    event(f"{kind} {'pending' if pending else 'posted'}")
    m.entries[res.entry_no] = Entry(
        res.entry_no, lines, "pending" if pending else "posted", operator
    )
    if not pending:
        m.apply(lines)


def _pick(m: Model, i: int, ok: Any) -> Entry | None:
    cands = [e for e in m.entries.values() if ok(e)]
    return cands[i % len(cands)] if cands else None


def _step(coop: Coop, m: Model, op: tuple[Any, ...]) -> None:
    from coopctl.ledger import approvals

    kind = op[0]
    if kind == "journal":
        _post(coop, m, op[1], "accountant1", "manual_journal")
    elif kind == "deposit":
        _post(coop, m, [("1110", op[2], 0, None), ("2110", 0, op[2], op[1])], "teller1", "deposit")
    elif kind == "withdraw":
        _post(
            coop, m, [("2110", op[2], 0, op[1]), ("1110", 0, op[2], None)], "teller1", "withdrawal"
        )
    elif kind == "reverse":
        e = _pick(
            m,
            op[1],
            lambda e: (
                e.status == "posted"
                and not e.reversed
                and not e.reverses
                and not e.pending_reversal
            ),
        )
        if e is None:
            return
        res = _run(coop, "manager1", lambda u: approvals.reverse(u, e.no, "property test"))
        assert res.pending  # reversals always need a checker by default
        event("reversal made")
        lines = [(g, c, d, a) for g, d, c, a in e.lines]
        m.entries[res.entry_no] = Entry(res.entry_no, lines, "pending", "manager1", reverses=e.no)
        e.pending_reversal = True
    elif kind in ("approve", "reject"):
        e = _pick(m, op[1], lambda e: e.status == "pending")
        if e is None:
            return
        if kind == "reject":
            _run(coop, "manager2", lambda u: approvals.reject(u, e.no, "property test"))
            e.status = "rejected"
            event("rejected")
            if e.reverses:
                m.entries[e.reverses].pending_reversal = False
        elif not m.fits(e.lines):
            event("approval refused: insufficient funds")
            with pytest.raises(InsufficientFundsError):
                _run(coop, "manager2", lambda u: approvals.approve(u, e.no))
        else:
            _run(coop, "manager2", lambda u: approvals.approve(u, e.no))
            e.status = "posted"
            event("approved" + (" reversal" if e.reverses else ""))
            m.apply(e.lines)
            if e.reverses:
                orig = m.entries[e.reverses]
                orig.reversed, orig.pending_reversal = True, False


def _assert_books(coop: Coop, m: Model) -> None:
    from coopctl.core import checks
    from coopctl.ledger.service import trial_balance

    with coop.uow("auditor1") as u:
        assert checks.run(u.session, groups=("ledger", "deposits", "loans")) == []
        tb = trial_balance(u)
    assert tb["total_debit"] == tb["total_credit"]
    assert _gl_nets(coop) == {k: v for k, v in m.gl.items() if v != 0}
    assert _acct_balances(coop) == {a: m.acct[a] for a in ACCOUNTS}
    assert sum(m.gl.values()) == 0
    for no, e in m.entries.items():
        status = coop.sql(
            "SELECT status, reversed_by_id FROM journal_entries WHERE id = :i", i=int(no[2:])
        )[0]
        assert status[0] == e.status, no
        assert (status[1] is not None) == e.reversed, no


@SETTINGS
@given(sequence=st.lists(ops, min_size=1, max_size=10))
def test_random_sequences_keep_the_books_consistent(coop: Coop, sequence: list[Any]) -> None:
    _ensure_accounts(coop)
    m = Model()
    m.gl.update(_gl_nets(coop))
    m.acct.update(_acct_balances(coop))
    for op in sequence:
        _step(coop, m, op)
    _assert_books(coop, m)


# --- invalid drafts leave nothing behind --------------------------------------------------
INVALID = [
    "unbalanced",
    "one_sided",
    "zero_line",
    "negative",
    "sub_kobo",
    "both_sides",
    "unknown_gl",
    "header_gl",
    "manual_to_control",
    "control_without_account",
    "unknown_account",
    "wrong_control",
    "closed_account",
    "future_date",
    "closed_period",
    "overdraft",
]


def _expected() -> dict[str, type[Exception]]:
    from coopctl.core import errors as e
    from coopctl.ledger import rules as r

    return {
        "unbalanced": e.UnbalancedEntryError,
        "one_sided": r.OneSidedEntryError,
        "zero_line": r.LineSideError,
        "negative": r.LineSideError,
        "sub_kobo": r.AmountPrecisionError,
        "both_sides": r.LineSideError,
        "unknown_gl": r.UnknownGLAccountError,
        "header_gl": r.HeaderAccountError,
        "manual_to_control": e.ManualPostingNotAllowedError,
        "control_without_account": r.ControlAccountError,
        "unknown_account": e.NotFoundError,
        "wrong_control": r.ControlAccountError,
        "closed_account": e.InactiveAccountError,
        "future_date": e.FutureDateError,
        "closed_period": e.ClosedPeriodError,
        "overdraft": e.InsufficientFundsError,
    }


def _invalid(kind: str, amt: int, delta: int) -> tuple[Any, dict[str, Any]]:
    """An invalid draft of ``kind``: (lines, EntryDraft keyword arguments)."""
    ok: list[Any] = [("5500", amt, 0, None), ("1110", 0, amt, None)]
    kw: dict[str, Any] = {"kind": "manual_journal", "manual": True}
    lines = {
        "unbalanced": [("5500", amt, 0, None), ("1110", 0, amt + delta, None)],
        "one_sided": [("5500", amt, 0, None), ("5600", amt, 0, None)],
        "zero_line": [*ok, ("5600", 0, 0, None)],
        "negative": [("5500", amt, 0, None), ("1110", 0, amt, None), ("5600", -amt, 0, None)],
        "both_sides": [("5500", amt, amt, None), *ok],
        "unknown_gl": [("5500", amt, 0, None), ("9990", 0, amt, None)],
        "header_gl": [("5000", amt, 0, None), ("1110", 0, amt, None)],
        "manual_to_control": [("2110", amt, 0, "PV-1"), ("1110", 0, amt, None)],
        "control_without_account": [("1110", amt, 0, None), ("2110", 0, amt, None)],
        "unknown_account": [("1110", amt, 0, None), ("2110", 0, amt, "NO-SUCH")],
        "wrong_control": [("1110", amt, 0, None), ("2120", 0, amt, "PV-1")],
        "closed_account": [("1110", amt, 0, None), ("2110", 0, amt, "PV-CLOSED")],
        "overdraft": [("2110", amt + 100_000_000, 0, "PV-1"), ("1110", 0, amt + 100_000_000, None)],
    }.get(kind, ok)
    if kind in (
        "control_without_account",
        "unknown_account",
        "wrong_control",
        "closed_account",
        "overdraft",
    ):
        kw = {"kind": "deposit"}
    if kind == "future_date":
        kw["day"] = date(2026, 11, 29)
    if kind == "closed_period":
        kw["day"] = date(2026, 10, 1 + delta % 31)
    return lines, kw


def _sub_kobo(draft: Any) -> Any:
    from dataclasses import replace

    first = draft.lines[0]
    draft.lines[0] = replace(first, debit=first.debit + Decimal("0.001"))
    draft.lines[1] = replace(draft.lines[1], credit=draft.lines[1].credit + Decimal("0.001"))
    return draft


def _snapshot(coop: Coop) -> tuple[Any, ...]:
    return (
        count(coop, "journal_entries"),
        count(coop, "journal_lines"),
        count(coop, "audit_log"),
        tuple(sorted(_acct_balances(coop).items())),
    )


def _every_kind(fn: Any) -> Any:
    """Each kind of invalid draft at least once, whatever hypothesis draws."""
    for k in INVALID:
        fn = example(kind=k, amt=2_500_000, delta=1)(fn)
    return fn


@SETTINGS
@_every_kind
@given(kind=st.sampled_from(INVALID), amt=amount, delta=st.integers(1, 10_000))
def test_invalid_drafts_are_refused_leaving_no_row(
    coop: Coop, kind: str, amt: int, delta: int
) -> None:
    from coopctl.ledger.models import Period
    from coopctl.ledger.posting import post

    have = {r[0] for r in coop.sql("SELECT account_no FROM accounts")}
    if "PV-1" not in have:
        make_account(coop, "PV-1")
        make_account(coop, "PV-CLOSED", status="closed")
        from tests.integration.ledger_support import post_service

        post_service(coop, [("1110", "DR", "1000"), ("2110", "CR", "1000", "PV-1")])
    with coop.uow("admin") as u:
        if u.session.scalars(select(Period).where(Period.status == "closed")).first() is None:
            from coopctl.ledger.periods import close_period

            close_period(u, 2026, 10)
            u.commit()
    lines, kw = _invalid(kind, amt, delta)
    draft = _draft(lines, **kw)
    if kind == "sub_kobo":
        draft = _sub_kobo(draft)
    before = _snapshot(coop)
    with pytest.raises(_expected()[kind]):
        _run(coop, "accountant1", lambda u: post(u, draft))
    assert _snapshot(coop) == before
