"""Bulk posting (``post_many``) on SQLite and PostgreSQL (COPY and executemany routes):
a batch equals the same drafts posted one by one, all or nothing, idempotent."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from coopctl.core import errors
from coopctl.ledger.bulk import ApprovalRequiredError
from tests.conftest import Coop
from tests.integration.ledger_support import (
    D,
    account_balance,
    assert_verified,
    counts,
    make_account,
    post_service,
)

TODAY = date(2026, 11, 28)
ACCOUNTS = ["BK-1", "BK-2", "BK-3"]
_run_ids = itertools.count()


def kobo(k: int) -> Decimal:
    return Decimal(k).scaleb(-2)


def _routes(coop: Coop) -> list[str]:
    return ["copy", "executemany"] if coop.dialect == "postgresql" else ["executemany"]


def _setup(coop: Coop) -> None:
    have = {r[0] for r in coop.sql("SELECT account_no FROM accounts")}
    for no in ACCOUNTS:
        if no not in have:
            make_account(coop, no, floor=D("100.00"))
            post_service(coop, [("1110", "DR", "5000"), ("2110", "CR", "5000", no)])


def interest(no: str, k: int, key: str | None, day: date = TODAY) -> Any:
    """Month-end savings interest: Dr 5100 Interest expense / Cr 2110 member account."""
    from coopctl.ledger.rules import EntryDraft, LineDraft

    return EntryDraft(
        business_date=day,
        kind="interest",
        idempotency_key=key,
        narration="Savings interest",
        lines=[LineDraft("5100", debit=kobo(k)), LineDraft("2110", credit=kobo(k), account_no=no)],
    )


def charge(no: str, k: int, key: str | None, day: date = TODAY) -> Any:
    """A fee: Dr 2110 member account / Cr 4200 Fee income (reduces the member balance)."""
    from coopctl.ledger.rules import EntryDraft, LineDraft

    return EntryDraft(
        business_date=day,
        kind="fee",
        idempotency_key=key,
        lines=[LineDraft("2110", debit=kobo(k), account_no=no), LineDraft("4200", credit=kobo(k))],
    )


def expense(k: int, key: str | None) -> Any:
    from coopctl.ledger.rules import EntryDraft, LineDraft

    return EntryDraft(
        business_date=TODAY,
        kind="provision",
        idempotency_key=key,
        lines=[
            LineDraft("5200", debit=kobo(k)),
            LineDraft("1290", credit=kobo(k - k // 2)),
            LineDraft("2900", credit=kobo(k // 2)),
        ]
        if k > 1
        else [LineDraft("5200", debit=kobo(k)), LineDraft("1290", credit=kobo(k))],
    )


def _books(u: Any) -> tuple[dict[int, tuple[Decimal, Decimal]], dict[str, Decimal]]:
    from coopctl.ledger.models import Account
    from coopctl.ledger.service import gl_totals

    u.session.expire_all()
    accts = dict(u.session.execute(select(Account.account_no, Account.balance)).all())
    return gl_totals(u), accts


def _one_by_one(coop: Coop, drafts: list[Any]) -> Any:
    """Post each draft with ``post`` inside one transaction, read the books, roll back."""
    from coopctl.ledger.posting import post

    with coop.uow("system") as u:
        try:
            for d in drafts:
                post(u, d)
        except errors.CoopError as exc:
            return type(exc)
        return _books(u)


def _bulk(coop: Coop, drafts: list[Any], route: str) -> Any:
    from coopctl.ledger.bulk import post_many

    with coop.uow("system") as u:
        res = post_many(u, drafts, route=route)
        u.commit()
        return res


draft_specs = st.lists(
    st.tuples(
        st.sampled_from(["interest", "charge", "expense", "repeat"]),
        st.sampled_from(ACCOUNTS),
        st.integers(1, 300_000),
    ),
    min_size=1,
    max_size=40,
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=draft_specs, with_keys=st.booleans())
def test_post_many_equals_posting_one_by_one(
    coop: Coop, specs: list[tuple[str, str, int]], with_keys: bool
) -> None:
    _setup(coop)
    for route in _routes(coop):
        run = f"r{next(_run_ids)}"
        drafts = []
        for i, (kind, no, k) in enumerate(specs):
            key = f"{run}:{i}" if with_keys else None
            if kind == "repeat" and drafts and with_keys:
                drafts.append(interest(no, k, f"{run}:0"))  # a key already in the batch
            elif kind in ("interest", "repeat"):
                drafts.append(interest(no, k, key))
            elif kind == "charge":
                drafts.append(charge(no, k, key))
            else:
                drafts.append(expense(k, key))
        unique = [
            d
            for i, d in enumerate(drafts)
            if not (
                d.idempotency_key
                and any(e.idempotency_key == d.idempotency_key for e in drafts[:i])
            )
        ]
        expected = _one_by_one(coop, unique)
        before = counts(coop)
        if isinstance(expected, type):  # one by one refuses: so does the batch, writing nothing
            with pytest.raises(expected):
                _bulk(coop, drafts, route)
            assert counts(coop) == before
            continue
        res = _bulk(coop, drafts, route)
        assert res.posted == len(unique)
        assert res.skipped_existing == len(drafts) - len(unique)
        assert len(res.entry_ids) == len(drafts)
        with coop.uow("auditor1") as u:
            assert _books(u) == expected
            from coopctl.core import checks

            assert checks.run(u.session, groups=("ledger", "deposits", "loans")) == []
        after = counts(coop)
        assert after["journal_entries"] == before["journal_entries"] + len(unique)
        assert after["audit_log"] == before["audit_log"] + 1  # one record for the batch
        # the same batch again changes nothing
        if with_keys:
            again = _bulk(coop, drafts, route)
            assert (again.posted, again.skipped_existing) == (0, len(drafts))
            assert again.entry_ids == res.entry_ids
            assert counts(coop) == after


def test_bulk_entries_are_ordinary_entries(coop: Coop) -> None:
    """Three interest credits (₦12.34, ₦56.78, ₦0.01) in one batch: each is a posted
    entry of its own; 2110 rises by ₦69.13 and 5100 by the same."""
    _setup(coop)
    for route in _routes(coop):
        before = {no: account_balance(coop, no) for no in ACCOUNTS}
        res = _bulk(
            coop,
            [
                interest("BK-1", 1234, f"{route}:a"),
                interest("BK-2", 5678, f"{route}:b"),
                interest("BK-1", 1, f"{route}:c"),
            ],
            route,
        )
        assert res.posted == 3 and len(set(res.entry_nos)) == 3
        shown = coop.ok("postings", "show", res.entry_nos[1])
        assert shown["status"] == "posted" and shown["kind"] == "interest"
        assert shown["maker"] == "system" and shown["total"] == "56.78"
        assert [
            (ln["gl_code"], ln["account_no"], ln["debit"], ln["credit"]) for ln in shown["lines"]
        ] == [("5100", None, "56.78", "0.00"), ("2110", "BK-2", "0.00", "56.78")]
        assert account_balance(coop, "BK-1") == before["BK-1"] + D("12.35")
        assert account_balance(coop, "BK-2") == before["BK-2"] + D("56.78")
        audit = [
            a
            for a in coop.ok("audit", "list", "--entity", "journal_entry")
            if a["action"] == "entries.bulk_posted"
        ]
        assert audit and f"{res.entry_nos[0]}..{res.entry_nos[2]}" == audit[-1]["entity_id"]
    assert_verified(coop)


def _bad(kind: str, route: str) -> Any:
    from dataclasses import replace

    from coopctl.ledger.rules import EntryDraft, LineDraft

    if kind == "unbalanced":
        d = interest("BK-1", 500, None)
        return replace(d, lines=[d.lines[0], replace(d.lines[1], credit=kobo(499))])
    if kind == "unknown_account":
        return interest("NOPE-1", 500, None)
    if kind == "closed_period":
        return interest("BK-1", 500, None, day=date(2026, 10, 20))
    if kind == "future":
        return interest("BK-1", 500, None, day=date(2026, 11, 29))
    if kind == "overdraft":  # BK-2 holds about 5,006 with a 100 floor
        return charge("BK-2", 500_000, None)
    if kind == "needs_checker":
        return EntryDraft(
            business_date=TODAY,
            kind="manual_journal",
            approval_kind="manual_journal",
            manual=True,
            lines=[LineDraft("1310", debit=D("1000000")), LineDraft("1121", credit=D("1000000"))],
        )
    if kind == "non_manual":
        return replace(interest("BK-1", 500, None), manual=True)
    if kind == "reversal":
        return replace(interest("BK-1", 500, None), reverses_id=1)
    raise AssertionError(kind)


BAD_DRAFTS: list[tuple[str, type[Exception]]] = [
    ("unbalanced", errors.UnbalancedEntryError),
    ("unknown_account", errors.NotFoundError),
    ("closed_period", errors.ClosedPeriodError),
    ("future", errors.FutureDateError),
    ("overdraft", errors.InsufficientFundsError),
    ("needs_checker", ApprovalRequiredError),
    ("non_manual", errors.ManualPostingNotAllowedError),
    ("reversal", errors.ValidationError),
]


def test_one_bad_draft_writes_nothing(coop: Coop) -> None:
    """30 good interest credits with one bad draft at position 18: the batch is refused
    (the error names the culprit where it can) and nothing at all is written."""
    _setup(coop)
    coop.ok("ledger", "close-period", "2026-10", operator="accountant1")
    for route in _routes(coop):
        for kind, error in BAD_DRAFTS:
            good = [interest(ACCOUNTS[i % 3], 100 + i, f"{route}:{kind}:{i}") for i in range(30)]
            before = counts(coop)
            balances = {no: account_balance(coop, no) for no in ACCOUNTS}
            with pytest.raises(error) as exc:
                _bulk(coop, [*good[:17], _bad(kind, route), *good[17:]], route)
            if kind in ("unbalanced", "reversal", "needs_checker"):
                assert "draft 18" in str(exc.value)
            assert counts(coop) == before, kind
            assert {no: account_balance(coop, no) for no in ACCOUNTS} == balances, kind
    assert_verified(coop)


def test_floors_are_checked_in_draft_order(coop: Coop) -> None:
    """BK-3 is charged down to its ₦100 floor. A ₦25 charge that comes *before* the ₦25
    interest which would cover it is refused (as posting one by one would refuse it);
    the other way round both post."""
    _setup(coop)
    _bulk(coop, [charge("BK-3", 490_000, None)], _routes(coop)[0])  # 5,000 − 4,900
    assert account_balance(coop, "BK-3") == D("100.00")
    for route in _routes(coop):
        before = counts(coop)
        with pytest.raises(errors.InsufficientFundsError, match="BK-3"):
            _bulk(coop, [charge("BK-3", 2500, None), interest("BK-3", 2500, None)], route)
        assert counts(coop) == before
        res = _bulk(coop, [interest("BK-3", 2500, None), charge("BK-3", 2500, None)], route)
        assert res.posted == 2
        assert account_balance(coop, "BK-3") == D("100.00")
    assert_verified(coop)


def test_empty_batch_and_bad_route(coop: Coop) -> None:
    from coopctl.ledger.bulk import post_many

    before = counts(coop)
    res = _bulk(coop, [], "executemany")
    assert (res.posted, res.skipped_existing, res.entry_ids) == (0, 0, [])
    assert counts(coop) == before
    with coop.uow("system") as u, pytest.raises(ValueError):
        post_many(u, [], route="carrier-pigeon")
    if coop.dialect == "sqlite":
        with coop.uow("system") as u, pytest.raises(ValueError, match="PostgreSQL"):
            post_many(u, [interest("BK-1", 1, None)], route="copy")


def test_the_database_still_checks_every_bulk_entry(
    coop: Coop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: if the bulk code ever wrote an unbalanced line, the per-row
    trigger on the flip to posted refuses the whole batch."""
    from sqlalchemy.exc import DBAPIError

    from coopctl.ledger.bulk_io import BulkIO

    _setup(coop)
    original = BulkIO.insert_lines

    def off_by_one_kobo(self: BulkIO, rows: list[tuple[Any, ...]]) -> None:
        wrong = list(rows[4])  # entry 3, line 1: Dr 5100
        wrong[4] += 1  # its debit one kobo too high
        original(self, [*rows[:4], tuple(wrong), *rows[5:]])

    monkeypatch.setattr(BulkIO, "insert_lines", off_by_one_kobo)
    for route in _routes(coop):
        before = counts(coop)
        with pytest.raises(DBAPIError, match="unbalanced"):
            _bulk(coop, [interest("BK-1", 100 + i, None) for i in range(10)], route)
        assert counts(coop) == before


def test_bulk_rows_are_stored_exactly_like_orm_rows(coop: Coop) -> None:
    """Dates and timestamps written by the bulk path have the ORM's storage format
    (SQLite keeps them as text: '2026-11-28', '2026-11-28 09:30:00.123456')."""
    _setup(coop)
    orm_no = post_service(coop, [("5100", "DR", "1"), ("2110", "CR", "1", "BK-1")])
    res = _bulk(coop, [interest("BK-1", 100, None)], _routes(coop)[0])

    def raw(no: str) -> list[Any]:
        row = coop.sql(
            "SELECT business_date, created_at, posted_at, total FROM journal_entries WHERE id = :i",
            i=int(no[2:]),
        )[0]
        return [
            type(v).__name__ + (f":{len(v)}:{'+' in v}" if isinstance(v, str) else "") for v in row
        ]

    assert raw(res.entry_nos[0]) == raw(orm_no)
    with coop.uow("auditor1") as u:
        from coopctl.ledger.approvals import get_entry

        e = get_entry(u, res.entry_nos[0])
        assert e.created_at.tzinfo is not None and e.posted_at is not None
        assert e.posted_at >= e.created_at


def test_a_large_random_batch_gives_the_books_of_one_by_one(coop: Coop) -> None:
    """1,234 random drafts (interest credits, fees, three-line provisions) over three
    member accounts — more than a dozen multi-row INSERT statements of 100 rows, with a
    remainder — post to exactly the books of the same drafts posted one at a time; the
    totals are worked out here with Decimal arithmetic."""
    import random

    _setup(coop)
    rng = random.Random(16)
    for route in _routes(coop):
        run = f"big{next(_run_ids)}"
        drafts, credit_2110, debit_5100 = [], D(0), D(0)
        for i in range(1234):
            k, no = rng.randint(1, 50_000), ACCOUNTS[i % 3]
            pick = rng.random()
            if pick < 0.7:
                drafts.append(interest(no, k, f"{run}:{i}"))
                credit_2110 += kobo(k)
                debit_5100 += kobo(k)
            elif pick < 0.8:
                drafts.append(charge(no, min(k, 300), f"{run}:{i}"))  # small: floors hold
                credit_2110 -= kobo(min(k, 300))
            else:
                drafts.append(expense(k, f"{run}:{i}"))
        expected = _one_by_one(coop, drafts)
        assert not isinstance(expected, type), expected
        before = {no: account_balance(coop, no) for no in ACCOUNTS}
        res = _bulk(coop, drafts, route)
        assert res.posted == 1234
        with coop.uow("auditor1") as u:
            assert _books(u) == expected
        after = {no: account_balance(coop, no) for no in ACCOUNTS}
        assert sum(after.values()) - sum(before.values()) == credit_2110
    assert_verified(coop)


@pytest.mark.parametrize("kind", ["unbalanced", "closed_account"])
def test_a_bad_draft_deep_in_a_large_batch_writes_nothing(coop: Coop, kind: str) -> None:
    """2,500 good interest credits and one bad draft at position 2,345 (unbalanced by
    one kobo; or naming a closed member account): the batch is refused with the rule's
    own error, naming the draft where the rule is per draft, and nothing is written."""
    from coopctl.ledger.rules import EntryDraft, LineDraft

    _setup(coop)
    if not coop.sql("SELECT 1 FROM accounts WHERE account_no = 'BK-X'"):
        make_account(coop, "BK-X", status="closed")
    for route in _routes(coop):
        run = f"deep{next(_run_ids)}"
        good = [interest(ACCOUNTS[i % 3], 100 + i, f"{run}:{i}") for i in range(2500)]
        if kind == "unbalanced":
            bad = EntryDraft(TODAY, "interest", [
                LineDraft("5100", debit=D("10.00")), LineDraft("2110", credit=D("10.01"),
                                                             account_no="BK-1")])  # fmt: skip
            error: type[Exception] = errors.UnbalancedEntryError
        else:
            bad = interest("BK-X", 500, f"{run}:bad")
            error = errors.InactiveAccountError
        batch = [*good[:2344], bad, *good[2344:]]
        before = counts(coop)
        balances = {no: account_balance(coop, no) for no in ACCOUNTS}
        with pytest.raises(error) as exc:
            _bulk(coop, batch, route)
        if kind == "unbalanced":
            assert "draft 2345" in str(exc.value)
        else:
            assert "BK-X" in str(exc.value)
        assert counts(coop) == before
        assert {no: account_balance(coop, no) for no in ACCOUNTS} == balances


def test_the_database_refuses_a_member_line_on_another_gl_in_bulk(
    coop: Coop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth at insert time: a member-account line moved onto another GL by
    the bulk code would be refused by the line trigger (SQLite per row, PostgreSQL over
    the statement's new rows) with the database's error; nothing is written."""
    from sqlalchemy.exc import DBAPIError

    from coopctl.ledger.bulk_io import BulkIO

    _setup(coop)
    other_gl = int(coop.sql("SELECT id FROM gl_accounts WHERE code = '4200'")[0][0])
    original = BulkIO.insert_lines

    def wrong_gl(self: BulkIO, rows: list[tuple[Any, ...]]) -> None:
        wrong = list(rows[203])  # entry 102, line 2: Cr 2110 member account
        wrong[2] = other_gl
        original(self, [*rows[:203], tuple(wrong), *rows[204:]])

    monkeypatch.setattr(BulkIO, "insert_lines", wrong_gl)
    for route in _routes(coop):
        before = counts(coop)
        with pytest.raises(DBAPIError, match="control GL"):
            _bulk(coop, [interest("BK-1", 100 + i, None) for i in range(150)], route)
        assert counts(coop) == before
