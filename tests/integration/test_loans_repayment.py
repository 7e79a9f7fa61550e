"""Repayment allocation in the database: prepayment policies, backdating, rescheduling,
penalties with grace days, other allocation orders."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from tests.conftest import Coop
from tests.integration.deposits_support import verify
from tests.integration.loans_support import (
    active_loan,
    cast,
    entry,
    paid,
    repay,
    schedule,
    show,
)

D = Decimal


def annuity(principal: str, monthly_rate: Fraction, n: int) -> Decimal:
    """Half-even kobo rounding of P·r / (1 − (1 + r)^−n), exact (independent of the code)."""
    x = Fraction(D(principal)) * monthly_rate / (1 - (1 + monthly_rate) ** -n) * 100
    floor = x.numerator // x.denominator
    rest = x - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2):
        floor += 1
    return D(floor) / 100


def million(coop: Coop, product: str = "LN-DEI") -> str:
    c = cast(coop, borrower_savings="400000", guarantor_savings="500000")
    return active_loan(coop, c, "1000000", 12, product=product, cover=["300000", "300000"])


def test_prepayment_reduce_term(coop: Coop) -> None:
    """On the first due date the member pays the installment and 200,000 more. The 200,000
    pays the next installments' principal in order (76,050.79 + 77,571.81 + 46,377.40),
    then the 725,440.40 left is re-amortised: the fewest installments whose amount does not
    exceed 94,559.60 — nine of 88,877.65 (eleven would have remained)."""
    loan_no = million(coop)
    r = repay(coop, loan_no, "294559.60", "2026-12-28")
    assert (r["interest"], r["principal"], r["overpayment"]) == ("20000.00", "274559.60", "0.00")
    assert [(a["installment"], a["component"], a["amount"]) for a in r["allocations"]] == [
        (1, "interest", "20000.00"),
        (1, "principal", "74559.60"),
        (2, "principal", "76050.79"),
        (3, "principal", "77571.81"),
        (4, "principal", "46377.40"),
    ]
    assert r["outstanding_principal"] == "725440.40"
    rows = schedule(coop, loan_no)
    assert len(rows) == 1 + 9
    assert [x["no"] for x in rows] == list(range(1, 11))
    assert rows[1]["due_date"] == "2027-01-28" and rows[-1]["due_date"] == "2027-09-28"
    assert all(D(x["principal"]) + D(x["interest"]) == D("88877.65") for x in rows[1:-1])
    assert annuity("725440.40", Fraction(2, 100), 9) == D("88877.65")
    assert sum(D(x["principal"]) for x in rows[1:]) == D("725440.40")
    assert rows[1]["interest"] == "14508.81"  # 2% of 725,440.40: interest on the lower balance
    hist = coop.ok("loans", "schedule", loan_no, "--history", operator="auditor1")["superseded"]
    assert len(hist) == 11 and hist[0]["principal_paid"] == "76050.79"
    verify(coop)


def test_prepayment_reduce_installment(coop: Coop) -> None:
    coop.ok(
        "products",
        "add",
        "LN-RI",
        "--kind",
        "loan",
        "--name",
        "Reduce installment",
        "--rate",
        "24",
        "--prepayment",
        "reduce_installment",
        operator="manager1",
    )
    loan_no = million(coop, "LN-RI")
    repay(coop, loan_no, "294559.60", "2026-12-28")
    rows = schedule(coop, loan_no)
    assert len(rows) == 12
    level = annuity("725440.40", Fraction(2, 100), 11)
    assert level == D("74124.01")
    assert all(D(x["principal"]) + D(x["interest"]) == level for x in rows[1:-1])
    assert rows[-1]["due_date"] == "2027-11-28"
    assert sum(D(x["principal"]) for x in rows[1:]) == D("725440.40")
    verify(coop)


def test_backdated_repayment_reverses_and_replays(coop: Coop) -> None:
    """Two identical loans receive the same payments; on the second the 10 Jan payment is
    entered after the 28 Jan one with --backdate. Allocations end up identical."""
    c1 = cast(coop, borrower_savings="50000", guarantor_savings="100000")
    a = active_loan(coop, c1, "100000", 3, cover=["25000", "25000"])
    c2 = cast(coop, borrower_savings="50000", guarantor_savings="100000")
    b = active_loan(coop, c2, "100000", 3, cover=["25000", "25000"])

    repay(coop, a, "10000", "2027-01-10")
    repay(coop, a, "40000", "2027-01-28")

    later = repay(coop, b, "40000", "2027-01-28")
    refused = coop.cli(
        "loans",
        "repay",
        b,
        "10000",
        "--date",
        "2027-01-10",
        operator="teller1",
        COOPCTL_TODAY="2027-01-28",
    )
    assert refused.exit_code == 5 and "--backdate" in refused.stderr
    back = coop.ok(
        "loans",
        "repay",
        b,
        "10000",
        "--date",
        "2027-01-10",
        "--backdate",
        operator="teller1",
        COOPCTL_TODAY="2027-01-28",
    )
    assert [x["date"] for x in back["replayed"]] == ["2027-01-28"]
    assert paid(schedule(coop, a)) == paid(schedule(coop, b))
    # the first booking of the 28 Jan payment is reversed, linked both ways
    original = entry(coop, later["entry_no"])
    assert original["status"] == "reversed" and original["reversed_by"]
    contra = entry(coop, original["reversed_by"])
    assert contra["reverses"] == later["entry_no"] and contra["date"] == "2027-01-28"
    assert (
        show(coop, a, "2027-01-28")["outstanding_principal"]
        == show(coop, b, "2027-01-28")["outstanding_principal"]
    )
    verify(coop)


def test_reschedule_keeps_history_and_watches(coop: Coop) -> None:
    c = cast(coop, borrower_savings="50000", guarantor_savings="100000")
    loan_no = active_loan(coop, c, "100000", 3, cover=["25000", "25000"])
    # installment 1 (due 28 Dec) is missed; on 10 Jan the loan is spread over 6 months at 20%
    out = coop.ok(
        "loans",
        "reschedule",
        loan_no,
        "--term",
        "6",
        "--rate",
        "20",
        operator="manager1",
        COOPCTL_TODAY="2027-01-10",
    )
    rows = out["installments"]
    assert [x["no"] for x in rows] == [4, 5, 6, 7, 8, 9]
    assert rows[0]["due_date"] == "2027-02-10"
    # the 2,000.00 interest already due is carried onto the first new installment
    new_interest = round(D("100000") * D("20") / 1200, 2)
    assert D(rows[0]["interest"]) == new_interest + D("2000.00")
    assert sum(D(x["principal"]) for x in rows) == D("100000.00")
    s = show(coop, loan_no, "2027-01-10")
    assert (s["restructured"], s["watch_until"], s["days_past_due"]) == (True, "2027-04-10", 0)
    assert s["classification"] == "pass_and_watch"  # watched, though nothing is late
    hist = coop.ok("loans", "schedule", loan_no, "--history", operator="auditor1")["superseded"]
    assert [h["no"] for h in hist] == [1, 2, 3]
    assert (
        coop.cli("loans", "reschedule", loan_no, "--term", "0", operator="manager1").exit_code == 2
    )
    assert (
        coop.cli("loans", "reschedule", loan_no, "--rate", "x", operator="manager1").exit_code == 2
    )
    # a backdated repayment across the reschedule is refused
    r = coop.cli(
        "loans",
        "repay",
        loan_no,
        "100",
        "--date",
        "2027-01-05",
        "--backdate",
        operator="teller1",
        COOPCTL_TODAY="2027-01-10",
    )
    assert r.exit_code == 0  # no later repayment: nothing to replay, so it is allowed
    repay(coop, loan_no, "100", "2027-01-10")
    r = coop.cli(
        "loans",
        "repay",
        loan_no,
        "100",
        "--date",
        "2027-01-06",
        "--backdate",
        operator="teller1",
        COOPCTL_TODAY="2027-01-10",
    )
    assert r.exit_code == 5 and "reschedule" in r.stderr
    verify(coop)


def test_penalty_grace_days_and_catch_up(coop: Coop) -> None:
    coop.ok(
        "products",
        "add",
        "LN-PG",
        "--kind",
        "loan",
        "--name",
        "Penalty with grace",
        "--rate",
        "24",
        "--penalty-rate",
        "1",
        "--penalty-fixed",
        "100",
        "--penalty-grace-days",
        "5",
        operator="manager1",
    )
    c = cast(coop)
    loan_no = active_loan(coop, c, "100000", 3, product="LN-PG", cover=["25000", "25000"])

    def run(date: str) -> dict[str, object]:
        return coop.ok(
            "loans",
            "penalize",
            "--date",
            date,
            operator="system",  # type: ignore[no-any-return]
            COOPCTL_TODAY=date,
        )

    assert run("2027-01-02")["charges"] == 0  # due 28 Dec + 5 grace days: first charge 3 Jan
    first = run("2027-01-03")
    # 1% × 34,675.47 = 346.75 (half-even of 346.7547) + 100 fixed
    assert (first["charges"], first["amount"]) == (1, "446.75")
    # nobody ran the job for two months; on 3 Mar it catches up: installment 1 period 2
    # (28 Jan + 6 days = 3 Feb) and installment 2 (due 28 Jan) period 1 (3 Feb); the next
    # periods fall on 6 Mar (28 Feb + 6 days)
    later = run("2027-03-03")
    assert (later["charges"], later["amount"]) == (2, "893.50")
    assert run("2027-03-03")["charges"] == 0
    assert run("2027-03-06")["charges"] == 3  # inst. 1 period 3, inst. 2 period 2, inst. 3 p. 1
    rows = schedule(coop, loan_no)
    assert (rows[0]["penalty"], rows[1]["penalty"], rows[2]["penalty"]) == (
        "1340.25",
        "893.50",
        "446.75",
    )
    verify(coop)


def test_principal_first_allocation_order(coop: Coop) -> None:
    coop.ok(
        "products",
        "add",
        "LN-PIPF",
        "--kind",
        "loan",
        "--name",
        "Principal first",
        "--rate",
        "24",
        "--allocation",
        "principal_interest_penalties_fees",
        operator="manager1",
    )
    c = cast(coop)
    loan_no = active_loan(coop, c, "100000", 3, product="LN-PIPF", cover=["25000", "25000"])
    r = repay(coop, loan_no, "33000", "2026-12-28")
    assert (r["principal"], r["interest"]) == ("32675.47", "324.53")
    verify(coop)


def test_random_payments_with_backdating_equal_payments_in_date_order(coop: Coop) -> None:
    """Property: whatever order payments are entered in (earlier dates with --backdate),
    the allocations end as if they had been entered in date order; the books verify."""
    import random
    from datetime import date, timedelta

    rnd = random.Random(20261128)
    c1 = cast(coop, borrower_savings="400000", guarantor_savings="500000")
    a = active_loan(coop, c1, "1000000", 12, cover=["300000", "300000"])
    c2 = cast(coop, borrower_savings="400000", guarantor_savings="500000")
    b = active_loan(coop, c2, "1000000", 12, cover=["300000", "300000"])
    payments = []
    for _ in range(8):
        day = rnd.randrange(0, 300)
        when = (date(2026, 11, 28) + timedelta(days=day)).isoformat()
        payments.append((when, f"{rnd.randrange(1000, 60000)}.{rnd.randrange(0, 100):02d}"))
    last, backdated = "", 0
    for when, amount in payments:
        args = ["--backdate"] if when < last else []
        backdated += bool(args)
        coop.ok(
            "loans",
            "repay",
            b,
            amount,
            "--date",
            when,
            *args,
            operator="teller1",
            COOPCTL_TODAY="2027-12-31",
        )
        last = max(last, when)
        verify(coop)
    assert backdated >= 2
    for when, amount in sorted(payments, key=lambda p: p[0]):
        coop.ok(
            "loans",
            "repay",
            a,
            amount,
            "--date",
            when,
            operator="teller1",
            COOPCTL_TODAY="2027-12-31",
        )
    assert paid(schedule(coop, a)) == paid(schedule(coop, b))
    assert [(r["no"], r["due_date"], r["principal"], r["interest"]) for r in schedule(coop, a)] == [
        (r["no"], r["due_date"], r["principal"], r["interest"]) for r in schedule(coop, b)
    ]
    sa, sb = show(coop, a, "2027-12-31"), show(coop, b, "2027-12-31")
    assert sa["outstanding_principal"] == sb["outstanding_principal"]
    total = sum(D(x) for _, x in payments)
    (applied,) = coop.sql(
        "SELECT SUM(amount - overpayment) FROM loan_repayments r JOIN loans l ON l.id = r.loan_id"
        " WHERE l.loan_no = :n AND r.status = 'posted'",
        n=b,
    )[0]
    assert D(int(applied)) / 100 == total
    verify(coop)
