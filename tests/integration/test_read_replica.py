"""Reports read the replica, every write goes to the primary (``--read-db``).

The story: Unity Staff Cooperative keeps its books on a primary database and its
reporting staff read a streaming replica. The replica is a copy that may lag. Here
the "replica" is a copy of the books taken after the first posting:

    2026-10-10  Dr 1121 Bank  300,000.00   Cr 4100 Interest income  300,000.00   (on both)
    2026-10-12  Dr 5500 Admin  45,000.50   Cr 1121 Bank              45,000.50   (primary only)

A report through ``--read-db`` shows the replica's books (bank 300,000.00, the lag
made visible); the same report without it shows the primary's (bank
300,000.00 − 45,000.50 = 254,999.50); the second posting, made with ``--read-db``
given, is on the primary and not on the replica.

On PostgreSQL the replica is also played by a login role whose transactions are
read-only (``default_transaction_read_only = on``), as on a hot standby: reports
work through it, and any write attempted through it fails.
"""

from __future__ import annotations

import json
import shutil
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from coopctl.core.money import D
from tests.conftest import Coop, _pg_admin_exec, _pg_url_for
from tests.integration.deposits_support import add_member, deposit, open_account
from tests.integration.ledger_support import posted

BANK_1 = Decimal("300000.00")
ADMIN = Decimal("45000.50")


def _replica_copy(coop: Coop) -> str:
    """A copy of the books as they are now (the replica, frozen at this point)."""
    from coopctl.core.db import dispose_engines

    dispose_engines()
    if coop.dialect == "sqlite":
        src = coop.url.removeprefix("sqlite:///")
        dst = str(coop.workdir / "replica.db")
        shutil.copy(src, dst)
        return f"sqlite:///{dst}"
    name = f"{coop.url.rsplit('/', 1)[1]}_ro"
    _pg_admin_exec(f'CREATE DATABASE "{name}" TEMPLATE "{coop.url.rsplit("/", 1)[1]}"')
    coop.env_extra["_replica_db"] = name
    return _pg_url_for(name)


def _drop_replica(coop: Coop) -> None:
    from coopctl.core.db import dispose_engines

    dispose_engines()
    name = coop.env_extra.pop("_replica_db", None)
    if name:
        _pg_admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _net(tb: dict[str, Any]) -> dict[str, Decimal]:
    assert tb["total_debit"] == tb["total_credit"]
    return {r["gl_code"]: D(r["debit"]) - D(r["credit"]) for r in tb["rows"]}


def test_reports_read_the_replica_and_writes_go_to_the_primary(coop: Coop) -> None:
    posted(coop, f"1121:DR:{BANK_1}", f"4100:CR:{BANK_1}", date="2026-10-10", narration="Interest")
    replica = _replica_copy(coop)
    try:
        # A write with --read-db given still lands on the primary.
        posted(
            coop,
            f"5500:DR:{ADMIN}",
            f"1121:CR:{ADMIN}",
            date="2026-10-12",
            narration="Stationery",
            operator="accountant1",
        )
        ro = ("--read-db", replica)
        as_of = ("--as-of", "2026-11-28")

        on_replica = _net(coop.ok(*ro, "reports", "trial-balance", *as_of))
        on_primary = _net(coop.ok("reports", "trial-balance", *as_of))
        assert on_replica["1121"] == BANK_1
        assert "5500" not in on_replica or on_replica["5500"] == 0
        assert on_primary["1121"] == BANK_1 - ADMIN == Decimal("254999.50")
        assert on_primary["5500"] == ADMIN

        # ledger trial-balance and the balance sheet read it too
        assert _net(coop.ok(*ro, "ledger", "trial-balance", *as_of))["1121"] == BANK_1
        coop.ok(*ro, "reports", "balance-sheet", *as_of)

        # the config key does the same as the option
        env_tb = coop.ok("reports", "trial-balance", *as_of, COOPCTL_DATABASE__READ_URL=replica)
        assert _net(env_tb)["1121"] == BANK_1

        # the primary has both entries, the replica only the first
        assert coop.sql("SELECT count(*) FROM journal_entries")[0][0] == 2
        eng = create_engine(replica)
        try:
            with eng.connect() as c:
                assert c.execute(text("SELECT count(*) FROM journal_entries")).scalar_one() == 1
        finally:
            eng.dispose()
    finally:
        _drop_replica(coop)


def test_a_unit_of_work_seen_through_the_replica_cannot_commit(coop: Coop) -> None:
    from coopctl.core.db import ReadOnlyUnitError, UnitOfWork, make_engine

    replica = _replica_copy(coop)
    try:
        ctx = coop.context()
        ctx.read_url_override = replica
        with ctx.uow(operator=None, as_current=False) as u:
            assert isinstance(u, UnitOfWork)
            view = u.reading()
            assert view.is_reading and view.session is u.read_session
            assert view.session is not u.session
            assert view.settings is u.settings
            with pytest.raises(ReadOnlyUnitError):
                view.commit()
            # an audit record queued through the view is the unit of work's own
            from coopctl.core import audit

            audit.record(view, "report.viewed", "report", "trial-balance")
            assert [a.action for a in u.__dict__["_audit"]] == ["report.viewed"]
            assert view.messages is u.messages
            # the read engine itself refuses writes (query_only / READ ONLY sessions)
            with pytest.raises(Exception, match=r"(?i)read.only|readonly|query_only"):
                u.read_session.execute(text("UPDATE gl_accounts SET name = name"))
        # a missing SQLite replica file is named as the replica, and nothing is created
        missing = coop.workdir / "no-such-replica.db"
        r = coop.cli("--read-db", f"sqlite:///{missing}", "ledger", "trial-balance")
        assert r.exit_code == 5 and "read replica" in r.stderr, r.stderr
        assert not missing.exists()
        # no read URL: the view is the unit of work itself
        plain = coop.context()
        with plain.uow(operator=None, as_current=False) as u2:
            assert u2.reading() is u2 and u2.read_session is u2.session
        assert make_engine(replica, read_only=True) is make_engine(replica, read_only=True)
    finally:
        _drop_replica(coop)


@pytest.fixture
def read_only_role(pg_coop: Coop) -> Any:
    """A login role whose every transaction is read-only, with SELECT on the books."""
    role = f"coop_ro_{uuid.uuid4().hex[:8]}"
    dbname = pg_coop.url.rsplit("/", 1)[1]
    _pg_admin_exec(f"CREATE ROLE {role} LOGIN")
    _pg_admin_exec(f"ALTER ROLE {role} SET default_transaction_read_only = on")
    _pg_admin_exec(f'GRANT CONNECT ON DATABASE "{dbname}" TO {role}')
    pg_coop.sql(f"GRANT USAGE ON SCHEMA public TO {role}")
    pg_coop.sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    url = make_url(pg_coop.url).set(username=role, password=None)
    yield url.render_as_string(hide_password=False)
    from coopctl.core.db import dispose_engines

    dispose_engines()
    pg_coop.sql(f"DROP OWNED BY {role}")
    _pg_admin_exec(f'REVOKE ALL ON DATABASE "{dbname}" FROM {role}')
    _pg_admin_exec(f"DROP ROLE IF EXISTS {role}")


def test_reports_through_a_read_only_postgresql_role(pg_coop: Coop, read_only_role: str) -> None:
    coop, ro_url = pg_coop, read_only_role
    posted(coop, f"1121:DR:{BANK_1}", f"4100:CR:{BANK_1}", date="2026-10-10", narration="Interest")
    ro = ("--read-db", ro_url)
    as_of = ("--as-of", "2026-11-28")
    tb = _net(coop.ok(*ro, "reports", "trial-balance", *as_of))
    assert tb["1121"] == BANK_1 and tb["4100"] == -BANK_1
    assert _net(coop.ok(*ro, "ledger", "trial-balance", *as_of))["1121"] == BANK_1
    coop.ok(*ro, "reports", "balance-sheet", *as_of)
    coop.ok(*ro, "reports", "income-statement", "--from", "2026-10-01", "--to", "2026-10-31")
    coop.ok(*ro, "reports", "aging", *as_of)
    coop.ok(*ro, "reports", "member-statements", "--from", "2026-10-01", "--to", "2026-10-31")
    # a member's statement (names are decrypted with the key checked on the replica)
    member = add_member(coop)
    sav = open_account(coop, member, "SAV", COOPCTL_TODAY="2026-09-01")
    deposit(coop, sav, "50,000", COOPCTL_TODAY="2026-09-05")
    st = coop.ok(*ro, "accounts", "statement", sav, operator="teller1")
    assert (st["opening_balance"], st["closing_balance"]) == ("0.00", "50000.00")
    stp = coop.ok(*ro, "reports", "member-statements", "--from", "2026-09-01", "--to", "2026-09-30")
    assert member in json.dumps(stp)

    # Writes with --read-db given go to the primary and succeed.
    posted(coop, f"5500:DR:{ADMIN}", f"1121:CR:{ADMIN}", date="2026-10-12", narration="Paper")
    r = coop.cli(*ro, "postings", "journal", "--line", f"5500:DR:{ADMIN}", "--line",
                 f"1121:CR:{ADMIN}", "--date", "2026-10-12", "--narration", "Ink",
                 "--format", "json", operator="accountant1")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert coop.sql("SELECT count(*) FROM journal_entries")[0][0] == 4  # 3 journals, 1 deposit
    # The replica role sees them (same server here; a standby would after replay).
    tb2 = _net(coop.ok(*ro, "reports", "trial-balance", *as_of))
    assert tb2["1121"] == BANK_1 - 2 * ADMIN

    # Any write attempted through the read-only role fails.
    eng = create_engine(ro_url)
    try:
        with eng.connect() as c:
            assert c.execute(text("SHOW default_transaction_read_only")).scalar_one() == "on"
            with pytest.raises(Exception, match="read-only transaction"):
                c.execute(text("UPDATE gl_accounts SET name = name"))
            c.rollback()
            with pytest.raises(Exception, match="read-only transaction"):
                c.execute(text("DELETE FROM journal_lines"))
    finally:
        eng.dispose()
    # and our own read engine refuses too, even against a read-write role
    from coopctl.core.db import make_engine

    rw_as_read = make_engine(coop.url, read_only=True)
    with rw_as_read.connect() as c, pytest.raises(Exception, match="read-only transaction"):
        c.execute(text("UPDATE gl_accounts SET name = name"))


def test_nightly_aging_snapshot_reads_the_replica_and_writes_the_primary(
    pg_coop: Coop, read_only_role: str
) -> None:
    """Adaeze borrows 60,000.00 over 3 months on 28 Nov 2026 (20,805.28 due on 28 Dec).
    On the night of 10 Jan 2027 ``loans.age`` reads the loan book through the read-only
    role (the replica, caught up) and writes the night's snapshot on the primary: the
    installment is 13 days overdue, so the loan is watched."""
    from tests.integration.loans_support import active_loan, cast

    coop = pg_coop
    c = cast(coop, borrower_savings="30000", guarantor_savings="100000")
    active_loan(coop, c, "60000", 3, cover=["15000", "15000"])
    r = coop.cli("--read-db", read_only_role, "jobs", "run", "loans.age", "--date", "2027-01-10",
                 "--format", "json", operator="system", COOPCTL_TODAY="2027-01-11")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.json["posted"] == 1
    rows = coop.sql("SELECT days_past_due, classification FROM loan_class_snapshots")
    assert [(int(d), str(k)) for d, k in rows] == [(13, rows[0][1])]
    assert "watch" in str(rows[0][1]).lower()
