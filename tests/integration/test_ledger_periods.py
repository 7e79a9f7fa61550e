"""Periods: month close (and its refusals), re-opening, year-end close.

Business date 2026-11-28: September and October 2026 have ended and can be closed.
"""

from __future__ import annotations

from tests.conftest import Coop
from tests.integration.ledger_support import (
    D,
    assert_verified,
    balances,
    counts,
    journal,
    make_account,
    post_service,
    posted,
    tb,
)

ZERO = D("0.00")


def test_posting_into_a_closed_period_exits_5(coop: Coop) -> None:
    posted(coop, "5500:DR:12000", "1110:CR:12000", date="2026-10-15", narration="Printing")
    closed = coop.ok("ledger", "close-period", "2026-10", operator="accountant1")
    assert closed == {"period": "2026-10", "status": "closed", "closed_by": "accountant1"}
    before = counts(coop)
    r = journal(coop, "5500:DR:500", "1110:CR:500", date="2026-10-31")
    assert r.exit_code == 5 and "closed period 2026-10" in r.stderr
    assert counts(coop) == before
    # November is open: the same entry dated today posts
    posted(coop, "5500:DR:500", "1110:CR:500")
    r = coop.cli("ledger", "close-period", "2026-10", operator="accountant1")
    assert r.exit_code == 5 and "already closed" in r.stderr
    r = coop.cli("ledger", "close-period", "2026-11", operator="accountant1")
    assert r.exit_code == 5 and "not ended" in r.stderr
    assert_verified(coop)


def test_close_period_refuses_while_an_earlier_period_is_open(coop: Coop) -> None:
    posted(coop, "5500:DR:100", "1110:CR:100", date="2026-09-10")
    posted(coop, "5500:DR:200", "1110:CR:200", date="2026-10-10")
    r = coop.cli("ledger", "close-period", "2026-10", operator="accountant1")
    assert r.exit_code == 5 and "earlier period 2026-09 is still open" in r.stderr
    coop.ok("ledger", "close-period", "2026-09", operator="accountant1")
    coop.ok("ledger", "close-period", "2026-10", operator="accountant1")
    assert_verified(coop)


def test_close_period_refuses_while_an_entry_dated_in_it_is_pending(coop: Coop) -> None:
    e = journal(coop, "1310:DR:2000000", "1121:CR:2000000", date="2026-10-05").json
    assert e["status"] == "pending"
    r = coop.cli("ledger", "close-period", "2026-10", operator="accountant1")
    assert r.exit_code == 5 and "pending" in r.stderr and e["entry_no"] in r.stderr
    coop.ok("postings", "approve", e["entry_no"], operator="manager1")
    coop.ok("ledger", "close-period", "2026-10", operator="accountant1")
    assert tb(coop, as_of="2026-10-31")["1310"] == (D("2000000.00"), ZERO)


def test_close_period_refuses_when_verify_fails(coop: Coop) -> None:
    """Someone edits a member account's stored balance by hand (+₦1.00): the books no
    longer agree with the lines, so the period will not close until it is repaired."""
    make_account(coop, "SV-1")
    post_service(coop, [("1110", "DR", "5000"), ("2110", "CR", "5000", "SV-1")], day=_oct(3))
    coop.sql("UPDATE accounts SET balance = balance + 100 WHERE account_no = 'SV-1'")
    r = coop.cli("ledger", "close-period", "2026-10", operator="accountant1")
    assert r.exit_code == 5 and "verify found problems" in r.stderr and "SV-1" in r.stderr
    coop.sql("UPDATE accounts SET balance = balance - 100 WHERE account_no = 'SV-1'")
    coop.ok("ledger", "close-period", "2026-10", operator="accountant1")


def test_reopen_is_for_admins_only_and_audited(coop: Coop) -> None:
    posted(coop, "5500:DR:100", "1110:CR:100", date="2026-09-10")
    coop.ok("ledger", "close-period", "2026-09", operator="accountant1")
    coop.ok("ledger", "close-period", "2026-10", operator="accountant1")
    r = coop.cli(
        "ledger", "reopen-period", "2026-09", "--reason", "late invoice", operator="manager1"
    )
    assert r.exit_code == 4 and "ledger.reopen" in r.stderr
    r = coop.cli("ledger", "reopen-period", "2026-09", "--reason", "late invoice")
    assert r.exit_code == 5 and "2026-10" in r.stderr  # a later period is closed
    r = coop.cli("ledger", "reopen-period", "2026-10", "--reason", " ")
    assert r.exit_code == 2 and "--reason" in r.stderr
    assert coop.ok("ledger", "reopen-period", "2026-10", "--reason", "late invoice") == {
        "period": "2026-10",
        "status": "open",
    }
    posted(coop, "5500:DR:700", "1110:CR:700", date="2026-10-30", narration="Late invoice")
    coop.ok("ledger", "close-period", "2026-10", operator="accountant1")
    r = journal(coop, "5500:DR:1", "1110:CR:1", date="2026-10-30")
    assert r.exit_code == 5
    audit = coop.ok("audit", "list", "--entity", "period")
    assert [(a["action"], a["entity_id"]) for a in audit] == [
        ("period.close", "2026-09"),
        ("period.close", "2026-10"),
        ("period.reopen", "2026-10"),
        ("period.close", "2026-10"),
    ]
    assert_verified(coop)


def _oct(day: int) -> object:
    from datetime import date

    return date(2026, 10, day)


def test_close_year_moves_income_and_expense_to_retained_earnings(coop: Coop) -> None:
    """Fiscal year 2025 (January–December):

        2025-03-10  Loan interest received in cash   Dr 1110 150,000.00 / Cr 4100 150,000.00
        2025-06-30  Fees received into the bank      Dr 1121  20,000.00 / Cr 4200  20,000.00
        2025-09-15  Office rent paid in cash         Dr 5500  45,000.00 / Cr 1110  45,000.00
        2025-12-20  Bank charges                     Dr 5600   2,500.00 / Cr 1121   2,500.00

    Income statement 2025: income 170,000.00 − expenses 47,500.00 = net 122,500.00.
    Closing entry (2025-12-31): Dr 4100 150,000 / Dr 4200 20,000 / Cr 5500 45,000 /
    Cr 5600 2,500 / Cr 3300 Retained earnings 122,500. Afterwards every income and
    expense account is zero and 3300 grew by exactly the net income.
    """
    for day, dr, cr, amt in [
        ("2025-03-10", "1110", "4100", "150000"),
        ("2025-06-30", "1121", "4200", "20000"),
        ("2025-09-15", "5500", "1110", "45000"),
        ("2025-12-20", "5600", "1121", "2500"),
    ]:
        posted(coop, f"{dr}:DR:{amt}", f"{cr}:CR:{amt}", date=day)
    posted(coop, "5500:DR:1000", "1110:CR:1000", date="2026-02-01")  # next year: untouched
    before = balances(coop)
    income = before["4000"]
    expenses = D("47500.00")  # 2025 only; 5000 also holds February 2026's ₦1,000
    assert income == D("170000.00") and before["5000"] == expenses + D("1000.00")
    assert before["3300"] == ZERO
    r = coop.cli("ledger", "close-year", "2025", operator="teller1")
    assert r.exit_code == 4
    out = coop.ok("ledger", "close-year", "2025", operator="accountant1")
    assert out["year"] == 2025 and out["net_income"] == "122500.00"
    closing = coop.ok("postings", "show", out["entry_no"])
    assert closing["date"] == "2025-12-31" and closing["kind"] == "year_close"
    assert {(ln["gl_code"], ln["debit"], ln["credit"]) for ln in closing["lines"]} == {
        ("4100", "150000.00", "0.00"),
        ("4200", "20000.00", "0.00"),
        ("5500", "0.00", "45000.00"),
        ("5600", "0.00", "2500.00"),
        ("3300", "0.00", "122500.00"),
    }
    after = balances(coop)
    assert after["3300"] - before["3300"] == income - expenses == D("122500.00")
    # the income statement for 2025 (which leaves the closing entry out) says the same
    statement = coop.ok("reports", "income-statement", "--from", "2025-01-01", "--to", "2025-12-31")
    assert (statement["income"], statement["expenses"]) == ("170000.00", "47500.00")
    assert D(statement["net"]) == after["3300"] - before["3300"]
    for code in ("4100", "4200", "5600"):
        assert after[code] == ZERO
    assert after["5500"] == D("1000.00")  # only 2026's expense remains
    as_of = tb(coop, as_of="2025-12-31")
    assert {k for k, (dr, cr) in as_of.items() if dr or cr} == {"1110", "1121", "3300"}
    # the whole year is closed: no posting into it, no second close
    r = journal(coop, "5500:DR:1", "1110:CR:1", date="2025-07-01")
    assert r.exit_code == 5 and "closed period 2025-07" in r.stderr
    r = coop.cli("ledger", "close-year", "2025", operator="accountant1")
    assert r.exit_code == 5 and "already closed" in r.stderr
    before = counts(coop)
    r = coop.cli("ledger", "close-year", "2026", operator="accountant1")
    assert r.exit_code == 5 and "2026-11 has not ended" in r.stderr  # the year is running
    assert counts(coop) == before
    periods = coop.sql("SELECT year, month, status FROM periods ORDER BY year, month")
    assert [(y, m) for y, m, s in periods if s == "closed"] == [(2025, m) for m in range(1, 13)]
    assert_verified(coop)


def test_close_year_with_a_loss(coop: Coop) -> None:
    """Expenses 80,000 > income 30,000: Dr 3300 50,000.00 (net loss)."""
    posted(coop, "1110:DR:30000", "4900:CR:30000", date="2025-05-05")
    posted(coop, "5400:DR:80000", "1121:CR:80000", date="2025-05-31")
    out = coop.ok("ledger", "close-year", "2025", operator="manager1")
    assert out["net_income"] == "-50000.00"
    assert balances(coop)["3300"] == D("-50000.00")
    assert tb(coop)["3300"] == (D("50000.00"), ZERO)
    assert_verified(coop)
