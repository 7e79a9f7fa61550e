"""Application, eligibility, guarantors, committee and disbursement: rules and refusals."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import Coop
from tests.integration.deposits_support import add_bank, snapshot, verify
from tests.integration.loans_support import (
    DAY0,
    account,
    active_loan,
    apply,
    approve,
    cast,
    entry,
    gl,
    guarantee,
    lines,
    party,
)

D = Decimal


def loans_snapshot(coop: Coop) -> tuple[object, ...]:
    tables = ("loans", "loan_guarantors", "loan_approvals", "loan_installments",
              "loan_repayments", "loan_allocations")  # fmt: skip
    counts = tuple(coop.sql(f"SELECT COUNT(*) FROM {t}")[0][0] for t in tables)
    states = tuple(tuple(r) for r in coop.sql("SELECT loan_no, status FROM loans ORDER BY id"))
    return counts, states, snapshot(coop)


def test_apply_lists_every_failed_rule(coop: Coop) -> None:
    coop.ok(
        "products",
        "add",
        "LN-SENIOR",
        "--kind",
        "loan",
        "--name",
        "Senior members",
        "--rate",
        "20",
        "--min-membership-months",
        "6",
        "--max-amount",
        "300000",
        operator="manager1",
    )
    b = party(coop, "Adaeze", "Okafor", "10000")
    before = loans_snapshot(coop)
    r = coop.cli(
        "loans",
        "apply",
        b.member_no,
        "--product",
        "LN-SENIOR",
        "--amount",
        "500000",
        "--term",
        "48",
        operator="officer1",
    )
    assert r.exit_code == 5
    details = [ln.strip() for ln in r.stderr.splitlines()[1:]]
    assert any(d.startswith("--amount:") and "maximum" in d for d in details)
    assert any(d.startswith("--term:") for d in details)
    assert any(d.startswith("membership:") for d in details)
    assert any(d.startswith("savings:") and "30,000.00" in d for d in details)
    assert len(details) == 4
    assert loans_snapshot(coop) == before


def test_kyc_and_second_loan_are_refused(coop: Coop) -> None:
    from tests.integration.deposits_support import add_member, open_account

    m = add_member(coop, "Kemi", "Ade", kyc=False)
    open_account(coop, m)
    r = coop.cli(
        "loans",
        "apply",
        m,
        "--product",
        "LN-DEI",
        "--amount",
        "1000",
        "--term",
        3,
        operator="officer1",
    )
    assert r.exit_code == 5 and "kyc: KYC is pending" in r.stderr
    c = cast(coop, borrower_savings="50000")
    apply(coop, c.borrower.member_no, "10000", 3)
    r = coop.cli(
        "loans",
        "apply",
        c.borrower.member_no,
        "--product",
        "LN-DEI",
        "--amount",
        "10000",
        "--term",
        3,
        operator="officer1",
    )
    assert r.exit_code == 5 and "active loans:" in r.stderr


def test_malformed_input_is_refused_and_writes_nothing(coop: Coop) -> None:
    c = cast(coop)
    m = c.borrower.member_no
    before = loans_snapshot(coop)
    cases = [
        (["--amount", "1.234", "--term", "3"], 2, "--amount"),
        (["--amount", "-5", "--term", "3"], 2, "--amount"),
        (["--amount", "abc", "--term", "3"], 2, "--amount"),
        (["--amount", "1000", "--term", "three"], 2, "--term"),
        (["--amount", "1000", "--term", "0"], 2, "--term"),
        (["--amount", "1000", "--term", "40"], 5, "--term"),
        (["--amount", "0.001", "--term", "3"], 2, "--amount"),
    ]
    for args, code, field in cases:
        r = coop.cli("loans", "apply", m, "--product", "LN-DEI", *args, operator="officer1")
        assert r.exit_code == code, (args, r.stderr)
        assert field in r.stderr, (args, r.stderr)
    r = coop.cli(
        "loans",
        "apply",
        m,
        "--product",
        "LN-NOPE",
        "--amount",
        "1000",
        "--term",
        "3",
        operator="officer1",
    )
    assert r.exit_code == 3 and "--product" in r.stderr
    r = coop.cli(
        "loans",
        "apply",
        "M00000012",
        "--product",
        "LN-DEI",
        "--amount",
        "1000",
        "--term",
        "3",
        operator="officer1",
    )
    assert r.exit_code == 2 and "check digit" in r.stderr
    r = coop.cli(
        "loans",
        "quote",
        "--product",
        "LN-DEI",
        "--amount",
        "1000",
        "--term",
        "99",
        operator="officer1",
    )
    assert r.exit_code == 5 and "--term" in r.stderr
    assert coop.cli("loans", "show", "L00000012", operator="auditor1").exit_code == 2
    assert coop.cli("loans", "show", "L00000013", operator="auditor1").exit_code == 3
    assert loans_snapshot(coop) == before


def test_guarantor_rules(coop: Coop) -> None:
    c = cast(coop, borrower_savings="50000", guarantor_savings="20000")
    poor = party(coop, "Efe", "Okon", "1000")
    loan_no = apply(coop, c.borrower.member_no, "100000", 3)["loan_no"]
    r = coop.cli(
        "loans",
        "guarantors",
        "add",
        loan_no,
        c.borrower.member_no,
        "--amount",
        "100",
        operator="officer1",
    )
    assert r.exit_code == 5 and "own loan" in r.stderr
    r = coop.cli(
        "loans",
        "guarantors",
        "add",
        loan_no,
        poor.member_no,
        "--amount",
        "5000",
        operator="officer1",
    )
    assert r.exit_code == 5 and "--amount" in r.stderr
    r = coop.cli(
        "loans",
        "guarantors",
        "add",
        loan_no,
        c.guarantors[0].member_no,
        "--amount",
        "1,5000",
        operator="officer1",
    )
    assert r.exit_code == 2
    guarantee(coop, loan_no, c.guarantors[0].member_no, "20000")
    r = coop.cli(
        "loans",
        "guarantors",
        "add",
        loan_no,
        c.guarantors[0].member_no,
        "--amount",
        "100",
        operator="officer1",
    )
    assert r.exit_code == 5  # a guarantor once per loan
    # one guarantor of 20,000: needs two, and 50,000 of cover → the last approval is refused
    coop.ok("loans", "approve", loan_no, operator="officer2")
    r = coop.cli("loans", "approve", loan_no, operator="manager1")
    assert r.exit_code == 5
    assert "guarantors: 1 accepted, the product needs 2" in r.stderr
    assert "must cover 50,000.00" in r.stderr
    assert coop.ok("loans", "show", loan_no, operator="auditor1")["status"] == "applied"
    # a second guarantor declines, a third accepts: now it passes
    third = party(coop, "Femi", "Ojo", "40000")
    coop.ok(
        "loans",
        "guarantors",
        "add",
        loan_no,
        c.guarantors[1].member_no,
        "--amount",
        "20000",
        operator="officer1",
    )
    coop.ok(
        "loans", "guarantors", "decline", loan_no, c.guarantors[1].member_no, operator="officer1"
    )
    guarantee(coop, loan_no, third.member_no, "30000")
    assert coop.ok("loans", "approve", loan_no, operator="manager1")["status"] == "approved"
    assert account(coop, third.account_no)[1] == D("30000.00")
    assert account(coop, c.guarantors[1].account_no)[1] == D("0.00")
    verify(coop)


def test_committee_rules(coop: Coop) -> None:
    c = cast(coop)
    loan_no = apply(coop, c.borrower.member_no, "100000", 3)["loan_no"]
    for g in c.guarantors:
        guarantee(coop, loan_no, g.member_no, "25000")
    assert coop.cli("loans", "approve", loan_no, operator="officer1").exit_code == 4  # own
    assert coop.cli("loans", "approve", loan_no, operator="teller1").exit_code == 4  # no right
    first = coop.ok("loans", "approve", loan_no, operator="officer2")
    assert (first["status"], first["approvals"], first["approvals_needed"]) == ("applied", 1, 2)
    assert coop.cli("loans", "approve", loan_no, operator="officer2").exit_code == 5  # twice
    # not disbursable before the committee is complete, nor repayable
    assert coop.cli("loans", "disburse", loan_no, operator="manager1").exit_code == 5
    assert coop.cli("loans", "repay", loan_no, "100", operator="teller1").exit_code == 5
    assert coop.ok("loans", "approve", loan_no, operator="manager1")["status"] == "approved"
    assert coop.cli("loans", "approve", loan_no, operator="manager2").exit_code == 5
    assert coop.cli("loans", "repay", loan_no, "100", operator="teller1").exit_code == 5
    audit = coop.ok("audit", "list", "--entity", "loan", operator="auditor1")
    assert sum(1 for a in audit if a["action"] == "loan.approval") == 2


def test_committee_size_from_config(coop: Coop) -> None:
    c = cast(coop)
    loan_no = apply(coop, c.borrower.member_no, "100000", 3)["loan_no"]
    for g in c.guarantors:
        guarantee(coop, loan_no, g.member_no, "25000")
    env = {"COOPCTL_LOANS__COMMITTEE_SIZE": "3"}
    coop.ok("loans", "approve", loan_no, operator="officer2", **env)
    assert coop.ok("loans", "approve", loan_no, operator="manager1", **env)["status"] == "applied"
    assert coop.ok("loans", "approve", loan_no, operator="manager2", **env)["status"] == "approved"


def test_reject_frees_the_guarantees(coop: Coop) -> None:
    c = cast(coop)
    loan_no = apply(coop, c.borrower.member_no, "100000", 3)["loan_no"]
    for g in c.guarantors:
        guarantee(coop, loan_no, g.member_no, "25000")
    approve(coop, loan_no)
    assert account(coop, c.guarantors[0].account_no)[1] == D("25000.00")
    assert coop.cli("loans", "reject", loan_no, operator="manager2").exit_code == 2  # reason
    out = coop.ok("loans", "reject", loan_no, "--reason", "Changed mind", operator="manager2")
    assert out["status"] == "rejected"
    assert account(coop, c.guarantors[0].account_no)[1] == D("0.00")
    assert coop.cli("loans", "disburse", loan_no, operator="manager1").exit_code == 5
    verify(coop)


def test_disbursement_channels_and_fee_deducted(coop: Coop) -> None:
    coop.ok(
        "products",
        "add",
        "LN-FEE",
        "--kind",
        "loan",
        "--name",
        "With fee",
        "--rate",
        "24",
        "--fee-percent",
        "1",
        "--fee-fixed",
        "500",
        operator="manager1",
    )
    add_bank(coop)
    c = cast(coop, borrower_savings="50000", guarantor_savings="100000")
    loan_no = apply(coop, c.borrower.member_no, "100000", 3, product="LN-FEE")["loan_no"]
    for g in c.guarantors:
        guarantee(coop, loan_no, g.member_no, "25000")
    approve(coop, loan_no)
    r = coop.cli("loans", "disburse", loan_no, "--cash", "--bank", "GTB", operator="manager1")
    assert r.exit_code == 2
    r = coop.cli(
        "loans",
        "disburse",
        loan_no,
        "--to-account",
        c.guarantors[0].account_no,
        operator="manager1",
    )
    assert r.exit_code == 5  # not the borrower's account
    assert coop.cli("loans", "disburse", loan_no, operator="teller1").exit_code == 4
    out = coop.ok("loans", "disburse", loan_no, "--bank", "GTB", operator="manager1")
    # fee = 1% of 100,000 + 500 = 1,500, deducted: the bank pays out 98,500
    assert lines(out["entry"]) == sorted(
        [
            ("1210", loan_no, "100000.00", "0.00"),
            ("1121", None, "0.00", "98500.00"),
            ("4200", None, "0.00", "1500.00"),
        ]
    )
    assert out["status"] == "active"
    assert coop.cli("loans", "disburse", loan_no, operator="manager1").exit_code == 5  # twice
    verify(coop)


def test_fee_on_first_installment(coop: Coop) -> None:
    coop.ok(
        "products",
        "add",
        "LN-FEE1",
        "--kind",
        "loan",
        "--name",
        "Fee later",
        "--rate",
        "24",
        "--fee-fixed",
        "1000",
        "--fee-mode",
        "first_installment",
        operator="manager1",
    )
    c = cast(coop)
    loan_no = active_loan(coop, c, "100000", 3, product="LN-FEE1", cover=["25000", "25000"])
    rows = coop.ok("loans", "schedule", loan_no, operator="auditor1")["installments"]
    assert (rows[0]["fees"], rows[0]["total"]) == ("1000.00", "35675.47")
    assert gl(coop, "4200") == D("0.00")
    r = coop.ok("loans", "repay", loan_no, "35675.47", operator="teller1")
    assert (r["fees"], r["interest"], r["principal"]) == ("1000.00", "2000.00", "32675.47")
    assert gl(coop, "4200") == D("-1000.00")
    verify(coop)


def test_guarantor_holds_shrink_with_principal_repaid(coop: Coop) -> None:
    c = cast(coop, borrower_savings="50000", guarantor_savings="100000")
    loan_no = active_loan(coop, c, "100000", 3, cover=["25000", "25000"])
    coop.ok(
        "loans",
        "repay",
        loan_no,
        "34675.47",
        "--date",
        "2026-12-28",
        operator="teller1",
        COOPCTL_TODAY="2026-12-28",
    )
    # principal left 67,324.53 of 100,000 → each guarantee holds 25,000 × 0.6732453
    for g in c.guarantors:
        assert account(coop, g.account_no)[1] == D("16831.13")
    verify(coop)


def test_repay_from_savings_and_idempotency_key(coop: Coop) -> None:
    c = cast(coop, borrower_savings="50000")
    loan_no = active_loan(coop, c, "100000", 3, cover=["25000", "25000"])
    first = coop.ok(
        "loans",
        "repay",
        loan_no,
        "10000",
        "--from-account",
        c.borrower.account_no,
        "--key",
        "rcpt-77",
        operator="teller1",
    )
    assert lines(entry(coop, first["entry_no"])) == sorted(
        [
            ("2110", c.borrower.account_no, "10000.00", "0.00"),
            ("4100", None, "0.00", "2000.00"),
            ("1210", loan_no, "0.00", "8000.00"),
        ]
    )
    again = coop.cli(
        "loans",
        "repay",
        loan_no,
        "10000",
        "--key",
        "rcpt-77",
        "--format",
        "json",
        operator="teller1",
    )
    assert again.exit_code == 0 and again.json["created"] is False
    assert "already done" in again.stderr
    assert coop.sql("SELECT COUNT(*) FROM loan_repayments")[0][0] == 1
    other = party(coop, "Gbenga", "Ola", "5000")
    r = coop.cli(
        "loans", "repay", loan_no, "100", "--from-account", other.account_no, operator="teller1"
    )
    assert r.exit_code == 5
    assert coop.sql("SELECT COUNT(*) FROM loan_repayments")[0][0] == 1
    # from savings, only what settles the loan is taken: 24,675.47 + 67,324.53
    bal = account(coop, c.borrower.account_no)[0]
    r = coop.cli(
        "loans",
        "repay",
        loan_no,
        "200000",
        "--from-account",
        c.borrower.account_no,
        "--format",
        "json",
        operator="teller1",
    )
    assert r.exit_code == 0 and "only 92,000.00 of 200,000.00" in r.stderr
    assert (r.json["amount"], r.json["overpayment"], r.json["status"]) == (
        "92000.00",
        "0.00",
        "closed",
    )
    assert account(coop, c.borrower.account_no)[0] == bal - D("92000.00")
    verify(coop)


def test_days_past_due_45_is_substandard(coop: Coop) -> None:
    c = cast(coop)
    loan_no = active_loan(coop, c, "100000", 3, cover=["25000", "25000"])
    # first due date 2026-12-28, unpaid; 45 days later is 2027-02-11
    s = coop.ok("loans", "show", loan_no, operator="auditor1", COOPCTL_TODAY="2027-02-11")
    assert (s["days_past_due"], s["classification"]) == (45, "substandard")
    assert s["arrears"] == "69350.94"  # installments 1 and 2 (due 2027-01-28)
    listed = coop.ok(
        "loans", "list", "--class", "substandard", operator="auditor1", COOPCTL_TODAY="2027-02-11"
    )
    assert [x["loan_no"] for x in listed] == [loan_no]
    assert (
        coop.ok("loans", "list", "--class", "lost", operator="auditor1", COOPCTL_TODAY="2027-02-11")
        == []
    )
    assert coop.cli("loans", "list", "--class", "bad", operator="auditor1").exit_code == 2


def test_date_rules(coop: Coop) -> None:
    c = cast(coop)
    loan_no = active_loan(coop, c, "100000", 3, cover=["25000", "25000"])
    r = coop.cli("loans", "repay", loan_no, "100", "--date", "2026-11-27", operator="teller1")
    assert r.exit_code == 5  # before disbursement
    r = coop.cli("loans", "repay", loan_no, "100", "--date", "2026-12-01", operator="teller1")
    assert r.exit_code == 5  # after the business date
    assert DAY0 == "2026-11-28"
