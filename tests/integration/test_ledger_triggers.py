"""The database itself refuses what the engine never does: forbidden SQL is tried by
hand, on SQLite and on PostgreSQL. With the guards dropped, tampering is caught by
``ledger verify`` / ``audit verify`` (exit 6, naming the entry or the row)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import Coop
from tests.integration.ledger_support import counts, posted


@contextmanager
def refused(match: str) -> Iterator[None]:
    with pytest.raises(DBAPIError, match=match):
        yield


def _entry(coop: Coop) -> int:
    e = posted(coop, "5500:DR:25000", "1110:CR:25000", narration="Stationery")
    return int(e["entry_no"][2:])


def _script(coop: Coop, *statements: str, **params: Any) -> None:
    """Several statements in one transaction (committed only if all succeed)."""
    with coop.engine().connect() as c:
        for st in statements:
            c.execute(text(st), params)
        c.commit()


def _gl(coop: Coop, code: str) -> int:
    return int(coop.sql("SELECT id FROM gl_accounts WHERE code = :c", c=code)[0][0])


_NEW_ENTRY = (
    "INSERT INTO journal_entries (id, business_date, kind, reference, narration, status, "
    "maker, total, created_at) VALUES (:eid, :day, 'manual_journal', '', 'by hand', :status, "
    "'mallory', 100, :at)"
)
_NEW_LINE = (
    "INSERT INTO journal_lines (entry_id, line_no, gl_account_id, debit, credit, memo) "
    "VALUES (:eid, :n, :gl, :dr, :cr, '')"
)


def test_posted_lines_cannot_be_updated_deleted_or_added(coop: Coop) -> None:
    eid = _entry(coop)
    before = counts(coop)
    with refused("immutable"):
        coop.sql(
            "UPDATE journal_lines SET debit = 2600000 WHERE entry_id = :e AND line_no = 1", e=eid
        )
    with refused("immutable"):
        coop.sql("UPDATE journal_lines SET memo = 'x' WHERE entry_id = :e", e=eid)
    with refused("immutable"):
        coop.sql("DELETE FROM journal_lines WHERE entry_id = :e", e=eid)
    with refused("immutable"):
        coop.sql(_NEW_LINE, eid=eid, n=3, gl=_gl(coop, "5500"), dr=100, cr=0)
    assert counts(coop) == before
    rows = coop.sql(
        "SELECT debit, credit FROM journal_lines WHERE entry_id = :e ORDER BY line_no", e=eid
    )
    assert [tuple(r) for r in rows] == [(2500000, 0), (0, 2500000)]


def test_posted_entries_cannot_be_changed_or_deleted(coop: Coop) -> None:
    eid = _entry(coop)
    for assignment in (
        "total = 1",
        "business_date = '2026-01-01'",
        "status = 'draft'",
        "status = 'rejected'",
        "maker = 'mallory'",
        "narration = 'something else'",
    ):
        with refused("immutable"):
            coop.sql(f"UPDATE journal_entries SET {assignment} WHERE id = :e", e=eid)
    with refused("cannot be deleted"):
        coop.sql("DELETE FROM journal_entries WHERE id = :e", e=eid)
    status = coop.sql("SELECT status, total FROM journal_entries WHERE id = :e", e=eid)[0]
    assert tuple(status) == ("posted", 2500000)


def test_entries_cannot_be_inserted_as_posted_nor_flipped_unbalanced(coop: Coop) -> None:
    from coopctl.core import clock

    at = clock.utcnow()
    before = counts(coop)
    with refused("inserted as draft or pending"):
        coop.sql(_NEW_ENTRY, eid=900, day="2026-11-28", status="posted", at=at)
    cash, exp = _gl(coop, "1110"), _gl(coop, "5500")
    with refused("unbalanced"):  # one kobo short
        _script(
            coop,
            _NEW_ENTRY,
            _NEW_LINE.replace(":n, :gl, :dr, :cr", "1, :exp, 100, 0"),
            _NEW_LINE.replace(":n, :gl, :dr, :cr", "2, :cash, 0, 99"),
            "UPDATE journal_entries SET status = 'posted' WHERE id = :eid",
            eid=901,
            day="2026-11-28",
            status="draft",
            at=at,
            exp=exp,
            cash=cash,
        )
    with refused("unbalanced"):  # debits only
        _script(
            coop,
            _NEW_ENTRY,
            _NEW_LINE.replace(":n, :gl, :dr, :cr", "1, :exp, 100, 0"),
            "UPDATE journal_entries SET status = 'posted' WHERE id = :eid",
            eid=902,
            day="2026-11-28",
            status="draft",
            at=at,
            exp=exp,
        )
    with refused("unbalanced"):  # no lines at all
        _script(
            coop,
            _NEW_ENTRY,
            "UPDATE journal_entries SET status = 'posted' WHERE id = :eid",
            eid=903,
            day="2026-11-28",
            status="draft",
            at=at,
        )
    with refused("one_side"):  # CHECK: both sides on one line
        _script(
            coop,
            _NEW_ENTRY,
            _NEW_LINE.replace(":n, :gl, :dr, :cr", "1, :exp, 100, 100"),
            eid=904,
            day="2026-11-28",
            status="draft",
            at=at,
            exp=exp,
        )
    assert counts(coop) == before


def test_flip_dated_in_a_closed_period_is_refused(coop: Coop) -> None:
    from coopctl.core import clock

    coop.ok("ledger", "close-period", "2026-10", operator="accountant1")
    before = counts(coop)
    with refused("closed period"):
        _script(
            coop,
            _NEW_ENTRY,
            _NEW_LINE.replace(":n, :gl, :dr, :cr", "1, :exp, 100, 0"),
            _NEW_LINE.replace(":n, :gl, :dr, :cr", "2, :cash, 0, 100"),
            "UPDATE journal_entries SET status = 'posted' WHERE id = :eid",
            eid=905,
            day="2026-10-15",
            status="draft",
            at=clock.utcnow(),
            exp=_gl(coop, "5500"),
            cash=_gl(coop, "1110"),
        )
    assert counts(coop) == before


def test_audit_log_is_append_only(coop: Coop) -> None:
    _entry(coop)
    last = int(coop.sql("SELECT MAX(id) FROM audit_log")[0][0])
    with refused("append-only"):
        coop.sql("UPDATE audit_log SET operator = 'mallory' WHERE id = :i", i=last)
    with refused("append-only"):
        coop.sql("DELETE FROM audit_log WHERE id = :i", i=last)
    assert coop.ok("audit", "verify")["ok"] is True


def _drop_line_guard(coop: Coop) -> None:
    if coop.dialect == "postgresql":
        coop.sql("DROP TRIGGER jl_guard ON journal_lines")
    else:
        coop.sql("DROP TRIGGER jl_no_update_posted")
        coop.sql("DROP TRIGGER jl_no_delete_posted")


def test_altered_line_with_guards_dropped_makes_verify_exit_6(coop: Coop) -> None:
    """Stationery for ₦25,000 is 'corrected' by hand to ₦26,000 on the debit side only."""
    ok = posted(coop, "5500:DR:100", "1110:CR:100")
    eid = _entry(coop)
    _drop_line_guard(coop)
    coop.sql("UPDATE journal_lines SET debit = 2600000 WHERE entry_id = :e AND line_no = 1", e=eid)
    r = coop.cli("ledger", "verify", "--format", "json")
    assert r.exit_code == 6
    details = [p["detail"] for p in r.json["problems"]]
    assert r.json["ok"] is False
    assert any(f"JE{eid:08d}" in d and "26,000.00" in d for d in details)
    assert not any(ok["entry_no"] in d for d in details)  # the honest entry is not blamed
    assert {p["check"] for p in r.json["problems"]} >= {"entries_balance", "trial_balance_zero"}
    assert coop.cli("doctor").exit_code == 6


def test_deleted_line_with_guards_dropped_makes_verify_exit_6(coop: Coop) -> None:
    eid = _entry(coop)
    _drop_line_guard(coop)
    coop.sql("DELETE FROM journal_lines WHERE entry_id = :e AND line_no = 2", e=eid)
    r = coop.cli("ledger", "verify", "--format", "json")
    assert r.exit_code == 6
    assert any(f"JE{eid:08d}" in p["detail"] for p in r.json["problems"])


def _drop_audit_guard(coop: Coop) -> None:
    if coop.dialect == "postgresql":
        coop.sql("DROP TRIGGER audit_log_no_update ON audit_log")
    else:
        coop.sql("DROP TRIGGER audit_log_no_update")
        coop.sql("DROP TRIGGER audit_log_no_delete")


def test_edited_audit_row_makes_audit_verify_exit_6_naming_it(coop: Coop) -> None:
    e = posted(coop, "5500:DR:25000", "1110:CR:25000")
    row = coop.sql("SELECT id FROM audit_log WHERE entity_id = :n", n=e["entry_no"])[0][0]
    _drop_audit_guard(coop)
    coop.sql("UPDATE audit_log SET after = REPLACE(after, '25000', '2500') WHERE id = :i", i=row)
    r = coop.cli("audit", "verify", "--format", "json")
    assert r.exit_code == 6
    assert f"audit row {row}:" in r.json["problems"][0]["detail"]
    assert "edited" in r.json["problems"][0]["detail"]
    assert coop.cli("ledger", "verify").exit_code == 6  # the audit chain is one of its checks


def test_audit_row_deleted_from_the_middle_is_detected(coop: Coop) -> None:
    for amt in ("100", "200", "300"):
        posted(coop, f"5500:DR:{amt}", f"1110:CR:{amt}")
    ids = [int(r[0]) for r in coop.sql("SELECT id FROM audit_log ORDER BY id")]
    middle = ids[len(ids) // 2]
    _drop_audit_guard(coop)
    coop.sql("DELETE FROM audit_log WHERE id = :i", i=middle)
    r = coop.cli("audit", "verify", "--format", "json")
    assert r.exit_code == 6
    nxt = ids[ids.index(middle) + 1]
    assert f"audit row {nxt}:" in r.json["problems"][0]["detail"]
    assert "deleted" in r.json["problems"][0]["detail"]
