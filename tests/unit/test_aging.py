"""Aging, CBN classification and provision: the scalar reference, by hand-worked cases.

Business date in every case: Saturday 28 November 2026. Expected figures are
worked out in the comments, not taken from the module under test.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from coopctl.core import money
from coopctl.core.errors import ConfigError
from coopctl.core.money import D
from coopctl.loans.aging import (
    InstallmentRow,
    LoanRow,
    loan_aging,
    par_percent,
    portfolio_aging_scalar,
)
from coopctl.loans.classification import (
    CLASS_NAMES,
    build_table,
    default_table,
    table_from_settings,
)

AS_OF = date(2026, 11, 28)
CBN = default_table()


def ago(days: int) -> date:
    return AS_OF - timedelta(days=days)


def inst(due: date, principal: str, interest: str = "0", **kw: str | date | bool) -> InstallmentRow:
    amounts = {k: D(v) for k, v in kw.items() if isinstance(v, str)}
    flags = {k: v for k, v in kw.items() if not isinstance(v, str)}
    return InstallmentRow(due_date=due, principal=D(principal), interest=D(interest),
                          **amounts, **flags)  # type: ignore[arg-type]  # fmt: skip


# --- the classification table -----------------------------------------------------------
def test_default_table_is_the_cbn_microfinance_table() -> None:
    rows = [(c.name, c.min_days, c.max_days, c.provision_percent) for c in CBN.classes]
    assert rows == [
        ("performing", 0, 0, D("1")),
        ("pass_and_watch", 1, 30, D("5")),
        ("substandard", 31, 60, D("20")),
        ("doubtful", 61, 90, D("50")),
        ("lost", 91, None, D("100")),
    ]
    assert CBN.names == CLASS_NAMES
    assert CBN.by_name("doubtful").provision_rate == D("0.5")


@pytest.mark.parametrize(
    ("dpd", "name"),
    [(0, "performing"), (1, "pass_and_watch"), (30, "pass_and_watch"), (31, "substandard"),
     (60, "substandard"), (61, "doubtful"), (90, "doubtful"), (91, "lost"), (3650, "lost")],
)  # fmt: skip
def test_class_boundaries(dpd: int, name: str) -> None:
    assert CBN.classify(dpd).name == name


def test_table_from_settings_and_a_custom_table() -> None:
    settings = {"loans": {"classification_days": [5, 30, 90, 180],
                          "provision_percent": ["0.5", "2.5", "25", "50", "100"]}}  # fmt: skip
    t = table_from_settings(settings)
    assert [c.name for c in t.classes] == list(CLASS_NAMES)
    assert t.classify(5).name == "performing"
    assert t.classify(6).name == "pass_and_watch"
    assert t.classify(181).name == "lost"
    assert t.classes[0].provision_rate == D("0.005")
    assert table_from_settings(None) == CBN


@pytest.mark.parametrize(
    ("days", "percents", "fragment"),
    [
        ([0, 30, 60], ["1", "5", "20", "50", "100"], "classification_days: needs 4"),
        ([0, 30, 30, 90], ["1", "5", "20", "50", "100"], "increase strictly"),
        ([-1, 30, 60, 90], ["1", "5", "20", "50", "100"], "-1"),
        ([0, 30, 60, 90], ["1", "5", "20", "50"], "provision_percent: needs 5"),
        ([0, 30, 60, 90], ["1", "5", "20", "50", "101"], "between 0 and 100"),
        ([0, 30, 60, 90], ["1", "5", "abc", "50", "100"], "'abc' is not a percent"),
        ([0, 30, 60, 90], ["1", "5", "20", "10", "100"], "must not decrease"),
        ([0, 30, 60, 90], ["1", "5", "20.00001", "50", "100"], "four decimals"),
    ],
)
def test_bad_classification_config_names_the_key(
    days: list[int], percents: list[str], fragment: str
) -> None:
    with pytest.raises(ConfigError) as exc:
        build_table(days, percents)
    assert exc.value.exit_code == 2
    assert "loans." in str(exc.value) and fragment in str(exc.value)


# --- one loan ---------------------------------------------------------------------------
def test_installment_45_days_overdue_unpaid_is_substandard() -> None:
    # Due 14 Oct 2026 (45 days before 28 Nov), nothing paid: 10,000.00 principal + 2,000.00
    # interest in arrears. Next installment due 14 Dec is not yet due.
    rows = [inst(ago(45), "10000.00", "2000.00"), inst(date(2026, 12, 14), "10000.00", "1800.00")]
    a = loan_aging(rows, AS_OF, CBN, D("20000.00"))
    assert a.days_past_due == 45
    assert a.classification == "substandard"
    assert a.arrears == D("12000.00")
    assert a.arrears_principal == D("10000.00")
    assert a.outstanding_principal == D("20000.00")
    assert a.provision_rate == D("0.20")
    assert a.provision == D("4000.00")  # 20 % of 20,000.00


def test_partially_paid_installment_still_counts_from_its_due_date() -> None:
    # 14 Oct: principal 10,000.00 of which 4,000.00 paid, interest 2,000.00 paid in full.
    # 14 Nov: 10,000.00 + 1,800.00 unpaid. Oldest not fully paid = 14 Oct → 45 days.
    rows = [
        inst(ago(45), "10000.00", "2000.00", principal_paid="4000.00", interest_paid="2000.00"),
        inst(ago(14), "10000.00", "1800.00"),
        inst(date(2026, 12, 14), "10000.00", "1600.00"),
    ]
    a = loan_aging(rows, AS_OF, CBN, D("26000.00"))
    assert a.days_past_due == 45
    assert a.classification == "substandard"
    assert a.arrears == D("17800.00")  # 6,000.00 + 11,800.00
    assert a.arrears_principal == D("16000.00")
    assert a.provision == D("5200.00")  # 20 % of 26,000.00


def test_paid_late_then_current_is_performing() -> None:
    # 30 Sep paid on 20 Oct (late), 31 Oct paid on time; 30 Nov not yet due.
    rows = [
        inst(date(2026, 9, 30), "5000.00", "500.00", principal_paid="5000.00",
             interest_paid="500.00", paid_on=date(2026, 10, 20)),
        inst(date(2026, 10, 31), "5000.00", "400.00", principal_paid="5000.00",
             interest_paid="400.00", paid_on=date(2026, 10, 31)),
        inst(date(2026, 11, 30), "5000.00", "300.00"),
    ]  # fmt: skip
    a = loan_aging(rows, AS_OF, CBN, D("5000.00"))
    assert (a.days_past_due, a.classification, a.arrears) == (0, "performing", D("0.00"))
    assert a.provision == D("50.00")  # 1 % of 5,000.00


def test_future_installments_only_is_performing() -> None:
    rows = [inst(date(2026, 12, 28), "50000.00", "1000.00"),
            inst(date(2027, 1, 28), "50000.00", "500.00")]  # fmt: skip
    a = loan_aging(rows, AS_OF, CBN)
    assert (a.days_past_due, a.classification, a.arrears, a.arrears_principal) == (
        0, "performing", D("0.00"), D("0.00"))  # fmt: skip
    # No ledger balance given: the unpaid principal of the schedule, 100,000.00.
    assert a.outstanding_principal == D("100000.00")
    assert a.provision == D("1000.00")


def test_installment_due_today_is_in_arrears_but_not_late() -> None:
    a = loan_aging([inst(AS_OF, "3000.00", "300.00")], AS_OF, CBN, D("3000.00"))
    assert a.days_past_due == 0
    assert a.classification == "performing"
    assert a.arrears == D("3300.00")


def test_a_fully_paid_older_installment_never_counts() -> None:
    rows = [
        inst(ago(100), "1000.00", "100.00", principal_paid="1000.00", interest_paid="100.00"),
        inst(ago(3), "1000.00", "90.00"),
    ]
    a = loan_aging(rows, AS_OF, CBN, D("1000.00"))
    assert (a.days_past_due, a.classification) == (3, "pass_and_watch")


def test_unpaid_penalty_alone_keeps_an_installment_late() -> None:
    row = inst(ago(61), "1000.00", "100.00", penalty="20.00", principal_paid="1000.00",
               interest_paid="100.00")  # fmt: skip
    a = loan_aging([row], AS_OF, CBN, D("0.00"))
    assert (a.days_past_due, a.classification, a.arrears) == (61, "doubtful", D("20.00"))
    assert a.arrears_principal == D("0.00")
    assert a.provision == D("0.00")  # nothing outstanding → nothing to provide


def test_superseded_installments_are_ignored() -> None:
    rows = [inst(ago(200), "1000.00", superseded=True), inst(ago(10), "1000.00")]
    a = loan_aging(rows, AS_OF, CBN, D("1000.00"))
    assert a.days_past_due == 10
    assert a.arrears == D("1000.00")


def test_dicts_work_as_installments() -> None:
    row = {"due_date": ago(91), "principal": D("700.00"), "interest": D("70.00"), "fees": None,
           "penalty": D("0"), "principal_paid": D("0"), "superseded": False}  # fmt: skip
    rows = [row]
    a = loan_aging(rows, AS_OF, CBN, D("700.00"))
    assert (a.days_past_due, a.classification, a.provision) == (91, "lost", D("700.00"))


def test_a_credit_balance_is_not_at_risk() -> None:
    a = loan_aging([inst(ago(40), "100.00")], AS_OF, CBN, D("-25.00"))
    assert a.outstanding_principal == D("0.00")
    assert a.provision == D("0.00")


def test_restructured_loan_under_watch_is_at_least_pass_and_watch() -> None:
    rows = [inst(date(2026, 12, 5), "1000.00")]
    watched = loan_aging(rows, AS_OF, CBN, D("1000.00"), watch_until=date(2027, 1, 31))
    assert (watched.days_past_due, watched.classification) == (0, "pass_and_watch")
    assert watched.provision == D("50.00")
    after = loan_aging(rows, AS_OF, CBN, D("1000.00"), watch_until=date(2026, 11, 27))
    assert after.classification == "performing"
    late = loan_aging([inst(ago(70), "1000.00")], AS_OF, CBN, D("1000.00"),
                      watch_until=date(2027, 1, 31))  # fmt: skip
    assert late.classification == "doubtful"  # the watch floor never improves a class


def test_provision_rounds_once_per_loan_half_even() -> None:
    # 12.50 × 1 % = 0.125 → 0.12 (half-even); 12.70 × 1 % = 0.127 → 0.13.
    assert loan_aging([], AS_OF, CBN, D("12.50")).provision == D("0.12")
    assert loan_aging([], AS_OF, CBN, D("12.70")).provision == D("0.13")
    money.set_rounding("ROUND_HALF_UP")
    try:
        assert loan_aging([], AS_OF, CBN, D("12.50")).provision == D("0.13")
    finally:
        money.set_rounding("ROUND_HALF_EVEN")


# --- a portfolio ------------------------------------------------------------------------
def test_worked_portfolio() -> None:
    """Four loans on 28 Nov 2026 (CBN table):

    ========  =========  ====  ===============  ==========  =========
    loan      product    dpd   class            outstanding  provision
    ========  =========  ====  ===============  ==========  =========
    1         STD        0     performing       100,000.00   1,000.00
    2         STD        2     pass_and_watch    50,000.00   2,500.00
    3         EMG        45    substandard       20,000.00   4,000.00
    4         EMG        120   lost              10,000.00  10,000.00
    ========  =========  ====  ===============  ==========  =========

    Gross 180,000.00. PAR1 = (50,000 + 20,000 + 10,000) / 180,000 = 44.44 %;
    PAR30 = 30,000 / 180,000 = 16.67 %; PAR90 = 10,000 / 180,000 = 5.56 %.
    Required provision 17,500.00.
    """
    loans = [LoanRow(1, D("100000.00"), "STD"), LoanRow(2, D("50000.00"), "STD"),
             LoanRow(3, D("20000.00"), "EMG"), LoanRow(4, D("10000.00"), "EMG")]  # fmt: skip
    by_loan = {
        1: [inst(date(2026, 12, 1), "10000.00", "2000.00")],
        2: [inst(ago(2), "5000.00", "1000.00")],
        3: [inst(ago(45), "2000.00", "400.00")],
        4: [inst(ago(120), "1000.00", "200.00"), inst(ago(90), "1000.00", "180.00")],
    }
    p = portfolio_aging_scalar(loans, by_loan, AS_OF, CBN)
    assert [(b.name, b.loans, b.outstanding, b.provision) for b in p.buckets] == [
        ("performing", 1, D("100000.00"), D("1000.00")),
        ("pass_and_watch", 1, D("50000.00"), D("2500.00")),
        ("substandard", 1, D("20000.00"), D("4000.00")),
        ("doubtful", 0, D("0.00"), D("0.00")),
        ("lost", 1, D("10000.00"), D("10000.00")),
    ]
    assert p.total_outstanding == D("180000.00")
    assert p.total_provision == D("17500.00")
    assert p.totals.arrears == D("6000.00") + D("2400.00") + D("2380.00")
    assert (p.totals.at_risk_1, p.totals.at_risk_30, p.totals.at_risk_90) == (
        D("80000.00"), D("30000.00"), D("10000.00"))  # fmt: skip
    assert (p.par1, p.par30, p.par90) == (D("44.44"), D("16.67"), D("5.56"))
    assert [(r.product_code, r.loans, r.outstanding, r.par30) for r in p.by_product] == [
        ("EMG", 2, D("30000.00"), D("100.00")),
        ("STD", 2, D("150000.00"), D("0.00")),
    ]
    assert p.per_loan[4].days_past_due == 120


def test_par1_counts_only_more_than_one_day_late() -> None:
    loans = [LoanRow(1, D("100.00")), LoanRow(2, D("300.00"))]
    by_loan = {1: [inst(ago(1), "100.00")], 2: [inst(ago(2), "100.00")]}
    p = portfolio_aging_scalar(loans, by_loan, AS_OF, CBN)
    assert p.per_loan[1].classification == "pass_and_watch"  # 1 day late…
    assert p.totals.at_risk_1 == D("300.00")  # …but PAR1 is dpd > 1
    assert p.par1 == D("75.00")


def test_empty_portfolio_has_zero_par() -> None:
    p = portfolio_aging_scalar([], {}, AS_OF, CBN)
    assert p.par30 == D("0.00") and p.total_outstanding == D("0.00")
    assert [b.loans for b in p.buckets] == [0] * 5
    assert par_percent(D("1.00"), D("0.00")) == Decimal("0.00")
