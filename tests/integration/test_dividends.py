"""Dividends and interest rebates, end to end through the real CLI, on both databases.

The cooperative's year 2025 (fiscal year = calendar year):

    Ade   buys 120,000.00 of shares on 2025-01-02 and holds them all year; has savings.
    Bola  buys  60,000.00 of shares on 2025-07-10 (six month-ends: July…December);
          asks for her dividend in shares.
    Chi   buys  50,000.00 of shares on 2025-01-02, borrows 100,000.00 at 24 % a year
          (LN-DEI, 12 months) on 2025-02-01 and pays the first installment on 2025-03-01:
          2,000.00 of it is interest (100,000.00 × 24 % / 12). Wants her dividend kept
          payable (to collect in cash).
    The cooperative also earns 500,000.00 of fees (cash, 2025-06-30).

Dividend 10 % a year, monthly weighting (average of the twelve month-end balances):

    Ade   120,000.00 × 12/12 × 10 % = 12,000.00   WHT 10 % 1,200.00   net 10,800.00 → savings
    Bola   60,000.00 ×  6/12 × 10 % =  3,000.00   WHT        300.00   net  2,700.00 → shares
    Chi    50,000.00 × 12/12 × 10 % =  5,000.00   WHT        500.00
           rebate 10 % of 2,000.00 interest = 200.00 (no WHT)  net 4,700.00 → payable

Surplus = the net income of 2025 (its close credits it to 3300); statutory reserve
25 % of it first. Appropriation: Dr 3300 reserve + 20,200.00 / Cr 3200 reserve /
Cr 2240 20,200.00. Then Dr 2240 / Cr 2220 WHT / Cr the member accounts.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.conftest import Coop
from tests.integration.deposits_support import add_member, deposit, open_account
from tests.integration.ledger_support import assert_verified, posted
from tests.integration.loans_support import Cast, Party, active_loan, party, repay, schedule
from tests.integration.loans_support import gl as gl_balance

D = Decimal
CENT = D("0.01")


def _setup(coop: Coop) -> dict[str, str]:
    coop.today = "2025-01-02"
    ade = add_member(coop, "Ade", "Bankole")
    bola = add_member(coop, "Bola", "Adeyemi")
    chi = add_member(coop, "Chi", "Okafor")
    acc = {
        "ade": ade,
        "bola": bola,
        "chi": chi,
        "ade_shr": open_account(coop, ade, "SHR"),
        "ade_sav": open_account(coop, ade, "SAV"),
        "bola_shr": open_account(coop, bola, "SHR"),
        "chi_shr": open_account(coop, chi, "SHR"),
        "chi_sav": open_account(coop, chi, "SAV"),
    }
    deposit(coop, acc["ade_shr"], "120000")
    deposit(coop, acc["chi_shr"], "50000")
    deposit(coop, acc["chi_sav"], "40000")
    # Chi's guarantors: members with savings, no shares, no loans (no part in the run)
    coop.today = "2025-02-01"
    guarantors = [party(coop, "Dayo", "Bello", "100000"), party(coop, "Efe", "Obi", "100000")]
    loan = active_loan(
        coop,
        Cast(Party(chi, acc["chi_sav"]), guarantors),
        "100000",
        12,
        cover=["50000", "50000"],
        date="2025-02-01",
    )
    first = schedule(coop, loan)[0]
    assert (first["due_date"], first["interest"]) == ("2025-03-01", "2000.00")
    repay(coop, loan, first["total"], "2025-03-01")
    coop.today = "2025-06-30"
    posted(coop, "1110:DR:500000", "4200:CR:500000", date="2025-06-30")
    coop.today = "2025-07-10"
    deposit(coop, acc["bola_shr"], "60000")
    coop.today = "2026-03-15"  # the annual general meeting
    return acc


def _count(coop: Coop, table: str) -> int:
    return int(coop.sql(f"SELECT COUNT(*) FROM {table}")[0][0])


def _writes(coop: Coop) -> tuple[int, ...]:
    return tuple(
        _count(coop, t)
        for t in ("journal_entries", "dividend_runs", "dividend_lines", "pending_actions")
    )


def test_declare_approve_and_pay_a_years_dividends(coop: Coop, tmp_path: Path) -> None:
    acc = _setup(coop)
    coop.ok("dividends", "preference", acc["bola"], "--to", "shares", operator="teller1")
    coop.ok("dividends", "preference", acc["chi"], "--to", "payable", operator="teller1")

    # before the year's close: refused, nothing written
    before = _writes(coop)
    r = coop.cli("dividends", "declare", "--year", "2025", "--dividend-rate", "10")
    assert r.exit_code == 5 and "close-year 2025" in r.stderr
    assert _writes(coop) == before

    closed = coop.ok("ledger", "close-year", "2025", operator="accountant1")
    surplus = D(closed["net_income"])
    fee_income = surplus - D("500000.00") - D("2000.00")  # any loan fee earned in 2025
    assert fee_income >= 0
    reserve = (surplus * D("0.25")).quantize(CENT)
    before = _writes(coop)

    # a reserve of 99 % plus the dividends would exceed the surplus: exit 5
    r = coop.cli(
        "dividends",
        "declare",
        "--year",
        "2025",
        "--dividend-rate",
        "10",
        COOPCTL_DIVIDENDS__RESERVE_PERCENT="99",
    )
    assert r.exit_code == 5 and "surplus" in r.stderr, r.stderr
    assert _writes(coop) == before

    expected = {
        acc["ade"]: (D("12000.00"), D("0.00"), D("1200.00"), D("10800.00"), "savings"),
        acc["bola"]: (D("3000.00"), D("0.00"), D("300.00"), D("2700.00"), "shares"),
        acc["chi"]: (D("5000.00"), D("200.00"), D("500.00"), D("4700.00"), "payable"),
    }
    args = ["dividends", "declare", "--year", "2025", "--dividend-rate", "10"]
    args += ["--rebate-rate", "10"]
    dry = coop.ok(*args, "--dry-run", operator="manager1")
    assert _writes(coop) == before
    got = {
        m["member_no"]: (D(m["dividend"]), D(m["rebate"]), D(m["wht"]), D(m["net"]), m["pay_to"])
        for m in dry["members"]
    }
    assert got == expected
    assert (dry["year"], D(dry["reserve"]), D(dry["surplus"])) == (2025, reserve, surplus)
    assert D(dry["total_dividend"]) == sum(v[0] for v in expected.values()) == D("20000.00")
    assert D(dry["total_rebate"]) == D("200.00")
    assert D(dry["total_wht"]) == D("2000.00")
    appropriation = dry["entries"][0]
    assert appropriation["entry"] == "appropriation"
    assert {(ln["gl_code"], ln["debit"], ln["credit"]) for ln in appropriation["lines"]} == {
        ("3300", f"{reserve + D('20200.00'):.2f}", "0.00"),
        ("3200", "0.00", f"{reserve:.2f}"),
        ("2240", "0.00", "20200.00"),
    }
    # the table form lists every member too, and stored text is never markup
    table = coop.cli(*args, "--dry-run", operator="manager1")
    assert table.exit_code == 0 and all(m in table.stdout for m in expected)

    # declared by one manager: pending, nothing posted
    entries = _count(coop, "journal_entries")
    run = coop.ok(*args, operator="manager1")
    assert run["status"] == "pending" and run["approval"]
    assert _count(coop, "journal_entries") == entries
    # the maker cannot approve; a second declaration of the year is refused
    r = coop.cli("approvals", "approve", run["approval"], operator="manager1")
    assert r.exit_code == 4
    r = coop.cli(*args, operator="manager1")
    assert r.exit_code == 5 and "already pending" in r.stderr

    savings_before = D(coop.ok("accounts", "show", acc["ade_sav"])["balance"])
    coop.ok("approvals", "approve", run["approval"], operator="manager2")
    shown = coop.ok("dividends", "show", run["id"], operator="auditor1")
    assert shown["status"] == "applied" and shown["applied_on"] == "2026-03-15"
    assert {
        m["member_no"]: (D(m["dividend"]), D(m["rebate"]), D(m["wht"]), D(m["net"]), m["pay_to"])
        for m in shown["members"]
    } == expected

    # the books
    assert gl_balance(coop, "3200") == -reserve
    assert gl_balance(coop, "3300") == -(surplus - reserve - D("20200.00"))
    assert gl_balance(coop, "2240") == -D("4700.00")  # Chi's net, kept payable
    assert gl_balance(coop, "2220") == -D("2000.00")
    assert D(coop.ok("accounts", "show", acc["ade_sav"])["balance"]) == savings_before + D(
        "10800.00"
    )
    assert D(coop.ok("accounts", "show", acc["bola_shr"])["balance"]) == D("62700.00")
    assert D(coop.ok("accounts", "show", acc["chi_shr"])["balance"]) == D("50000.00")
    appr = coop.ok("postings", "show", shown["appropriation_entry"], operator="auditor1")
    assert appr["date"] == "2026-03-15" and appr["kind"] == "dividend_appropriation"
    assert_verified(coop)

    # once per year: a second declaration is refused
    r = coop.cli(*args, "--dry-run", operator="manager1")
    assert r.exit_code == 5 and "already applied" in r.stderr
    runs = coop.ok("dividends", "list", operator="auditor1")
    assert [(x["id"], x["status"]) for x in runs] == [(run["id"], "applied")]

    # the member's advice as PDF
    pdf = tmp_path / "advice.pdf"
    coop.cli("dividends", "advice", run["id"], acc["chi"], "-o", pdf, operator="auditor1").ok()
    assert pdf.read_bytes().startswith(b"%PDF")
    r = coop.cli("dividends", "advice", run["id"], acc["chi"][:-1] + "X", "-o", pdf)
    assert r.exit_code == 2


def test_rejected_run_moves_nothing_and_may_be_declared_again(coop: Coop) -> None:
    coop.today = "2025-01-02"
    m = add_member(coop, "Ngozi", "Eze")
    shr = open_account(coop, m, "SHR")
    deposit(coop, shr, "100000")
    coop.today = "2025-05-05"
    posted(coop, "1110:DR:40000", "4200:CR:40000", date="2025-05-05")
    coop.today = "2026-02-10"
    coop.ok("ledger", "close-year", "2025", operator="accountant1")
    run = coop.ok("dividends", "declare", "--year", "2025", "--dividend-rate", "12.5")
    # 100,000.00 × 12.5 % = 12,500.00; no savings account: it stays payable
    assert [(x["member_no"], x["dividend"], x["wht"], x["net"]) for x in run["members"]] == [
        (m, "12500.00", "1250.00", "11250.00")
    ]
    entries = _count(coop, "journal_entries")
    reason = ("--reason", "AGM voted 10 %")
    coop.ok("approvals", "reject", run["approval"], *reason, operator="manager1")
    assert coop.ok("dividends", "show", run["id"])["status"] == "rejected"
    assert _count(coop, "journal_entries") == entries
    again = coop.ok("dividends", "declare", "--year", "2025", "--dividend-rate", "10")
    assert again["status"] == "pending" and again["id"] != run["id"]
    coop.ok("approvals", "approve", again["approval"], operator="manager1")
    assert gl_balance(coop, "2240") == -D("9000.00")  # 10,000.00 less 1,000.00 WHT, payable
    assert gl_balance(coop, "2220") == -D("1000.00")
    assert_verified(coop)


def test_offset_arrears_pays_the_overdue_loan_first(coop: Coop) -> None:
    """Femi holds 50,000.00 of shares all 2025 and borrowed 100,000.00 on 2025-02-01 but
    never repaid: by the AGM (2026-03-15) every installment is overdue. Dividend 10 %:
    5,000.00, tax 500.00, net 4,500.00 — all of it goes to the arrears: credited to his
    savings and repaid from them, so his savings end where they were and the loan's
    repayments grow by 4,500.00."""
    coop.today = "2025-01-02"
    femi = add_member(coop, "Femi", "Ola")
    shr, sav = open_account(coop, femi, "SHR"), open_account(coop, femi, "SAV")
    deposit(coop, shr, "50000")
    deposit(coop, sav, "40000")
    coop.today = "2025-02-01"
    guarantors = [party(coop, "Gbenga", "Ade", "100000"), party(coop, "Hauwa", "Musa", "100000")]
    loan = active_loan(
        coop,
        Cast(Party(femi, sav), guarantors),
        "100000",
        12,
        cover=["50000", "50000"],
        date="2025-02-01",
    )
    coop.today = "2025-06-30"
    posted(coop, "1110:DR:200000", "4200:CR:200000", date="2025-06-30")
    coop.today = "2026-03-15"
    coop.ok("ledger", "close-year", "2025", operator="accountant1")
    savings = D(coop.ok("accounts", "show", sav)["balance"])
    run = coop.ok(
        "dividends",
        "declare",
        "--year",
        "2025",
        "--dividend-rate",
        "10",
        "--offset-arrears",
        operator="manager1",
    )
    coop.ok("approvals", "approve", run["approval"], operator="manager2")
    shown = coop.ok("dividends", "show", run["id"])
    (line,) = shown["members"]
    assert (line["member_no"], line["net"], line["arrears_paid"]) == (femi, "4500.00", "4500.00")
    assert D(coop.ok("accounts", "show", sav)["balance"]) == savings
    repayments = coop.sql(
        "SELECT amount FROM loan_repayments r JOIN loans l ON l.id = r.loan_id "
        "WHERE l.loan_no = :n AND r.status = 'posted'",
        n=loan,
    )
    assert [D(int(a)) / 100 for (a,) in repayments] == [D("4500.00")]
    assert_verified(coop)


def test_bad_input_and_permissions(coop: Coop) -> None:
    before = _writes(coop)
    for rate in ("abc", "-5", "101", "1e3", "NaN", "[/bold]", "10\x1b[31m", "10.12345"):
        r = coop.cli("dividends", "declare", "--year", "2025", "--dividend-rate", rate)
        assert r.exit_code == 2, (rate, r.stderr)
        assert "\x1b" not in r.stderr
    r = coop.cli("dividends", "declare", "--year", "99999", "--dividend-rate", "10")
    assert r.exit_code == 2
    r = coop.cli(
        "dividends", "declare", "--year", "2025", "--dividend-rate", "10", "--weighting", "daily"
    )
    assert r.exit_code == 2
    r = coop.cli(
        "dividends", "declare", "--year", "2025", "--dividend-rate", "10", operator="teller1"
    )
    assert r.exit_code == 4
    r = coop.cli("dividends", "preference", "M[/bold]\x07", "--to", "shares", operator="teller1")
    assert r.exit_code == 2 and "\x07" not in r.stderr
    r = coop.cli("dividends", "preference", "M00000013", "--to", "shares", operator="auditor1")
    assert r.exit_code == 4
    assert coop.cli("dividends", "show", "DV00000099").exit_code == 3
    assert coop.cli("dividends", "show", "DVxyz").exit_code == 2
    assert _writes(coop) == before


def test_a_stale_run_fails_at_approval_and_posts_nothing(coop: Coop) -> None:
    """Declared on one surplus; when the books say another at approval (here the stored
    surplus is made to differ, as if the year had been re-closed), applying fails: the
    approval and the run end ``failed`` with the reason, exit 5, nothing posted."""
    coop.today = "2025-01-02"
    m = add_member(coop, "Ike", "Nwosu")
    deposit(coop, open_account(coop, m, "SHR"), "100000")
    coop.today = "2025-05-05"
    posted(coop, "1110:DR:40000", "4200:CR:40000", date="2025-05-05")
    coop.today = "2026-02-10"
    coop.ok("ledger", "close-year", "2025", operator="accountant1")
    run = coop.ok("dividends", "declare", "--year", "2025", "--dividend-rate", "10")
    coop.sql("UPDATE dividend_runs SET surplus = surplus + 100")
    entries = _count(coop, "journal_entries")
    r = coop.cli("dividends", "approve", run["id"], operator="manager1")
    assert r.exit_code == 5 and "surplus of 2025 is now 40,000.00" in r.stderr, r.stderr
    assert _count(coop, "journal_entries") == entries
    shown = coop.ok("dividends", "show", run["id"])
    assert shown["status"] == "failed" and "surplus" in shown["reason"]
    assert coop.ok("approvals", "show", run["approval"])["state"] == "failed"
    again = coop.ok("dividends", "declare", "--year", "2025", "--dividend-rate", "10")
    done = coop.ok("dividends", "approve", again["id"], operator="manager1")
    assert done["status"] == "applied" and done["total_dividend"] == "10000.00"
    r = coop.cli("dividends", "reject", again["id"], "--reason", "late", operator="manager2")
    assert r.exit_code == 5  # no longer pending
    assert_verified(coop)
