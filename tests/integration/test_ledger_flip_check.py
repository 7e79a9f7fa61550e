"""The draft → posted flip is checked by the database for every entry of the statement,
in a flip of a few entries and of a large batch (PostgreSQL switches to one set-based
query from 500 flipped entries), and when the statement also touches a posted entry."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import Coop
from tests.integration.ledger_support import counts

BASE = 50_000  # entry ids of this test


def _gl(coop: Coop, code: str) -> int:
    return int(coop.sql("SELECT id FROM gl_accounts WHERE code = :c", c=code)[0][0])


def _drafts(coop: Coop, n: int, *, spoil: str | None = None, at: int = 0) -> tuple[int, int]:
    """``n`` balanced two-line draft entries (Dr 5500 / Cr 1110), committed; ``spoil``
    makes entry ``at`` unbalanced by one kobo, debit-only, or dated in a closed period."""
    from coopctl.core import clock

    exp, cash = _gl(coop, "5500"), _gl(coop, "1110")
    now = clock.utcnow()
    entries: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for i in range(n):
        eid = BASE + i
        amt = 100 + i
        day = "2026-10-15" if (spoil == "closed" and i == at) else "2026-11-28"
        entries.append({"eid": eid, "day": day, "at": now, "total": amt})
        lines.append({"eid": eid, "n": 1, "gl": exp, "dr": amt, "cr": 0})
        if spoil == "debit_only" and i == at:
            continue
        cr = amt - 1 if (spoil == "unbalanced" and i == at) else amt
        lines.append({"eid": eid, "n": 2, "gl": cash, "dr": 0, "cr": cr})
    with coop.engine().connect() as c:
        c.execute(
            text(
                "INSERT INTO journal_entries (id, business_date, kind, reference, narration, "
                "status, maker, total, created_at) VALUES (:eid, :day, 'manual_journal', '', "
                "'by hand', 'draft', 'mallory', :total, :at)"
            ),
            entries,
        )
        c.execute(
            text(
                "INSERT INTO journal_lines (entry_id, line_no, gl_account_id, debit, credit, "
                "memo) VALUES (:eid, :n, :gl, :dr, :cr, '')"
            ),
            lines,
        )
        c.commit()
    return BASE, BASE + n - 1


def _posted(coop: Coop) -> int:
    return int(
        coop.sql(
            "SELECT COUNT(*) FROM journal_entries WHERE id >= :b AND status = 'posted'", b=BASE
        )[0][0]
    )


@pytest.mark.parametrize("n", [20, 600])
@pytest.mark.parametrize(
    ("spoil", "match"),
    [("unbalanced", "unbalanced"), ("debit_only", "unbalanced"), ("closed", "closed period")],
)
def test_one_bad_entry_refuses_the_whole_flip(coop: Coop, n: int, spoil: str, match: str) -> None:
    if spoil == "closed":
        coop.ok("ledger", "close-period", "2026-10", operator="accountant1")
    lo, hi = _drafts(coop, n, spoil=spoil, at=n - 7)
    with pytest.raises(DBAPIError, match=match):
        coop.sql(
            "UPDATE journal_entries SET status = 'posted' WHERE id BETWEEN :lo AND :hi",
            lo=lo,
            hi=hi,
        )
    assert _posted(coop) == 0


@pytest.mark.parametrize("n", [20, 600])
def test_a_good_batch_flips(coop: Coop, n: int) -> None:
    lo, hi = _drafts(coop, n)
    before = counts(coop)
    coop.sql(
        "UPDATE journal_entries SET status = 'posted' WHERE id BETWEEN :lo AND :hi", lo=lo, hi=hi
    )
    assert _posted(coop) == n
    assert counts(coop) == before  # a flip adds no row


@pytest.mark.parametrize("n", [20, 600])
def test_a_flip_alongside_an_already_posted_entry_is_still_checked(coop: Coop, n: int) -> None:
    """The statement also matches a posted entry (left as it is): the drafts it flips are
    still every one checked."""
    lo, hi = _drafts(coop, n, spoil="unbalanced", at=3)
    coop.sql("UPDATE journal_entries SET status = 'posted' WHERE id = :i", i=lo)  # entry 0: ok
    with pytest.raises(DBAPIError, match="unbalanced"):
        coop.sql(
            "UPDATE journal_entries SET status = 'posted' WHERE id BETWEEN :lo AND :hi",
            lo=lo,
            hi=hi,
        )
    assert _posted(coop) == 1


def test_pg_a_flip_that_also_changes_the_id_is_checked(pg_coop: Coop) -> None:
    """An entry with no lines, renumbered and flipped in one statement: the new id was
    never posted, so it is a flip, and it has no lines."""
    lo, _hi = _drafts(pg_coop, 1)
    pg_coop.sql("DELETE FROM journal_lines WHERE entry_id = :i", i=lo)
    with pytest.raises(DBAPIError, match="unbalanced"):
        pg_coop.sql("UPDATE journal_entries SET status = 'posted', id = id + 1 WHERE id = :i", i=lo)
    assert _posted(pg_coop) == 0
