"""Dormancy, end to end through the CLI on SQLite and PostgreSQL.

The story: on 2025-11-20 Ngozi and Tunde each open a savings account (SAV, 4 %) and
pay in 25,000.00. February's interest is credited to both in March (interest is not
the member's own activity). Tunde pays in again on 2026-06-10; Ngozi does nothing
more. With the default 12 months, Ngozi's account is dormant from 2026-11-20; the
nightly job of that date moves it, and only it. A withdrawal is then refused (exit 5);
a deposit is taken and the account stays dormant. A teller asks for reactivation, the
teller cannot approve it, a manager does; the withdrawal then goes through, and the
next night the account is not made dormant again.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from tests.conftest import Coop
from tests.integration.deposits_support import add_member, count, deposit, open_account, verify
from tests.integration.jobs_support import jobs

D = Decimal


def _interest_net(balance: Decimal, days: int) -> Decimal:
    """SAV: 4 % a year on the daily balance over 365 days, less 10 % withholding tax."""
    gross = (balance * D("0.04") * days / 365).quantize(D("0.01"), ROUND_HALF_EVEN)
    wht = (gross * D("0.10")).quantize(D("0.01"), ROUND_HALF_EVEN)
    return gross - wht


def _status(coop: Coop, acct: str) -> str:
    return str(coop.ok("accounts", "show", acct, operator="auditor1")["status"])


def _setup(coop: Coop) -> tuple[str, str]:
    start = {"COOPCTL_TODAY": "2025-11-20"}
    ngozi = open_account(coop, add_member(coop, "Ngozi", "Obi"), **start)
    tunde = open_account(coop, add_member(coop, "Tunde", "Bello"), **start)
    deposit(coop, ngozi, "25,000.00", **start)
    deposit(coop, tunde, "25,000.00", **start)
    coop.ok(
        "accounts", "interest", "--month", "2026-02", operator="accountant1",
        COOPCTL_TODAY="2026-03-02",
    )  # fmt: skip
    deposit(coop, tunde, "5,000.00", COOPCTL_TODAY="2026-06-10")
    return ngozi, tunde


def test_idle_account_turns_dormant_refuses_withdrawals_until_reactivation_approved(
    coop: Coop,
) -> None:
    ngozi, tunde = _setup(coop)
    feb = _interest_net(D("25000.00"), 28)  # 76.71 gross, 7.67 WHT → 69.04
    assert feb == D("69.04")

    # 2026-11-19: eleven months and thirty days idle: nothing yet.
    r = jobs(coop, "run", "nightly", "--date", "2026-11-19", today="2026-11-19")
    assert r.exit_code == 0, r.stderr
    assert _status(coop, ngozi) == "active"

    # 2026-11-20: twelve months since Ngozi's last own posting (the interest does not count).
    r = jobs(coop, "run", "nightly", "--date", "2026-11-20", today="2026-11-20")
    assert r.exit_code == 0, r.stderr
    assert _status(coop, ngozi) == "dormant"
    assert _status(coop, tunde) == "active"
    assert count(coop, "dormancy_events") == 1

    # Running the same night again changes nothing.
    r = jobs(coop, "run", "nightly", "--date", "2026-11-20", today="2026-11-20")
    assert r.exit_code == 0, r.stderr
    assert count(coop, "dormancy_events") == 1

    day = {"COOPCTL_TODAY": "2026-11-21"}
    entries = count(coop, "journal_entries")
    r = coop.cli("postings", "withdraw", ngozi, "1,000.00", operator="teller1", **day)
    assert r.exit_code == 5 and "dormant" in r.stderr and "reactivate" in r.stderr
    r = coop.cli("postings", "transfer", ngozi, tunde, "1,000.00", operator="teller1", **day)
    assert r.exit_code == 5 and "dormant" in r.stderr
    assert count(coop, "journal_entries") == entries  # nothing written

    # A deposit is taken; the account stays dormant (reactivation needs a checker).
    deposit(coop, ngozi, "500.00", **day)
    assert _status(coop, ngozi) == "dormant"
    expected = D("25000.00") + feb + D("500.00")

    report = coop.ok("reports", "dormant", "--as-of", "2026-11-21", operator="auditor1", **day)
    assert [a["account_no"] for a in report["accounts"]] == [ngozi]
    row = report["accounts"][0]
    assert row["dormant_since"] == "2026-11-20" and row["last_activity"] == "2025-11-20"
    assert D(row["balance"]) == expected and row["unclaimed"] is False
    assert D(report["dormant_balance"]) == expected and report["unclaimed_balance"] == "0.00"
    csv = coop.cli("reports", "dormant", "--format", "csv", operator="auditor1", **day)
    assert csv.exit_code == 0 and ngozi in csv.stdout
    # Dormant for 0 years or more: every dormant balance counts as unclaimed.
    unclaimed = coop.ok(
        "reports", "dormant", operator="auditor1", COOPCTL_DEPOSITS__UNCLAIMED_AFTER_YEARS="0",
        **day,
    )  # fmt: skip
    assert D(unclaimed["unclaimed_balance"]) == expected

    # Reactivation: asked by the teller, approved by a manager (never by the maker).
    asked = coop.ok(
        "accounts", "reactivate", ngozi, "--reason", "came with ID", operator="teller1", **day
    )
    ap = asked["approval"]
    assert ap.startswith("AP") and asked["status"] == "dormant"
    r = coop.cli("postings", "withdraw", ngozi, "1,000.00", operator="teller1", **day)
    assert r.exit_code == 5  # still dormant while the approval waits
    assert coop.cli("approvals", "approve", ap, operator="teller1", **day).exit_code == 4
    shown = coop.ok("approvals", "approve", ap, operator="manager1", **day)
    assert shown["state"] == "applied"
    assert _status(coop, ngozi) == "active"
    out = coop.ok("postings", "withdraw", ngozi, "1,000.00", operator="teller1", **day)
    assert out["status"] == "posted"
    assert D(coop.ok("accounts", "show", ngozi)["balance"]) == expected - D("1000.00")

    # The next night: idle time counts from the reactivation, so it stays active.
    r = jobs(coop, "run", "nightly", "--date", "2026-11-22", today="2026-11-22")
    assert r.exit_code == 0, r.stderr
    assert _status(coop, ngozi) == "active"
    later = coop.ok("reports", "dormant", operator="auditor1", COOPCTL_TODAY="2026-11-22")
    assert later["accounts"] == [] and later["dormant_balance"] == "0.00"
    verify(coop)
    assert coop.cli("audit", "verify").exit_code == 0


def test_reactivating_an_active_account_is_refused_and_writes_nothing(coop: Coop) -> None:
    acct = open_account(coop, add_member(coop, "Bisi", "Ade"))
    before = count(coop, "pending_actions")
    r = coop.cli("accounts", "reactivate", acct, operator="teller1")
    assert r.exit_code == 5 and "not dormant" in r.stderr
    assert count(coop, "pending_actions") == before


def test_database_refuses_a_withdrawal_posted_around_the_service(coop: Coop) -> None:
    """The trigger backs the service: flipping a withdrawal on a dormant account to
    posted fails even when the rows are written by hand."""
    acct = open_account(coop, add_member(coop, "Kemi", "Lawal"))
    deposit(coop, acct, "2,000.00")
    w = coop.ok("postings", "withdraw", acct, "100.00", operator="teller1")
    entry_id = int(w["entry_no"][2:])
    coop.sql("UPDATE accounts SET status = 'dormant' WHERE account_no = :a", a=acct)
    # A draft copy of the posted withdrawal, then the flip the trigger must refuse.
    coop.sql(
        "INSERT INTO journal_entries (business_date, kind, reference, narration, status,"
        " maker, total, created_at) SELECT business_date, kind, 'hand', narration, 'draft',"
        " maker, total, created_at FROM journal_entries WHERE id = :i",
        i=entry_id,
    )
    new_id = int(coop.sql("SELECT MAX(id) FROM journal_entries")[0][0])
    coop.sql(
        "INSERT INTO journal_lines (entry_id, line_no, gl_account_id, account_id, debit, credit,"
        " memo) SELECT :n, line_no, gl_account_id, account_id, debit, credit, memo"
        " FROM journal_lines WHERE entry_id = :i",
        n=new_id,
        i=entry_id,
    )
    try:
        coop.sql("UPDATE journal_entries SET status = 'posted' WHERE id = :n", n=new_id)
    except Exception as exc:
        assert "dormant" in str(exc)
    else:
        raise AssertionError("the database posted a withdrawal from a dormant account")


def test_a_member_with_a_dormant_account_can_still_exit(coop: Coop, tmp_path: object) -> None:
    """Exit has its own maker-checker: the dormant balance is refunded and the account
    closed; the report (also as XLSX) lists the account until then."""
    start = {"COOPCTL_TODAY": "2025-11-20"}
    member = add_member(coop, "Halima", "Sani")
    acct = open_account(coop, member, **start)
    deposit(coop, acct, "7,500.00", **start)
    r = jobs(coop, "run", "deposits.dormancy", "--date", "2026-11-20", today="2026-11-20")
    assert r.exit_code == 0, r.stderr
    assert _status(coop, acct) == "dormant"
    out = coop.data_dir.parent / "dormant.xlsx"
    r = coop.cli("reports", "dormant", "--format", "xlsx", "-o", out, operator="auditor1")
    assert r.exit_code == 0, r.stderr
    assert out.read_bytes()[:2] == b"PK"
    req = coop.ok("members", "exit", member, "--cash", operator="manager1")
    done = coop.ok("members", "exit-approve", req["request_id"], operator="manager2")
    assert done["status"] == "exited" and D(done["refund"]) == D("7500.00")
    assert _status(coop, acct) == "closed"
    assert coop.ok("reports", "dormant", operator="auditor1")["accounts"] == []
    verify(coop)
