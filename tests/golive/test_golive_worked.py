"""Go-live worked example: a cooperative of 3 members, 4 accounts and 1 loan in progress
(300,000 lent, 120,000 outstanding, one installment 40 days in arrears) goes live from
the four templates and reconciles to the auditor's trial balance to the kobo."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import Coop

GOLIVE = "2026-11-28"  # the pinned business date is the go-live date

MEMBERS = [
    ("legacy_id", "first_name", "last_name", "phone", "email", "dob", "bvn", "nin", "joined_on"),
    ("OLD-001", "Adaeze", "Okafor", "08031234567", "",
     "1985-04-12", "22212345678", "", "2019-03-01"),
    ("OLD-002", "Bola", "Adeyemi", "08039876543", "", "1979-11-30", "", "", "2018-07-15"),
    ("OLD-003", "Chinedu", "Eze", "08051112222", "", "", "", "", "2020-01-10"),
]  # fmt: skip
ACCOUNTS = [
    ("member", "product", "opening_balance", "opened_on", "placed_on", "maturity_date", "rate"),
    ("OLD-001", "SAV", "50000.00", "2019-03-01", "", "", ""),
    ("OLD-002", "SAV", "400000.00", "2018-07-15", "", "", ""),
    ("OLD-003", "SHR", "20000.00", "2020-01-10", "", "", ""),
    ("OLD-002", "FD90", "100000.00", "2026-10-01", "2026-10-01", "2026-12-30", "10"),
]  # fmt: skip
LOAN_HEADER = (
    "member", "product", "principal", "annual_rate", "term", "disbursed_on", "installments_paid",
    "outstanding_principal", "arrears_principal", "arrears_interest", "arrears_penalty",
    "arrears_since", "guarantors",
)  # fmt: skip
# One installment (due 2026-10-19) unpaid: 40 days past due on 2026-11-28.
LOAN = ("OLD-001", "LN-DEI", "300000", "24", "12", "2026-01-19", "9", "120000",
        "28000", "1200", "300", "2026-10-19", "OLD-002:300000")  # fmt: skip
GL_ROWS = [
    ("gl_code", "debit", "credit"),
    ("1110", "200000.00", "0"), ("1121", "300000.00", "0"), ("1210", "120000.00", "0"),
    ("1220", "1200.00", "0"), ("1230", "300.00", "0"), ("1510", "50000.00", "0"),
    ("2110", "0", "450000.00"), ("2120", "0", "100000.00"), ("3100", "0", "20000.00"),
    ("3200", "0", "50000.00"), ("3300", "0", "51500.00"),
]  # fmt: skip


def write_csv(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def go_live(
    coop: Coop,
    tmp: Path,
    accounts: list[tuple[str, ...]] = ACCOUNTS,
    gl: list[tuple[str, ...]] = GL_ROWS,
) -> None:
    files = {
        "members": write_csv(tmp / "members.csv", MEMBERS),
        "accounts": write_csv(tmp / "accounts.csv", accounts),
        "loans": write_csv(tmp / "loans.csv", [LOAN_HEADER, LOAN]),
        "gl": write_csv(tmp / "gl.csv", gl),
    }
    for kind, f in files.items():
        r = coop.cli("--debug", "golive", "import", kind, f, "--as-of", GOLIVE)
        assert r.exit_code == 0, r.stderr


def test_small_cooperative_goes_live_and_reconciles(coop: Coop, tmp_path: Path) -> None:
    go_live(coop, tmp_path)
    r = coop.cli("--debug", "golive", "check", "--format", "json")
    assert r.exit_code == 0, r.stderr + r.stdout
    check = r.json
    assert check["ok"] is True, check
    assert check["differences"] == [] and check["problems"] == []

    loans = coop.ok("loans", "list")
    assert len(loans) == 1
    loan = coop.ok("loans", "show", loans[0]["loan_no"])
    assert Decimal(loan["outstanding_principal"]) == Decimal("120000.00")
    assert loan["days_past_due"] == 40
    assert loan["classification"] == "substandard"
    assert Decimal(loan["principal"]) == Decimal("300000.00")

    tb = coop.ok("ledger", "trial-balance")
    books = {r["gl_code"]: Decimal(r["debit"] or 0) - Decimal(r["credit"] or 0) for r in tb["rows"]}
    auditor = {code: Decimal(d) - Decimal(c) for code, d, c in GL_ROWS[1:]}
    assert {k: v for k, v in books.items() if v} == auditor
    assert Decimal(tb["total_debit"]) == Decimal("671500.00")

    # The guarantee is restored for the share still at risk: 300,000 × 120/300.
    g = loan["guarantors"][0]
    assert Decimal(g["hold"] if "hold" in g else g["held"]) == Decimal("120000.00")


def test_repaying_the_arrears_clears_the_opening_receivables(coop: Coop, tmp_path: Path) -> None:
    """The overdue 1,200 interest and 300 penalty came in as receivables; paying them
    clears 1220/1230 instead of counting them as income a second time."""
    go_live(coop, tmp_path)
    loan_no = coop.ok("loans", "list")[0]["loan_no"]
    coop.ok("loans", "repay", loan_no, "29500", operator="teller1")
    after = coop.ok("loans", "show", loan_no)
    assert Decimal(after["outstanding_principal"]) == Decimal("92000.00")
    assert after["days_past_due"] == 0
    tb = coop.ok("ledger", "trial-balance")
    books = {r["gl_code"]: Decimal(r["debit"] or 0) - Decimal(r["credit"] or 0) for r in tb["rows"]}
    assert books.get("1220", Decimal(0)) == 0
    assert books.get("1230", Decimal(0)) == 0
    assert books.get("4100", Decimal(0)) == 0 and books.get("4300", Decimal(0)) == 0
    assert books["1110"] == Decimal("229500.00")


def test_penalty_periods_before_golive_are_not_charged_again(coop: Coop, tmp_path: Path) -> None:
    """The old system charged the 300.00 of penalties for the month the installment has
    been late; the penalty job charges only the periods after go-live."""
    from coopctl.loans.penalties import penalize

    go_live(coop, tmp_path)
    coop.sql("UPDATE loan_products SET penalty_fixed = 50000 WHERE code = 'LN-DEI'")  # 500.00
    charges = coop.sql("SELECT COUNT(*), SUM(amount) FROM loan_penalty_charges")
    assert charges[0][0] == 2 and charges[0][1] == 30000  # two periods (Oct 20, Nov 20), kobo
    with coop.uow("system") as u:
        assert penalize(u, date(2026, 11, 28)).charges == 0
        later = penalize(u, date(2026, 12, 21))
        # the arrears installment's third period (Dec 20) and the first of the installment
        # due Dec 19; its two periods before go-live are recognised as already charged
        assert (later.charges, later.skipped, later.amount) == (2, 2, Decimal("1000.00"))


def test_opening_entries_hold_runs_of_accounts_per_product(
    coop: Coop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening balances are posted as opening journals of many lines: per product, one
    entry for each run of ACCOUNTS_PER_ENTRY accounts (here 2), Dr the opening-balance
    account their total; each account still gets its own credit line and balance, and
    the books reconcile to the auditor's figures."""
    from coopctl.golive import balances

    monkeypatch.setattr(balances, "ACCOUNTS_PER_ENTRY", 2)
    extra = [("OLD-003", "SAV", "1000.00", "2020-01-10", "", "", "")]
    accounts = [*ACCOUNTS, *extra]
    # the auditor's figures with the extra 1,000.00 of savings (2110) out of 3300
    gl = [("2110", "0", "451000.00") if r[0] == "2110" else r for r in GL_ROWS]
    gl = [("3300", "0", "50500.00") if r[0] == "3300" else r for r in gl]
    go_live(coop, tmp_path, accounts=accounts, gl=gl)
    entries = coop.sql(
        "SELECT e.narration, COUNT(*), SUM(l.debit), SUM(l.credit) FROM journal_entries e "
        "JOIN journal_lines l ON l.entry_id = e.id WHERE e.kind = 'opening_balance' "
        "GROUP BY e.id, e.narration ORDER BY e.id"
    )
    narrations = [n for n, *_ in entries]
    assert [n.split(":")[1].split()[0] for n in narrations[:3]] == ["SAV", "SAV", "SHR"]
    assert [(k, d == c) for _, k, d, c in entries[:4]] == [(3, True), (2, True), (2, True),
                                                           (2, True)]  # fmt: skip
    assert "(2 accounts)" in narrations[0] and "(1 account)" in narrations[1]
    assert "loans at go-live" in narrations[4]  # the one loan: its three debits, one credit
    assert entries[4][1] == 4
    listed = coop.ok("accounts", "list")
    balances = sorted(Decimal(a["balance"]) for a in listed if a["product"] != "LN-DEI")
    assert balances == sorted(Decimal(r[2]) for r in accounts[1:])
    check = coop.ok("golive", "check")
    assert check["ok"] is True, check
