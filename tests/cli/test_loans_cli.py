"""The loans commands end to end through the CLI alone (the issue's "done when")."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.conftest import Coop
from tests.integration.deposits_support import approve_kyc_via_cli

D = Decimal


def verified(coop: Coop) -> None:
    r = coop.cli("ledger", "verify", "--format", "json", operator="auditor1")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert r.json["ok"] is True


def member(
    coop: Coop, tmp: Path, first: str, last: str, phone: str, savings: str
) -> tuple[str, str]:
    m = coop.ok(
        "members",
        "add",
        "--first-name",
        first,
        "--last-name",
        last,
        "--phone",
        phone,
        operator="teller1",
    )["member_no"]
    approve_kyc_via_cli(coop, tmp, m)
    a = coop.ok("accounts", "open", m, "--product", "SAV", operator="teller1")["account_no"]
    coop.ok("postings", "deposit", a, savings, operator="teller1")
    return m, a


def test_quote_done_when(coop: Coop) -> None:
    q = coop.ok(
        "loans",
        "quote",
        "--product",
        "LN-DEI",
        "--amount",
        "1000000",
        "--term",
        "12",
        operator="officer1",
    )
    assert q["installment_amount"] == "94559.60"
    assert q["installments"][0]["total"] == "94559.60"
    assert sum(D(i["principal"]) for i in q["installments"]) == D("1000000.00")
    assert set(q["installments"][0]) >= {
        "no",
        "due_date",
        "principal",
        "interest",
        "fees",
        "total",
        "balance",
    }
    assert "total_interest" in q
    table = coop.cli(
        "loans",
        "quote",
        "--product",
        "LN-DEI",
        "--amount",
        "1000000",
        "--term",
        "12",
        operator="officer1",
    )
    assert table.exit_code == 0 and "94,559.60" in table.stdout


def test_loan_products_through_products_commands(coop: Coop) -> None:
    p = coop.ok("products", "show", "LN-DEI", operator="auditor1")
    assert (p["kind"], p["annual_rate"], p["method"], p["frequency"]) == (
        "loan",
        "24.00",
        "declining_equal_installment",
        "monthly",
    )
    flat = coop.ok("products", "show", "LN-FLAT", operator="auditor1")
    assert (flat["annual_rate"], flat["method"]) == ("18.00", "flat")
    new = coop.ok(
        "products",
        "add",
        "LN-X",
        "--kind",
        "loan",
        "--name",
        "Plain",
        "--rate",
        "21.5",
        operator="manager1",
    )
    # the defaults of a product added with no options
    assert (
        new["annual_rate"],
        new["savings_multiple"],
        new["max_active_loans"],
        new["guarantors_required"],
        new["guarantee_coverage_percent"],
        new["fee_percent"],
        new["fee_fixed"],
        new["penalty_rate"],
        new["grace_principal"],
        new["grace_interest"],
    ) == ("21.50", "3.00", 1, 2, "100.00", "0.00", "0.00", "0.00", 0, 0)
    codes = [x["code"] for x in coop.ok("products", "list", operator="auditor1")]
    assert {"LN-DEI", "LN-DEP", "LN-FLAT", "LN-X"} <= set(codes)
    bad = coop.cli(
        "products",
        "add",
        "LN-Y",
        "--kind",
        "loan",
        "--name",
        "Bad",
        "--rate",
        "20",
        "--method",
        "balloon",
        operator="manager1",
    )
    assert bad.exit_code == 2 and "--method" in bad.stderr
    bad = coop.cli(
        "products",
        "add",
        "LN-Y",
        "--kind",
        "loan",
        "--name",
        "Bad",
        "--rate",
        "20",
        "--min-term",
        "12",
        "--max-term",
        "6",
        operator="manager1",
    )
    assert bad.exit_code == 2 and "--max-term" in bad.stderr
    dup = coop.cli(
        "products",
        "add",
        "LN-DEI",
        "--kind",
        "loan",
        "--name",
        "Again",
        "--rate",
        "20",
        operator="manager1",
    )
    assert dup.exit_code == 5


def test_apply_guarantors_approve_disburse_repay_through_the_cli(
    coop: Coop, tmp_path: Path
) -> None:
    borrower, b_acct = member(coop, tmp_path, "Adaeze", "Okafor", "08030000001", "400000")
    g1, g1_acct = member(coop, tmp_path, "Bola", "Adeyemi", "08030000002", "500000")
    g2, _ = member(coop, tmp_path, "Chinedu", "Eze", "08030000003", "500000")
    verified(coop)

    loan = coop.ok(
        "loans",
        "apply",
        borrower,
        "--product",
        "LN-DEI",
        "--amount",
        "1000000",
        "--term",
        "12",
        "--purpose",
        "Shop stock",
        operator="officer1",
    )
    loan_no = loan["loan_no"]
    assert (loan["status"], loan["officer"]) == ("applied", "officer1")
    verified(coop)
    for g in (g1, g2):
        coop.ok("loans", "guarantors", "add", loan_no, g, "--amount", "300000", operator="officer1")
        verified(coop)
        coop.ok("loans", "guarantors", "accept", loan_no, g, operator="officer1")
        verified(coop)
    assert coop.cli("loans", "approve", loan_no, operator="officer1").exit_code == 4
    first = coop.ok("loans", "approve", loan_no, "--comment", "Good saver", operator="officer2")
    assert first["status"] == "applied"
    verified(coop)
    second = coop.ok("loans", "approve", loan_no, operator="manager1")
    assert second["status"] == "approved"
    verified(coop)
    held = coop.ok("accounts", "show", g1_acct, operator="auditor1")
    assert held["held"] == "300000.00"

    out = coop.ok("loans", "disburse", loan_no, operator="manager1")
    assert out["status"] == "active"
    assert coop.cli("loans", "disburse", loan_no, operator="manager1").exit_code == 5
    verified(coop)
    assert coop.ok("accounts", "show", b_acct, operator="auditor1")["balance"] == "1400000.00"

    paid = coop.ok(
        "loans",
        "repay",
        loan_no,
        "94559.60",
        "--date",
        "2026-12-28",
        "--ref",
        "RCPT-1",
        operator="teller1",
        COOPCTL_TODAY="2026-12-28",
    )
    assert (paid["interest"], paid["principal"]) == ("20000.00", "74559.60")
    verified(coop)
    s = coop.ok("loans", "show", loan_no, operator="auditor1", COOPCTL_TODAY="2026-12-28")
    assert (
        s["loan_no"],
        s["member_no"],
        s["status"],
        s["principal"],
        s["outstanding_principal"],
        s["arrears"],
        s["days_past_due"],
        s["classification"],
    ) == (loan_no, borrower, "active", "1000000.00", "925440.40", "0.00", 0, "performing")
    # 45 days after the unpaid 28 Jan installment
    late = coop.ok("loans", "show", loan_no, operator="auditor1", COOPCTL_TODAY="2027-03-14")
    assert (late["days_past_due"], late["classification"]) == (45, "substandard")
    sched = coop.ok("loans", "schedule", loan_no, operator="auditor1")
    assert sched["installments"][0]["paid_on"] == "2026-12-28"
    listed = coop.ok("loans", "list", "--status", "active", operator="auditor1")
    assert [x["loan_no"] for x in listed] == [loan_no]
    for fmt in ("table", "csv"):
        r = coop.cli("loans", "show", loan_no, "--format", fmt, operator="auditor1")
        assert r.exit_code == 0 and loan_no in r.stdout


def test_a_failed_command_writes_nothing(coop: Coop, tmp_path: Path) -> None:
    borrower, _ = member(coop, tmp_path, "Adaeze", "Okafor", "08030000004", "1000")
    before = (
        coop.sql("SELECT COUNT(*) FROM loans")[0][0],
        coop.sql("SELECT COUNT(*) FROM audit_log")[0][0],
    )
    r = coop.cli(
        "loans",
        "apply",
        borrower,
        "--product",
        "LN-DEI",
        "--amount",
        "500000",
        "--term",
        "12",
        operator="officer1",
    )
    assert r.exit_code == 5 and "savings:" in r.stderr
    after = (
        coop.sql("SELECT COUNT(*) FROM loans")[0][0],
        coop.sql("SELECT COUNT(*) FROM audit_log")[0][0],
    )
    assert after == before
    assert (
        coop.cli(
            "loans",
            "apply",
            borrower,
            "--product",
            "LN-DEI",
            "--amount",
            "500",
            "--term",
            "3",
            operator="teller1",
        ).exit_code
        == 4
    )


def test_quote_defaults_to_the_declining_balance_product(coop) -> None:  # type: ignore[no-untyped-def]
    """Done-when of the loans issue: no --product, the default declining-balance product."""
    from decimal import ROUND_HALF_EVEN, Decimal
    from fractions import Fraction

    q = coop.ok("loans", "quote", "--amount", "1000000", "--term", "12")
    assert q["product"] == "LN-DEI"
    r = Fraction(24, 100 * 12)
    exact = Fraction(1_000_000) * r / (1 - (1 + r) ** -12)
    expected = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_EVEN
    )
    assert Decimal(q["installment_amount"]) == expected == Decimal("94559.60")
    assert sum(Decimal(i["principal"]) for i in q["installments"]) == Decimal("1000000.00")
