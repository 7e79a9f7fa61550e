"""Loan-loss provisioning as a textbook case, through the real CLI, on both databases.

Two loans from the default product LN-DEI (24 % a year, equal installments), both
disbursed on 28 Nov 2026 (schedules from ``loans schedule``):

Loan A, ₦100,000 over 3 months          Loan B, ₦60,000 over 3 months
  1  2026-12-28  P 32,675.47  I 2,000.00   1  2026-12-28  P 19,605.28  I 1,200.00
  2  2027-01-28  P 33,328.98  I 1,346.49   2  2027-01-28  P 19,997.39  I   807.89
  3  2027-02-28  P 33,995.55  I   679.91   3  2027-02-28  P 20,397.33  I   407.95

A never pays until March; B pays every installment on its due date.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.conftest import Coop
from tests.integration.deposits_support import snapshot, verify
from tests.integration.loans_support import DAY0, active_loan, cast, gl, repay, show

D = Decimal


def two_loans(coop: Coop) -> tuple[str, str]:
    a = cast(coop, borrower_savings="50000", guarantor_savings="100000")
    loan_a = active_loan(coop, a, "100000", 3, cover=["25000", "25000"])
    b = cast(coop, borrower_savings="30000", guarantor_savings="100000")
    loan_b = active_loan(coop, b, "60000", 3, cover=["15000", "15000"])
    return loan_a, loan_b


def provision(coop: Coop, date: str, *args: str, operator: str = "accountant1") -> Any:
    return coop.ok("loans", "provision", "--date", date, *args, operator=operator,
                   COOPCTL_TODAY=date)  # fmt: skip


def lines(entry: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((ln["gl_code"], ln["debit"], ln["credit"]) for ln in entry["lines"])


def provision_gl(coop: Coop) -> Decimal:
    """GL 1290 as a credit balance (it is a contra-asset)."""
    return -gl(coop, "1290")


def test_provision_follows_the_portfolio_up_and_down(coop: Coop) -> None:
    loan_a, loan_b = two_loans(coop)
    verify(coop)

    # 28 Nov 2026: both performing. Required 1 % × (100,000 + 60,000) = 1,600.00.
    r = provision(coop, DAY0)
    assert (r["status"], r["required"], r["current"], r["adjustment"]) == (
        "posted", "1600.00", "0.00", "1600.00")  # fmt: skip
    assert r["buckets"][0] == {"class": "performing", "loans": 2, "outstanding": "160000.00",
                               "provision_percent": "1.00", "provision": "1600.00"}  # fmt: skip
    assert lines(r["entry"]) == [("1290", "0.00", "1600.00"), ("5200", "1600.00", "0.00")]
    assert r["entry"]["kind"] == "loan_provision"
    assert (provision_gl(coop), gl(coop, "5200")) == (D("1600.00"), D("1600.00"))
    verify(coop)

    # The same date again: nothing posted, and it says so.
    before = snapshot(coop)
    res = coop.cli("loans", "provision", "--date", DAY0, "--format", "json",
                   operator="system", COOPCTL_TODAY=DAY0)  # fmt: skip
    assert res.exit_code == 0
    assert res.json["status"] == "already_done"
    assert res.json["entry_no"] == r["entry_no"]
    assert "already done" in res.stderr and "nothing posted" in res.stderr
    assert snapshot(coop) == before

    # B pays installments 1 and 2 on their due dates; A pays nothing.
    repay(coop, loan_b, "20805.28", "2026-12-28")
    repay(coop, loan_b, "20805.28", "2027-01-28")
    # 5 Feb 2027: A's oldest unpaid installment fell due 28 Dec → 39 days → substandard.
    #   A: 20 % × 100,000.00                       = 20,000.00
    #   B: current, 1 % × 20,397.33 = 203.9733     =    203.97
    #   required 20,203.97; held 1,600.00 → provide 18,603.97 more.
    assert (show(coop, loan_a, "2027-02-05")["days_past_due"],
            show(coop, loan_a, "2027-02-05")["classification"]) == (39, "substandard")  # fmt: skip
    r = provision(coop, "2027-02-05")
    assert (r["status"], r["required"], r["current"], r["adjustment"]) == (
        "posted", "20203.97", "1600.00", "18603.97")  # fmt: skip
    assert lines(r["entry"]) == [("1290", "0.00", "18603.97"), ("5200", "18603.97", "0.00")]
    assert provision_gl(coop) == D("20203.97")
    verify(coop)

    # Next day: A is 40 days late, still substandard; nothing changes, nothing posted.
    r = provision(coop, "2027-02-06")
    assert (r["status"], r["adjustment"], r["entry_no"]) == ("no_change", "0.00", None)
    assert provision_gl(coop) == D("20203.97")

    # B pays its last installment on 28 Feb; A clears everything on 1 Mar. Both close:
    # nothing is required any more → release the whole 20,203.97 (Dr 1290 / Cr 5200).
    repay(coop, loan_b, "20805.28", "2027-02-28")
    repay(coop, loan_a, "104026.40", "2027-03-01")
    assert show(coop, loan_a, "2027-03-01")["status"] == "closed"
    assert show(coop, loan_b, "2027-03-01")["status"] == "closed"
    r = provision(coop, "2027-03-01")
    assert (r["status"], r["required"], r["current"], r["adjustment"]) == (
        "posted", "0.00", "20203.97", "-20203.97")  # fmt: skip
    assert lines(r["entry"]) == [("1290", "20203.97", "0.00"), ("5200", "0.00", "20203.97")]
    assert (provision_gl(coop), gl(coop, "5200")) == (D("0.00"), D("0.00"))
    verify(coop)


def test_provision_service_returns_the_post_result(coop: Coop) -> None:
    from coopctl.loans.provisioning import provision as provision_service

    two_loans(coop)
    with coop.uow("system") as u:
        from datetime import date

        result = provision_service(u, date(2026, 11, 28))
        assert result is not None and result.created and not result.pending
        u.commit()
        no = result.entry_no
    with coop.uow("system") as u:
        again = provision_service(u, date(2026, 11, 28))
        assert again is not None and not again.created and again.entry_no == no
        assert any("already done" in m for m in u.messages)
    verify(coop)


def test_refusals_write_nothing(coop: Coop) -> None:
    two_loans(coop)
    before = snapshot(coop)
    # a date after the business date
    r = coop.cli("loans", "provision", "--date", "2026-12-01", operator="accountant1")
    assert r.exit_code == 5 and "after the business date" in r.stderr
    # a malformed date names the option
    r = coop.cli("loans", "provision", "--date", "2026-13-01", operator="accountant1")
    assert r.exit_code == 2 and "--date" in r.stderr
    # tellers and loan officers do not post provisions
    for who in ("teller1", "officer1"):
        r = coop.cli("loans", "provision", operator=who)
        assert r.exit_code == 4 and "loans.provision" in r.stderr
    # a dry run shows the entry it would post and writes nothing
    d = provision(coop, DAY0, "--dry-run")
    assert (d["status"], d["required"], d["entry_no"]) == ("dry_run", "1600.00", None)
    assert sorted((x["gl_code"], x["debit"], x["credit"]) for x in d["would_post"]) == [
        ("1290", "0.00", "1600.00"), ("5200", "1600.00", "0.00")]  # fmt: skip
    assert snapshot(coop) == before
    verify(coop)


def test_empty_portfolio_posts_nothing(coop: Coop) -> None:
    before = snapshot(coop)
    r = coop.cli("loans", "provision", "--format", "json", operator="manager1")
    assert r.exit_code == 0
    assert (r.json["status"], r.json["required"], r.json["current"]) == (
        "no_change", "0.00", "0.00")  # fmt: skip
    assert "nothing posted" in r.stderr
    assert snapshot(coop) == before
