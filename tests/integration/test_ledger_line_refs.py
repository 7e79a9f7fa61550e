"""A journal line always points at an existing entry, GL account and member account.

SQLite enforces this with its foreign keys; PostgreSQL with set-based triggers
(migration 0024: one check per statement over the inserted rows, guards on the
parents). The tests try it by hand, through raw SQL, on every insert path: one-row
INSERT, multi-row INSERT, INSERT … SELECT, COPY (text and binary), UPDATE; and
from the other side: DELETE, a change of id, TRUNCATE of a referenced row/table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import Coop
from tests.integration.ledger_support import counts, make_account

FK = r"(?i)foreign key"
MISSING = 987_654_321  # no row has this id

_NEW_ENTRY = (
    "INSERT INTO journal_entries (id, business_date, kind, reference, narration, status, "
    "maker, total, created_at) VALUES (:eid, '2026-11-28', 'manual_journal', '', 'by hand', "
    "'draft', 'mallory', 100, :at)"
)
_LINE = (
    "INSERT INTO journal_lines (entry_id, line_no, gl_account_id, account_id, debit, credit, "
    "memo) VALUES (:eid, :n, :gl, :acct, :dr, :cr, '')"
)


@contextmanager
def refused(match: str = FK) -> Iterator[None]:
    with pytest.raises(DBAPIError, match=match):
        yield


def _gl(coop: Coop, code: str) -> int:
    return int(coop.sql("SELECT id FROM gl_accounts WHERE code = :c", c=code)[0][0])


def _draft(coop: Coop, eid: int) -> int:
    """A draft entry with no lines, committed."""
    from coopctl.core import clock

    coop.sql(_NEW_ENTRY, eid=eid, at=clock.utcnow())
    return eid


def _script(coop: Coop, *statements: str, **params: Any) -> None:
    with coop.engine().connect() as c:
        for st in statements:
            c.execute(text(st), params)
        c.commit()


def _line(coop: Coop, eid: int, n: int, gl: int, acct: int | None = None, dr: int = 100) -> None:
    coop.sql(_LINE, eid=eid, n=n, gl=gl, acct=acct, dr=dr, cr=0)


def _lines_of(coop: Coop, eid: int) -> int:
    return int(coop.sql("SELECT COUNT(*) FROM journal_lines WHERE entry_id = :e", e=eid)[0][0])


def test_a_line_needs_its_entry_gl_account_and_member_account(coop: Coop) -> None:
    eid = _draft(coop, 7001)
    gl = _gl(coop, "2110")
    acct = make_account(coop, "RF000001")
    before = counts(coop)
    with refused():  # no such entry
        _line(coop, MISSING, 1, gl, acct)
    with refused():  # no such GL account
        _line(coop, eid, 1, MISSING)
    with refused():  # no such member account
        _line(coop, eid, 1, gl, MISSING)
    assert counts(coop) == before
    _line(coop, eid, 1, gl, acct)  # all three exist: accepted
    assert _lines_of(coop, eid) == 1


@pytest.mark.parametrize("bad", ["entry", "gl", "account"])
def test_one_bad_line_among_many_refuses_the_whole_statement(coop: Coop, bad: str) -> None:
    """Multi-row INSERT and INSERT … SELECT: the check covers every row of the statement."""
    eid = _draft(coop, 7002)
    gl, exp = _gl(coop, "2110"), _gl(coop, "5500")
    acct = make_account(coop, "RF000002")
    rows = [(eid, n, exp, None) for n in range(1, 40)] + [(eid, 40, gl, acct)]
    e, g, a = {"entry": (MISSING, gl, acct), "gl": (eid, MISSING, None),
               "account": (eid, gl, MISSING)}[bad]  # fmt: skip
    rows[25] = (e, 26, g, a)
    values = ", ".join(f"({r[0]}, {r[1]}, {r[2]}, {r[3] or 'NULL'}, 0, 1, '')" for r in rows)
    head = "INSERT INTO journal_lines (entry_id, line_no, gl_account_id, account_id, debit, credit, memo) "  # noqa: E501
    with refused():
        coop.sql(head + "VALUES " + values)
    with refused():
        coop.sql(head + "SELECT * FROM (VALUES " + values + ") AS v")
    assert _lines_of(coop, eid) == 0


def test_a_draft_line_cannot_be_pointed_at_a_missing_row(coop: Coop) -> None:
    eid = _draft(coop, 7003)
    gl = _gl(coop, "2110")
    acct = make_account(coop, "RF000003")
    _line(coop, eid, 1, gl, acct)
    where = " WHERE entry_id = :e"
    for assignment in ("entry_id = :m", "gl_account_id = :m", "account_id = :m"):
        with refused():
            coop.sql("UPDATE journal_lines SET " + assignment + where, e=eid, m=MISSING)
    row = coop.sql("SELECT entry_id, gl_account_id, account_id FROM journal_lines" + where, e=eid)
    assert tuple(row[0]) == (eid, gl, acct)
    coop.sql("UPDATE journal_lines SET memo = 'ok', debit = 5" + where, e=eid)  # no reference


def test_referenced_rows_cannot_be_deleted_nor_renumbered(coop: Coop) -> None:
    eid = _draft(coop, 7004)
    gl = _gl(coop, "2110")
    acct = make_account(coop, "RF000004")
    _line(coop, eid, 1, gl, acct)
    with refused():
        coop.sql("DELETE FROM journal_entries WHERE id = :i", i=eid)
    with refused():
        coop.sql("DELETE FROM accounts WHERE id = :i", i=acct)
    with refused():
        coop.sql("DELETE FROM gl_accounts WHERE id = :i", i=gl)
    with refused():
        coop.sql("UPDATE accounts SET id = :m WHERE id = :i", i=acct, m=MISSING)
    with refused():
        coop.sql("UPDATE journal_entries SET id = :m WHERE id = :i", i=eid, m=MISSING)
    assert _lines_of(coop, eid) == 1
    # unreferenced rows stay deletable: the guards refuse only what a foreign key would
    spare = make_account(coop, "RF000005")
    coop.sql("UPDATE accounts SET status = 'closed' WHERE id = :i", i=spare)  # not a key
    coop.sql("DELETE FROM accounts WHERE id = :i", i=spare)
    coop.sql("DELETE FROM journal_entries WHERE id = :i", i=_draft(coop, 7005))
    # lines first, then the entry: allowed, as with the foreign key
    _script(
        coop,
        "DELETE FROM journal_lines WHERE entry_id = :e",
        "DELETE FROM journal_entries WHERE id = :e",
        e=eid,
    )


def test_pg_copy_of_a_line_with_a_missing_parent_is_refused(pg_coop: Coop) -> None:
    """COPY, the bulk route, in text and binary form."""
    import psycopg

    coop = pg_coop
    eid = _draft(coop, 7006)
    gl = _gl(coop, "2110")
    acct = make_account(coop, "RF000006")
    copy = "COPY journal_lines (entry_id, line_no, gl_account_id, account_id, debit, credit, memo) FROM STDIN"  # noqa: E501
    for fmt in ("", " (FORMAT BINARY)"):
        for bad in ((MISSING, 1, gl, acct), (eid, 1, MISSING, None), (eid, 1, gl, MISSING)):
            with coop.engine().connect() as c:
                raw: Any = c.connection.driver_connection
                with (
                    pytest.raises(psycopg.errors.ForeignKeyViolation),
                    raw.cursor() as cur,
                    cur.copy(copy + fmt) as cp,
                ):
                    if fmt:
                        cp.set_types(["int8", "int4", "int8", "int8", "int8", "int8", "text"])
                    cp.write_row((eid, 2, gl, acct, 0, 1, ""))  # a good row first
                    cp.write_row((*bad, 1, 0, ""))
                c.rollback()
    assert _lines_of(coop, eid) == 0


def test_pg_referenced_tables_cannot_be_truncated(pg_coop: Coop) -> None:
    coop = pg_coop
    eid = _draft(coop, 7007)
    _line(coop, eid, 1, _gl(coop, "5500"))
    for table in ("accounts", "gl_accounts"):
        with refused("cannot truncate"):
            coop.sql(f"TRUNCATE {table} CASCADE")
    assert _lines_of(coop, eid) == 1


def test_pg_a_line_being_inserted_keeps_its_entry_from_being_deleted(pg_coop: Coop) -> None:
    """The insert check locks the parents it found (FOR KEY SHARE, as a foreign key does):
    a concurrent delete waits, then sees the committed line and is refused."""
    coop = pg_coop
    eid = _draft(coop, 7008)
    gl = _gl(coop, "5500")
    eng = coop.engine()
    with eng.connect() as c1, eng.connect() as c2:
        c1.execute(text(_LINE), {"eid": eid, "n": 1, "gl": gl, "acct": None, "dr": 1, "cr": 0})
        c2.execute(text("SET lock_timeout = '300ms'"))
        with pytest.raises(DBAPIError, match="lock timeout"):
            c2.execute(text("DELETE FROM journal_entries WHERE id = :i"), {"i": eid})
        c2.rollback()
        c1.commit()
        with pytest.raises(DBAPIError, match=FK):
            c2.execute(text("DELETE FROM journal_entries WHERE id = :i"), {"i": eid})
        c2.rollback()
    assert _lines_of(coop, eid) == 1


def test_pg_a_copy_with_triggers_off_still_checks_line_references(pg_coop: Coop) -> None:
    """Moving a cooperative between databases copies rows with triggers off; the copy
    checks the lines' references once before commit."""
    from coopctl.backup.errors import RestoreTargetError
    from coopctl.backup.logical import check_line_refs

    coop = pg_coop
    eid = _draft(coop, 7009)
    gl = _gl(coop, "5500")
    with coop.engine().connect() as c:
        check_line_refs(c)  # the books as they are: fine
        c.exec_driver_sql("ALTER TABLE journal_lines DISABLE TRIGGER USER")
        for bad in ((MISSING, gl, None), (eid, MISSING, None), (eid, gl, MISSING)):
            sp = c.begin_nested()
            c.execute(
                text(_LINE), {"eid": bad[0], "n": 1, "gl": bad[1], "acct": bad[2], "dr": 1, "cr": 0}
            )
            with pytest.raises(RestoreTargetError, match="1 journal line"):
                check_line_refs(c)
            sp.rollback()
        c.rollback()
