"""``reports aging`` / ``reports par`` on a live book, and bulk == scalar on the database.

The book is the one of ``test_provisioning``: loan A (₦100,000, unpaid) and loan B
(₦60,000, installments 1 and 2 paid on their due dates), both from 28 Nov 2026.
On 5 Feb 2027 A is 39 days past due (substandard), B is current with 20,397.33
outstanding (installment 3's principal).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.conftest import Coop
from tests.integration.deposits_support import verify
from tests.integration.loans_support import repay, show
from tests.integration.test_provisioning import two_loans

D = Decimal
FEB5 = "2027-02-05"


def book(coop: Coop) -> tuple[str, str]:
    loan_a, loan_b = two_loans(coop)
    repay(coop, loan_b, "20805.28", "2026-12-28")
    repay(coop, loan_b, "20805.28", "2027-01-28")
    return loan_a, loan_b


def test_aging_and_par_reports(coop: Coop) -> None:
    book(coop)
    r = coop.ok("reports", "aging", "--as-of", FEB5, operator="accountant1", COOPCTL_TODAY=FEB5)
    assert r["as_of"] == FEB5
    got = [(b["class"], b["min_days"], b["max_days"], b["loans"], b["outstanding"],
            b["arrears"], b["provision"]) for b in r["buckets"]]  # fmt: skip
    assert got == [
        ("performing", 0, 0, 1, "20397.33", "0.00", "203.97"),
        ("pass_and_watch", 1, 30, 0, "0.00", "0.00", "0.00"),
        # A: installments 1 and 2 unpaid, 2 × 34,675.47 in arrears; 20 % of 100,000.00
        ("substandard", 31, 60, 1, "100000.00", "69350.94", "20000.00"),
        ("doubtful", 61, 90, 0, "0.00", "0.00", "0.00"),
        ("lost", 91, None, 0, "0.00", "0.00", "0.00"),
    ]
    # PAR30 = 100,000.00 / 120,397.33 = 83.0583… % → 83.06
    assert (r["par1"], r["par30"], r["par90"]) == ("83.06", "83.06", "0.00")
    assert (r["total_outstanding"], r["total_provision"]) == ("120397.33", "20203.97")

    p = coop.ok("reports", "par", "--as-of", FEB5, operator="auditor1", COOPCTL_TODAY=FEB5)
    assert {k: p[k] for k in ("as_of", "par1", "par30", "par90", "gross_outstanding",
                              "at_risk_1", "at_risk_30", "at_risk_90")} == {
        "as_of": FEB5, "par1": "83.06", "par30": "83.06", "par90": "0.00",
        "gross_outstanding": "120397.33", "at_risk_1": "100000.00",
        "at_risk_30": "100000.00", "at_risk_90": "0.00",
    }  # fmt: skip
    assert p["by_product"] == [{
        "product": "LN-DEI", "loans": 2, "outstanding": "120397.33",
        "at_risk_1": "100000.00", "par1": "83.06", "at_risk_30": "100000.00", "par30": "83.06",
        "at_risk_90": "0.00", "par90": "0.00",
    }]  # fmt: skip

    csv = coop.cli("reports", "aging", "--as-of", FEB5, "--format", "csv",
                   operator="accountant1", COOPCTL_TODAY=FEB5)  # fmt: skip
    assert csv.exit_code == 0
    rows = csv.stdout.strip().splitlines()
    assert rows[0].startswith("class,days,loans,outstanding")
    assert rows[3].startswith("substandard,31–60,1,100000.00,69350.94")
    assert rows[-1].startswith("Total,,2,120397.33")
    table = coop.cli("reports", "par", "--as-of", FEB5, operator="accountant1", COOPCTL_TODAY=FEB5)
    assert table.exit_code == 0 and "PAR30" in table.stdout and "83.06%" in table.stdout
    # tellers do not see reports
    assert coop.cli("reports", "aging", operator="teller1").exit_code == 4
    verify(coop)


def test_bulk_equals_scalar_on_the_database(coop: Coop) -> None:
    from coopctl.loans.portfolio import compute, portfolio_aging_reference

    book(coop)
    ids = dict(coop.sql("SELECT loan_no, id FROM loans"))
    dates = ["2026-11-28", "2026-12-28", "2026-12-29", "2027-01-28", FEB5, "2027-03-30",
             "2027-04-10"]  # fmt: skip
    for d in dates:
        as_of = date.fromisoformat(d)
        with coop.uow("auditor1") as u:
            bulk = compute(u, as_of)
            reference = portfolio_aging_reference(u, as_of)
        assert dict(bulk.per_loan) == dict(reference.per_loan), d
        assert bulk == reference, d
        # and `loans show` (the scalar per-loan path) agrees loan by loan
        for loan_no, loan_id in ids.items():
            s = show(coop, loan_no, d)
            a = bulk.per_loan[loan_id]
            assert (s["days_past_due"], s["classification"], D(s["arrears"])) == (
                a.days_past_due, a.classification, a.arrears), (d, loan_no)  # fmt: skip
    # 10 Apr 2027: A 103 days late (lost, 100 %); B's last installment (28 Feb) unpaid, 41 days.
    with coop.uow("auditor1") as u:
        late = compute(u, date(2027, 4, 10))
    by_class = {b.name: (b.loans, b.provision) for b in late.buckets}
    assert by_class["lost"] == (1, D("100000.00"))
    assert by_class["substandard"] == (1, D("4079.47"))  # 20 % × 20,397.33 = 4,079.466
    assert late.total_provision == D("104079.47")
    assert (late.par30, late.par90) == (D("100.00"), D("83.06"))


def test_only_active_loans_and_current_schedules_count(coop: Coop) -> None:
    """Only active loans are aged, and superseded installment rows are ignored (the
    state is set by hand here, as a reschedule and a close would leave it)."""
    from coopctl.loans.portfolio import compute

    loan_a, loan_b = book(coop)
    ids = dict(coop.sql("SELECT loan_no, id FROM loans"))
    # Mark B's remaining installment superseded by hand (as a reschedule would) and add
    # nothing in its place: B then has no installment left to be late on.
    coop.sql("UPDATE loan_installments SET superseded = :t WHERE loan_id = :i AND no = 3",
             t=True, i=ids[loan_b])  # fmt: skip
    with coop.uow("auditor1") as u:
        a = compute(u, date(2027, 4, 10))
    assert a.per_loan[ids[loan_b]].days_past_due == 0
    assert a.per_loan[ids[loan_a]].days_past_due == 103
    coop.sql("UPDATE loans SET status = 'closed' WHERE id = :i", i=ids[loan_a])
    with coop.uow("auditor1") as u:
        a = compute(u, date(2027, 4, 10))
    assert set(a.per_loan) == {ids[loan_b]}
    assert a.totals.loans == 1
