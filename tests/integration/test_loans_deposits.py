"""Loans plugged into deposits: payroll check-off ("loan_due" first) and member exit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.conftest import Coop
from tests.integration.deposits_support import add_bank, verify
from tests.integration.loans_support import (
    account,
    active_loan,
    cast,
    entry,
    lines,
    schedule,
    show,
)

D = Decimal


def test_checkoff_pays_the_loan_due_first(coop: Coop, tmp_path: Path) -> None:
    """The employer remits 50,000 for the borrower on 28 Dec. Loan due that day:
    installment 1 = 34,675.47 (interest 2,000.00 + principal 32,675.47); the rest,
    15,324.53, goes to savings. One check-off entry carries the loan lines."""
    add_bank(coop)
    c = cast(coop, borrower_savings="50000", guarantor_savings="100000")
    loan_no = active_loan(coop, c, "100000", 3, cover=["25000", "25000"])
    f = tmp_path / "dec.csv"
    f.write_text(f"member_no,amount\n{c.borrower.member_no},50000\n")
    savings0 = account(coop, c.borrower.account_no)[0]
    dry = coop.ok(
        "postings",
        "import",
        f,
        "--bank",
        "GTB",
        "--ref",
        "PAY-DEC",
        "--total",
        "50000",
        "--dry-run",
        operator="accountant1",
        COOPCTL_TODAY="2026-12-28",
    )
    assert dry["to_loans"] == "34675.47"
    assert coop.sql("SELECT COUNT(*) FROM loan_repayments")[0][0] == 0
    out = coop.ok(
        "postings",
        "import",
        f,
        "--bank",
        "GTB",
        "--ref",
        "PAY-DEC",
        "--total",
        "50000",
        operator="accountant1",
        COOPCTL_TODAY="2026-12-28",
    )
    assert (out["to_loans"], out["to_savings"]) == ("34675.47", "15324.53")
    assert lines(entry(coop, out["entry_no"])) == sorted(
        [
            ("1121", None, "50000.00", "0.00"),
            ("1210", loan_no, "0.00", "32675.47"),
            ("4100", None, "0.00", "2000.00"),
            ("2110", c.borrower.account_no, "0.00", "15324.53"),
        ]
    )
    # the repayment and its allocations point at the check-off entry
    (entry_id,) = {r[0] for r in coop.sql("SELECT entry_id FROM loan_allocations")}
    assert f"JE{entry_id:08d}" == out["entry_no"]
    assert schedule(coop, loan_no)[0]["paid_on"] == "2026-12-28"
    assert account(coop, c.borrower.account_no)[0] == savings0 + D("15324.53")
    assert show(coop, loan_no, "2026-12-28")["outstanding_principal"] == "67324.53"
    verify(coop)


def test_checkoff_then_backdated_cash_repayment(coop: Coop, tmp_path: Path) -> None:
    """A check-off repayment (lines in a shared entry) is unwound and replayed through
    suspense when an earlier cash payment is entered late."""
    add_bank(coop)
    c = cast(coop, borrower_savings="50000", guarantor_savings="100000")
    loan_no = active_loan(coop, c, "100000", 3, cover=["25000", "25000"])
    f = tmp_path / "jan.csv"
    f.write_text(f"member_no,amount,savings,shares,loan\n{c.borrower.member_no},30000,0,0,30000\n")
    coop.ok(
        "postings",
        "import",
        f,
        "--bank",
        "GTB",
        "--ref",
        "PAY-JAN",
        "--total",
        "30000",
        operator="accountant1",
        COOPCTL_TODAY="2027-01-28",
    )
    coop.ok(
        "loans",
        "repay",
        loan_no,
        "10000",
        "--date",
        "2027-01-05",
        "--backdate",
        operator="teller1",
        COOPCTL_TODAY="2027-01-28",
    )
    rows = schedule(coop, loan_no)
    # 10,000 on 5 Jan: interest 2,000 + principal 8,000 of installment 1; 30,000 on 28 Jan:
    # principal 24,675.47 of installment 1, then installment 2: interest 1,346.49 and
    # principal 3,978.04
    assert (rows[0]["principal_paid"], rows[0]["interest_paid"]) == ("32675.47", "2000.00")
    assert (rows[1]["principal_paid"], rows[1]["interest_paid"]) == ("3978.04", "1346.49")
    assert coop.sql("SELECT COUNT(*) FROM loan_repayments WHERE status = 'reversed'")[0][0] == 1
    from tests.integration.loans_support import gl

    assert gl(coop, "2900") == D("0.00")  # the transit through suspense nets to zero
    verify(coop)


def test_member_exit_offsets_the_loan(coop: Coop) -> None:
    """The borrower leaves on 10 Dec with savings 150,000 (50,000 saved + the 100,000 loan).
    The loan is settled from savings: installment 1 (34,675.47, of which 2,000 interest)
    plus the remaining principal 67,324.53 = 102,000; 48,000 is refunded."""
    c = cast(coop, borrower_savings="50000", guarantor_savings="100000")
    loan_no = active_loan(coop, c, "100000", 3, cover=["25000", "25000"])
    env = {"COOPCTL_TODAY": "2026-12-10"}
    req = coop.ok("members", "exit", c.borrower.member_no, "--cash", operator="manager1", **env)
    assert req["status"] == "pending"
    assert [(x["loan_no"], x["amount"]) for x in req["loans"]] == [(loan_no, "102000.00")]
    done = coop.ok("members", "exit-approve", req["request_id"], operator="manager2", **env)
    assert (done["status"], done["loans_offset"], done["refund"]) == (
        "exited",
        "102000.00",
        "48000.00",
    )
    assert lines(entry(coop, done["entry_no"])) == sorted(
        [
            ("2110", c.borrower.account_no, "150000.00", "0.00"),
            ("1210", loan_no, "0.00", "100000.00"),
            ("4100", None, "0.00", "2000.00"),
            ("1110", None, "0.00", "48000.00"),
        ]
    )
    s = show(coop, loan_no, "2026-12-10")
    assert (s["status"], s["outstanding_principal"]) == ("closed", "0.00")
    assert account(coop, loan_no)[2] == "closed"
    for g in c.guarantors:
        assert account(coop, g.account_no)[1] == D("0.00")
    verify(coop)


def test_exit_refused_while_loans_exceed_savings(coop: Coop) -> None:
    """The borrower spent 100,000 of the loan: savings 50,000 against 102,000 owed on
    10 Dec. The exit is refused (52,000 must be repaid first) and nothing is written."""
    c = cast(coop, borrower_savings="50000", guarantor_savings="100000")
    active_loan(coop, c, "100000", 3, cover=["25000", "25000"])
    env = {"COOPCTL_TODAY": "2026-12-10"}
    coop.ok("postings", "withdraw", c.borrower.account_no, "100000", operator="teller1", **env)
    before = coop.sql("SELECT COUNT(*) FROM journal_entries")[0][0]
    r = coop.cli("members", "exit", c.borrower.member_no, "--cash", operator="manager1", **env)
    assert r.exit_code == 5 and "52,000.00 must be repaid first" in r.stderr
    assert coop.sql("SELECT COUNT(*) FROM journal_entries")[0][0] == before
    assert coop.sql("SELECT COUNT(*) FROM loan_repayments")[0][0] == 0
