"""Period balances: each closed month's posted totals per GL account, written at close.

Business date 2026-11-28. The reports read the snapshots of closed months and the
lines of the rest; these tests show the snapshot rows for a worked example, that
``ledger verify`` catches a snapshot edited by hand (exit 6), that reopening drops
a snapshot and closing again rebuilds it, and that on random books every sum read
from snapshots equals the same sum read from every line.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from tests.conftest import Coop
from tests.integration.ledger_support import (
    D,
    assert_verified,
    posted,
    tb,
)

ZERO = D("0.00")


def snapshot(coop: Coop, month: str) -> dict[str, tuple[int, int]]:
    """{gl_code: (debit kobo, credit kobo)} of one period's snapshot rows."""
    y, m = (int(x) for x in month.split("-"))
    rows = coop.sql(
        "SELECT g.code, b.debit, b.credit FROM period_balances b"
        " JOIN periods p ON p.id = b.period_id JOIN gl_accounts g ON g.id = b.gl_account_id"
        " WHERE p.year = :y AND p.month = :m",
        y=y,
        m=m,
    )
    return {code: (int(d), int(c)) for code, d, c in rows}


def test_closing_a_month_writes_its_balances_and_reports_add_the_open_month(
    coop: Coop,
) -> None:
    """September: ₦12,000 of printing paid in cash and a ₦50,000 fixed asset bought from
    the bank. October: ₦3,000 more printing. November (open): ₦700 of printing.
    Closing September and October writes one row per account touched; the trial
    balance in November is the two snapshots plus November's lines."""
    posted(coop, "5500:DR:12000", "1110:CR:12000", date="2026-09-10", narration="Printing")
    posted(coop, "1510:DR:50000", "1121:CR:50000", date="2026-09-20", narration="Laptop")
    posted(coop, "5500:DR:3000", "1110:CR:3000", date="2026-10-05", narration="Printing")
    coop.ok("ledger", "close-period", "2026-09", operator="accountant1")
    coop.ok("ledger", "close-period", "2026-10", operator="accountant1")
    posted(coop, "5500:DR:700", "1110:CR:700", narration="Printing")

    assert snapshot(coop, "2026-09") == {
        "5500": (12000_00, 0),
        "1110": (0, 12000_00),
        "1510": (50000_00, 0),
        "1121": (0, 50000_00),
    }
    assert snapshot(coop, "2026-10") == {"5500": (3000_00, 0), "1110": (0, 3000_00)}

    printing = D("12000") + D("3000") + D("700")
    rows = tb(coop)
    assert rows["5500"] == (printing, ZERO)
    assert rows["1110"] == (ZERO, printing)
    assert rows["1510"] == (D("50000.00"), ZERO)
    # as of the end of October: snapshots only, November's ₦700 left out
    assert tb(coop, as_of="2026-10-31")["5500"] == (D("15000.00"), ZERO)
    # as of mid-October: September's snapshot plus October's lines up to the 10th
    assert tb(coop, as_of="2026-10-10")["5500"] == (D("15000.00"), ZERO)
    assert tb(coop, as_of="2026-10-04")["5500"] == (D("12000.00"), ZERO)
    inc = coop.ok("reports", "income-statement", "--from", "2026-10-01", "--to", "2026-10-31")
    assert D(inc["expenses"]) == D("3000.00")
    assert_verified(coop)


def test_verify_catches_a_snapshot_edited_by_hand_and_rebuild_repairs_it(coop: Coop) -> None:
    """Someone adds ₦1.00 to September's printing snapshot in the database: the books
    still balance line by line, but the reports would be off; verify exits 6 and
    names the period and account; `ledger rebuild-balances` writes it again."""
    posted(coop, "5500:DR:12000", "1110:CR:12000", date="2026-09-10")
    coop.ok("ledger", "close-period", "2026-09", operator="accountant1")
    coop.sql(
        "UPDATE period_balances SET debit = debit + 100 WHERE gl_account_id ="
        " (SELECT id FROM gl_accounts WHERE code = '5500')"
    )
    r = coop.cli("ledger", "verify", "--format", "json")
    assert r.exit_code == 6
    probs = [p for p in r.json["problems"] if p["check"] == "period_balances"]
    assert len(probs) == 1
    assert "2026-09" in probs[0]["detail"] and "5500" in probs[0]["detail"]
    assert "12,001.00" in probs[0]["detail"] and "12,000.00" in probs[0]["detail"]
    # a month will not close on a book whose snapshots are wrong
    r = coop.cli("ledger", "close-period", "2026-10", operator="accountant1")
    assert r.exit_code == 5 and "period_balances" in r.stderr
    r = coop.cli("ledger", "rebuild-balances", operator="teller1")
    assert r.exit_code == 4
    assert coop.ok("ledger", "rebuild-balances", operator="accountant1") == {
        "periods": 1,
        "rows": 2,
    }
    assert snapshot(coop, "2026-09")["5500"] == (12000_00, 0)
    assert_verified(coop)


def test_a_missing_snapshot_row_and_a_snapshot_on_an_open_period_are_caught(
    coop: Coop,
) -> None:
    posted(coop, "5500:DR:12000", "1110:CR:12000", date="2026-09-10")
    coop.ok("ledger", "close-period", "2026-09", operator="accountant1")
    coop.sql(
        "DELETE FROM period_balances WHERE gl_account_id ="
        " (SELECT id FROM gl_accounts WHERE code = '1110')"
    )
    r = coop.cli("ledger", "verify", "--format", "json")
    assert r.exit_code == 6
    details = [p["detail"] for p in r.json["problems"] if p["check"] == "period_balances"]
    assert details == [
        "period 2026-09 GL 1110: snapshot debit/credit 0.00/0.00 ≠ lines 0.00/12,000.00"
    ]
    coop.sql("UPDATE periods SET status = 'open' WHERE year = 2026 AND month = 9")
    r = coop.cli("ledger", "verify", "--format", "json")
    details = [p["detail"] for p in r.json["problems"] if p["check"] == "period_balances"]
    assert details == ["period 2026-09 is open but has balance snapshots"]


def test_reopening_drops_the_snapshot_and_closing_again_rebuilds_it(coop: Coop) -> None:
    """October closes with ₦3,000 of printing; a late ₦450 bank charge needs October
    reopened; the snapshot goes with the reopening (reports read October's lines),
    and closing October again writes ₦3,450."""
    posted(coop, "5500:DR:3000", "1110:CR:3000", date="2026-10-05")
    coop.ok("ledger", "close-period", "2026-10", operator="accountant1")
    assert snapshot(coop, "2026-10")["5500"] == (3000_00, 0)
    coop.ok("ledger", "reopen-period", "2026-10", "--reason", "late bank charge")
    assert snapshot(coop, "2026-10") == {}
    posted(coop, "5500:DR:450", "1121:CR:450", date="2026-10-31")
    assert tb(coop, as_of="2026-10-31")["5500"] == (D("3450.00"), ZERO)
    coop.ok("ledger", "close-period", "2026-10", operator="accountant1")
    assert snapshot(coop, "2026-10")["5500"] == (3450_00, 0)
    assert snapshot(coop, "2026-10")["1121"] == (0, 450_00)
    assert tb(coop, as_of="2026-10-31")["5500"] == (D("3450.00"), ZERO)
    assert_verified(coop)


def test_year_close_part_is_kept_apart_for_income_statements(coop: Coop) -> None:
    """2025: ₦80,000 of fee income and ₦30,000 of printing. Closing 2025 posts
    the year-end entry into December 2025; December's snapshot keeps that part
    apart, so the income statement for December still shows the year's figures
    while the trial balance shows income and expense swept to retained earnings."""
    posted(coop, "1110:DR:80000", "4200:CR:80000", date="2025-12-05", narration="Fees")
    posted(coop, "5500:DR:30000", "1110:CR:30000", date="2025-12-06", narration="Printing")
    coop.ok("ledger", "close-year", "2025", operator="accountant1")
    rows = coop.sql(
        "SELECT g.code, b.debit, b.credit, b.closing_debit, b.closing_credit"
        " FROM period_balances b JOIN periods p ON p.id = b.period_id"
        " JOIN gl_accounts g ON g.id = b.gl_account_id WHERE p.year = 2025 AND p.month = 12"
    )
    snap = {r[0]: tuple(int(x) for x in r[1:]) for r in rows}
    assert snap["4200"] == (80000_00, 80000_00, 80000_00, 0)
    assert snap["5500"] == (30000_00, 30000_00, 0, 30000_00)
    assert snap["3300"] == (0, 50000_00, 0, 50000_00)
    inc = coop.ok("reports", "income-statement", "--from", "2025-12-01", "--to", "2025-12-31")
    assert D(inc["income"]) == D("80000.00") and D(inc["net"]) == D("50000.00")
    after = tb(coop, as_of="2025-12-31")
    assert after["4200"] == (ZERO, ZERO) and after["3300"] == (ZERO, D("50000.00"))
    assert_verified(coop)


def _random_books(coop: Coop, rnd: random.Random) -> None:
    """Entries on random days from November 2025 to today, between a few accounts."""
    pairs = [
        ("5500", "1110"),
        ("1110", "4200"),
        ("1510", "1121"),
        ("1121", "1110"),
        ("5500", "1121"),
    ]
    start = date(2025, 11, 1)
    days = (date(2026, 11, 28) - start).days
    dated = sorted(start + timedelta(days=rnd.randrange(days + 1)) for _ in range(60))
    for day in dated:
        dr, cr = rnd.choice(pairs)
        amt = f"{rnd.randint(1, 5_000_00) / 100:.2f}"
        posted(coop, f"{dr}:DR:{amt}", f"{cr}:CR:{amt}", date=day.isoformat())
        if day >= date(2026, 1, 1) and not _closed(coop, 2025, 12):
            coop.ok("ledger", "close-year", "2025", operator="accountant1")


def _closed(coop: Coop, year: int, month: int) -> bool:
    rows = coop.sql("SELECT status FROM periods WHERE year = :y AND month = :m", y=year, m=month)
    return bool(rows) and rows[0][0] == "closed"


def test_sums_from_snapshots_equal_sums_from_lines_on_random_books(coop: Coop) -> None:
    from coopctl.ledger.period_balances import gl_sums, line_sums

    rnd = random.Random(16)
    _random_books(coop, rnd)
    for m in range(1, 10):  # January to September 2026 closed; October and November open
        coop.ok("ledger", "close-period", f"2026-{m:02d}", operator="accountant1")
    assert_verified(coop)
    windows: list[tuple[Any, Any]] = [(None, None), (None, date(2026, 9, 30))]
    first = date(2025, 10, 15)
    for _ in range(40):
        a = first + timedelta(days=rnd.randrange(420))
        b = a + timedelta(days=rnd.randrange(200))
        windows.append((a, b))
        windows.append((None, b))
    with coop.uow("admin") as u:
        for start, end in windows:
            for excl in (False, True):
                got = gl_sums(u.session, start=start, end=end, exclude_closing=excl)
                want = line_sums(u.session, start=start, end=end, exclude_closing=excl)
                want = {k: v for k, v in want.items() if v != (0, 0)}
                assert got == want, (start, end, excl)
    # and the reports built on them: the same figures as when every period is read
    # from its lines (snapshots dropped and periods opened by hand, then compared)
    asks = [("ledger", "trial-balance"), ("ledger", "trial-balance", "--as-of", "2026-06-30")]
    for d in ("2025-12-31", "2026-03-15", "2026-09-30", "2026-11-20"):
        asks.append(("reports", "balance-sheet", "--as-of", d))
    for a, b in (("2025-11-01", "2026-01-31"), ("2026-02-10", "2026-10-12")):
        asks.append(("reports", "income-statement", "--from", a, "--to", b))
        asks.append(("reports", "cash-flow", "--from", a, "--to", b))
    from_snapshots = [coop.ok(*ask) for ask in asks]
    assert all(r["balanced"] for r in from_snapshots if "balanced" in r)
    coop.sql("DELETE FROM period_balances")
    coop.sql("UPDATE periods SET status = 'open'")
    from_lines = [coop.ok(*ask) for ask in asks]
    assert from_snapshots == from_lines


def test_a_reversal_cannot_reach_a_closed_period_so_its_snapshot_stays(coop: Coop) -> None:
    """September's ₦12,000 printing bill turns out to be wrong after September closed.
    Reversing it on its own date is refused (exit 5); reversed today, the reversal
    lands in November and September's snapshot is unchanged."""
    e = posted(coop, "5500:DR:12000", "1110:CR:12000", date="2026-09-10")
    coop.ok("ledger", "close-period", "2026-09", operator="accountant1")
    before = snapshot(coop, "2026-09")
    r = coop.cli(
        "postings",
        "reverse",
        e["entry_no"],
        "--reason",
        "wrong bill",
        "--same-date",
        operator="manager1",
    )
    assert r.exit_code == 5 and "closed period" in r.stderr
    rev = coop.ok(
        "postings", "reverse", e["entry_no"], "--reason", "wrong bill", operator="accountant1"
    )
    if rev.get("status") == "pending":  # maker-checker: another officer approves
        coop.ok("postings", "approve", rev["entry_no"], operator="manager1")
    assert snapshot(coop, "2026-09") == before == {"5500": (12000_00, 0), "1110": (0, 12000_00)}
    assert tb(coop, as_of="2026-09-30")["5500"] == (D("12000.00"), ZERO)
    assert tb(coop)["5500"] == (ZERO, ZERO)
    assert_verified(coop)


def test_migration_0016_builds_the_snapshots_of_periods_closed_before_it(coop: Coop) -> None:
    """A cooperative that closed September and October before revision 0016 gets their
    snapshots from the upgrade itself, equal to what closing writes today."""
    from sqlalchemy import inspect

    from coopctl.core import migrate
    from coopctl.core.db import dispose_engines, make_engine

    posted(coop, "5500:DR:12000", "1110:CR:12000", date="2026-09-10")
    posted(coop, "1110:DR:80000", "4200:CR:80000", date="2026-10-05")
    posted(coop, "5500:DR:700", "1110:CR:700", date="2026-11-02")
    coop.ok("ledger", "close-period", "2026-09", operator="accountant1")
    coop.ok("ledger", "close-period", "2026-10", operator="accountant1")
    written_at_close = (snapshot(coop, "2026-09"), snapshot(coop, "2026-10"))
    dispose_engines()
    engine = make_engine(coop.url)
    migrate.downgrade(engine, "0015")
    assert "period_balances" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    dispose_engines()
    assert (snapshot(coop, "2026-09"), snapshot(coop, "2026-10")) == written_at_close
    assert snapshot(coop, "2026-11") == {}
    assert tb(coop)["1110"] == (D("67300.00"), ZERO)  # 80,000 − 12,000 − 700
    assert_verified(coop)
