"""Loans as textbook cases, through the real CLI, with the books written out.

Every scenario ends (and most steps end) with ``ledger verify`` clean.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.conftest import Coop
from tests.integration.deposits_support import verify
from tests.integration.loans_support import (
    DAY0,
    account,
    active_loan,
    cast,
    entry,
    gl,
    lines,
    paid,
    repay,
    schedule,
    show,
)

D = Decimal

# ₦1,000,000 over 12 months at 24% a year, declining balance, equal installments,
# disbursed 28 Nov 2026: r = 2% a month, installment = 1,000,000 × 0.02 / (1 − 1.02^−12)
# = 94,559.596 → 94,559.60; the last installment clears the balance.
MILLION_12 = [
    # no, due date,     principal,    interest,    total,       balance
    (1, "2026-12-28", "74559.60", "20000.00", "94559.60", "925440.40"),
    (2, "2027-01-28", "76050.79", "18508.81", "94559.60", "849389.61"),
    (3, "2027-02-28", "77571.81", "16987.79", "94559.60", "771817.80"),
    (4, "2027-03-28", "79123.24", "15436.36", "94559.60", "692694.56"),
    (5, "2027-04-28", "80705.71", "13853.89", "94559.60", "611988.85"),
    (6, "2027-05-28", "82319.82", "12239.78", "94559.60", "529669.03"),
    (7, "2027-06-28", "83966.22", "10593.38", "94559.60", "445702.81"),
    (8, "2027-07-28", "85645.54", "8914.06", "94559.60", "360057.27"),
    (9, "2027-08-28", "87358.45", "7201.15", "94559.60", "272698.82"),
    (10, "2027-09-28", "89105.62", "5453.98", "94559.60", "183593.20"),
    (11, "2027-10-28", "90887.74", "3671.86", "94559.60", "92705.46"),
    (12, "2027-11-28", "92705.46", "1854.11", "94559.57", "0.00"),
]


def test_quote_a_million_over_twelve_months(coop: Coop) -> None:
    q = coop.ok(
        "loans",
        "quote",
        "--product",
        "LN-DEI",
        "--amount",
        "1,000,000",
        "--term",
        12,
        operator="officer1",
    )
    assert q["installment_amount"] == "94559.60"
    got = [
        (i["no"], i["due_date"], i["principal"], i["interest"], i["total"], i["balance"])
        for i in q["installments"]
    ]
    assert got == MILLION_12
    assert q["total_interest"] == "134715.17"
    assert sum(D(i["principal"]) for i in q["installments"]) == D("1000000.00")
    assert all(i["fees"] == "0.00" for i in q["installments"])
    # a quote writes nothing
    assert coop.sql("SELECT COUNT(*) FROM loans")[0][0] == 0


def test_a_million_loan_is_disbursed_with_that_schedule(coop: Coop) -> None:
    # borrower saves 400,000 (3 × = 1.2 million); guarantees cover 1,000,000 − 400,000
    c = cast(coop, borrower_savings="400000", guarantor_savings="500000")
    loan_no = active_loan(coop, c, "1000000", 12, cover=["300000", "300000"])
    verify(coop)
    rows = schedule(coop, loan_no)
    assert [
        (r["no"], r["due_date"], r["principal"], r["interest"], r["total"], r["balance"])
        for r in rows
    ] == MILLION_12
    # Dr 1210 (the loan's own account) 1,000,000 / Cr the borrower's savings 1,000,000
    assert gl(coop, "1210") == D("1000000.00")
    assert account(coop, loan_no) == (D("1000000.00"), D("0.00"), "active")
    assert account(coop, c.borrower.account_no)[0] == D("1400000.00")
    # each guarantee is now a hold on the guarantor's savings
    for g in c.guarantors:
        assert account(coop, g.account_no) == (D("500000.00"), D("300000.00"), "active")
    s = show(coop, loan_no)
    assert (
        s["status"],
        s["outstanding_principal"],
        s["arrears"],
        s["days_past_due"],
        s["classification"],
    ) == ("active", "1000000.00", "0.00", 0, "performing")


def test_late_payment_penalty_part_payment_then_the_rest(coop: Coop) -> None:
    """₦100,000 over 3 months at 24% (penalty 2% a month on overdue principal + interest).

    Schedule (disbursed 28 Nov 2026; installment 34,675.47):
      1  2026-12-28  principal 32,675.47  interest 2,000.00
      2  2027-01-28  principal 33,328.98  interest 1,346.49
      3  2027-02-28  principal 33,995.55  interest   679.91  (total 34,675.46)
    The member misses 28 Dec. On 5 Jan the penalty run charges one period:
    2% × 34,675.47 = 693.51. They pay 20,000 (penalty 693.51, interest 2,000.00,
    principal 17,306.49), on 10 Jan the rest of installment 1 (principal 15,368.98),
    then installments 2 and 3 on their dates; the loan closes.
    """
    coop.ok(
        "products",
        "add",
        "LN-PEN",
        "--kind",
        "loan",
        "--name",
        "Loan with penalty",
        "--rate",
        "24",
        "--penalty-rate",
        "2",
        operator="manager1",
    )
    c = cast(coop, borrower_savings="50000", guarantor_savings="100000")
    loan_no = active_loan(coop, c, "100000", 3, product="LN-PEN", cover=["25000", "25000"])
    assert [(r["principal"], r["interest"], r["total"]) for r in schedule(coop, loan_no)] == [
        ("32675.47", "2000.00", "34675.47"),
        ("33328.98", "1346.49", "34675.47"),
        ("33995.55", "679.91", "34675.46"),
    ]
    cash0 = gl(coop, "1110")

    # late: 8 days after the first due date
    s = show(coop, loan_no, "2027-01-05")
    assert (s["days_past_due"], s["classification"], s["arrears"]) == (
        8,
        "pass_and_watch",
        "34675.47",
    )
    run = coop.ok(
        "loans", "penalize", "--date", "2027-01-05", operator="system", COOPCTL_TODAY="2027-01-05"
    )
    assert (run["charges"], run["amount"]) == (1, "693.51")
    again = coop.ok(
        "loans", "penalize", "--date", "2027-01-05", operator="system", COOPCTL_TODAY="2027-01-05"
    )
    assert (again["charges"], again["amount"], again["skipped"]) == (0, "0.00", 1)
    assert show(coop, loan_no, "2027-01-05")["arrears"] == "35368.98"
    verify(coop)  # a penalty charge posts nothing (cash basis)

    # part payment: penalty → fees → interest → principal
    r1 = repay(coop, loan_no, "20000", "2027-01-05")
    assert (r1["penalty"], r1["fees"], r1["interest"], r1["principal"]) == (
        "693.51",
        "0.00",
        "2000.00",
        "17306.49",
    )
    assert lines(entry(coop, r1["entry_no"])) == sorted(
        [
            ("1110", None, "20000.00", "0.00"),
            ("4300", None, "0.00", "693.51"),
            ("4100", None, "0.00", "2000.00"),
            ("1210", loan_no, "0.00", "17306.49"),
        ]
    )
    verify(coop)
    s = show(coop, loan_no, "2027-01-05")
    assert (s["days_past_due"], s["arrears"]) == (8, "15368.98")

    # the rest of installment 1
    r2 = repay(coop, loan_no, "15368.98", "2027-01-10")
    assert lines(entry(coop, r2["entry_no"])) == sorted(
        [("1110", None, "15368.98", "0.00"), ("1210", loan_no, "0.00", "15368.98")]
    )
    s = show(coop, loan_no, "2027-01-10")
    assert (s["days_past_due"], s["arrears"], s["classification"]) == (0, "0.00", "performing")
    assert s["outstanding_principal"] == "67324.53"
    first = schedule(coop, loan_no)[0]
    assert (first["penalty"], first["paid_on"]) == ("693.51", "2027-01-10")
    verify(coop)

    repay(coop, loan_no, "34675.47", "2027-01-28")
    last = repay(coop, loan_no, "34675.46", "2027-02-28")
    assert last["status"] == "closed" and last["outstanding_principal"] == "0.00"
    verify(coop)

    # the books: principal back in full; income recognised as paid
    assert gl(coop, "1210") == D("0.00")
    assert gl(coop, "4100") == D("-4026.40")  # 2,000.00 + 1,346.49 + 679.91 (credit)
    assert gl(coop, "4300") == D("-693.51")
    assert gl(coop, "1110") - cash0 == D("104719.91")  # 100,000 + 4,026.40 + 693.51
    assert account(coop, loan_no) == (D("0.00"), D("0.00"), "closed")
    for g in c.guarantors:  # holds released at close
        assert account(coop, g.account_no)[1] == D("0.00")
    assert paid(schedule(coop, loan_no)) == [
        ("32675.47", "2000.00", "0.00", "693.51"),
        ("33328.98", "1346.49", "0.00", "0.00"),
        ("33995.55", "679.91", "0.00", "0.00"),
    ]


def test_write_off_then_partial_recovery(coop: Coop) -> None:
    """₦100,000 over 3 months, nothing repaid. A provision of 30,000 exists. The write-off
    (maker manager1, checker manager2) books Dr 1290 30,000, Dr 5300 70,000, Cr 1210 100,000
    and frees the guarantors. The member then pays 40,000 (recovery income) and the
    guarantors are called for 25,000 each (recovery income)."""
    from coopctl.ledger.posting import post
    from coopctl.ledger.rules import EntryDraft, LineDraft

    c = cast(coop, borrower_savings="50000", guarantor_savings="100000")
    loan_no = active_loan(coop, c, "100000", 3, cover=["25000", "25000"])
    with coop.uow("manager1") as u:
        post(
            u,
            EntryDraft(
                business_date=date(2026, 11, 28),
                kind="loan_provision",
                lines=[
                    LineDraft("5200", debit=D("30000.00")),
                    LineDraft("1290", credit=D("30000.00")),
                ],
            ),
        )
        u.commit()
    s = show(coop, loan_no, "2027-03-15")
    assert (s["days_past_due"], s["classification"]) == (77, "doubtful")

    req = coop.ok(
        "loans",
        "writeoff",
        loan_no,
        "--reason",
        "Member absconded",
        operator="manager1",
        COOPCTL_TODAY="2027-03-15",
    )
    assert (req["status"], req["loan_status"]) == ("pending", "active")
    assert gl(coop, "5300") == D("0.00")  # nothing moves until a checker approves
    own = coop.cli(
        "loans", "writeoff", loan_no, "--approve", operator="manager1", COOPCTL_TODAY="2027-03-15"
    )
    assert own.exit_code == 4
    done = coop.ok(
        "loans", "writeoff", loan_no, "--approve", operator="manager2", COOPCTL_TODAY="2027-03-15"
    )
    assert (done["status"], done["loan_status"], done["from_provision"], done["to_expense"]) == (
        "approved",
        "written_off",
        "30000.00",
        "70000.00",
    )
    verify(coop)
    assert gl(coop, "1210") == D("0.00")
    assert gl(coop, "1290") == D("0.00")
    assert gl(coop, "5300") == D("70000.00")
    assert account(coop, loan_no) == (D("0.00"), D("0.00"), "closed")
    for g in c.guarantors:
        assert account(coop, g.account_no) == (D("100000.00"), D("0.00"), "active")
    s = show(coop, loan_no, "2027-03-15")
    assert (s["status"], s["classification"], s["outstanding_principal"]) == (
        "written_off",
        "lost",
        "0.00",
    )

    # the member pays 40,000: recovery income, still allocated oldest first
    r = repay(coop, loan_no, "40000", "2027-03-20")
    assert r["recovery"] is True
    assert lines(entry(coop, r["entry_no"])) == sorted(
        [("1110", None, "40000.00", "0.00"), ("4400", None, "0.00", "40000.00")]
    )
    assert paid(schedule(coop, loan_no))[:2] == [
        ("32675.47", "2000.00", "0.00", "0.00"),
        ("3978.04", "1346.49", "0.00", "0.00"),
    ]
    verify(coop)

    # the guarantors are called: 25,000 each (their guarantees), to recovery income
    g = coop.ok(
        "loans", "recover-from-guarantors", loan_no, operator="manager1", COOPCTL_TODAY="2027-03-25"
    )
    assert lines(entry(coop, g["entry_no"])) == sorted(
        [
            ("2110", c.guarantors[0].account_no, "25000.00", "0.00"),
            ("2110", c.guarantors[1].account_no, "25000.00", "0.00"),
            ("4400", None, "0.00", "50000.00"),
        ]
    )
    for p in c.guarantors:
        assert account(coop, p.account_no)[0] == D("75000.00")
    assert gl(coop, "4400") == D("-90000.00")
    verify(coop)
    # a second call finds the guarantees spent
    again = coop.cli(
        "loans", "recover-from-guarantors", loan_no, operator="manager1", COOPCTL_TODAY="2027-03-26"
    )
    assert again.exit_code == 5


def test_early_settlement_closes_the_loan_and_frees_guarantors(coop: Coop) -> None:
    """Paying the current installment plus the remaining principal closes the loan; the
    interest of periods not yet run is not charged (it is re-amortised away)."""
    c = cast(coop, borrower_savings="50000", guarantor_savings="100000")
    loan_no = active_loan(coop, c, "100000", 3, cover=["25000", "25000"])
    # on 20 Dec: installment 1 in full (34,675.47) + the remaining principal 67,324.53
    r = repay(coop, loan_no, "102000", "2026-12-20")
    assert (r["interest"], r["principal"], r["overpayment"], r["status"]) == (
        "2000.00",
        "100000.00",
        "0.00",
        "closed",
    )
    verify(coop)
    # a 2,000 overpayment would have gone to savings; here it came to exactly 102,000
    assert account(coop, loan_no)[2] == "closed"
    for g in c.guarantors:
        assert account(coop, g.account_no)[1] == D("0.00")
    assert coop.cli("loans", "repay", loan_no, "100", operator="teller1").exit_code == 5


def test_overpayment_goes_to_savings(coop: Coop) -> None:
    c = cast(coop, borrower_savings="50000", guarantor_savings="100000")
    loan_no = active_loan(coop, c, "100000", 3, cover=["25000", "25000"])
    before = account(coop, c.borrower.account_no)[0]
    r = repay(coop, loan_no, "103000.50", DAY0)
    assert (r["overpayment"], r["status"]) == ("1000.50", "closed")
    assert account(coop, c.borrower.account_no)[0] == before + D("1000.50")
    verify(coop)
