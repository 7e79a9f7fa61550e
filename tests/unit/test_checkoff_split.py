"""The pure check-off split and file parser: parts always sum to the amount."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopctl.core.money import ZERO, from_minor
from coopctl.deposits.checkoff import (
    PRIORITY_ITEMS,
    Split,
    parse_file,
    split_by_priority,
    split_explicit,
)

D = Decimal
DEFAULT = ["loan_due", "fixed_savings", "savings"]
kobo = st.integers(min_value=0, max_value=10**11).map(from_minor)
positive = st.integers(min_value=1, max_value=10**11).map(from_minor)


# --- worked examples ----------------------------------------------------------------------
def test_default_priority_pays_loans_then_fixed_savings_then_savings() -> None:
    """Salary deduction 50,000: loan L1 has 30,000 due, L2 15,000; fixed savings 10,000.
    L1 gets 30,000, L2 15,000, shares the remaining 5,000 (fixed savings capped by what
    is left), savings nothing."""
    s = split_by_priority(
        D("50000.00"),
        priority=DEFAULT,
        loan_dues=[("L1", D("30000.00")), ("L2", D("15000.00"))],
        monthly_savings=D("10000.00"),
    )
    assert s == Split((("L1", D("30000.00")), ("L2", D("15000.00"))), D("5000.00"), ZERO)


def test_remainder_goes_to_savings() -> None:
    s = split_by_priority(
        D("25000.00"),
        priority=DEFAULT,
        loan_dues=[("L1", D("12000.00"))],
        monthly_savings=D("5000.00"),
    )
    assert (s.loans, s.shares, s.savings) == ((("L1", D("12000.00")),), D("5000.00"), D("8000.00"))


def test_without_a_loan_provider_everything_skips_loans() -> None:
    s = split_by_priority(D("7000.00"), priority=DEFAULT, loan_dues=[], monthly_savings=ZERO)
    assert s == Split((), ZERO, D("7000.00"))


def test_fixed_savings_skipped_for_a_member_without_shares_account() -> None:
    s = split_by_priority(
        D("7000.00"), priority=DEFAULT, monthly_savings=D("2000.00"), has_shares=False
    )
    assert s == Split((), ZERO, D("7000.00"))


def test_priority_order_is_honoured() -> None:
    """Savings first takes everything; items after it get nothing."""
    s = split_by_priority(
        D("9000.00"),
        priority=["fixed_savings", "savings", "loan_due"],
        loan_dues=[("L1", D("5000.00"))],
        monthly_savings=D("1000.00"),
    )
    assert s == Split((), D("1000.00"), D("8000.00"))


def test_unknown_priority_item_is_refused() -> None:
    with pytest.raises(ValueError, match=r"checkoff\.priority: unknown item"):
        split_by_priority(D("1.00"), priority=["loan_due", "pension"])


def test_explicit_split_must_add_up() -> None:
    with pytest.raises(ValueError, match=r"savings: .* ≠ amount"):
        split_explicit(D("100.00"), savings=D("50.00"), shares=D("20.00"), loan=ZERO)


def test_explicit_loan_needs_a_loan_and_spreads_over_dues() -> None:
    with pytest.raises(ValueError, match="loan: the member has no loan"):
        split_explicit(D("100.00"), savings=ZERO, shares=ZERO, loan=D("100.00"))
    s = split_explicit(
        D("100.00"),
        savings=D("10.00"),
        shares=ZERO,
        loan=D("90.00"),
        loan_dues=[("L1", D("50.00")), ("L2", D("20.00"))],
    )
    # 50 + 20 are due; the 20 left over is a prepayment on the first loan
    assert s.loans == (("L1", D("70.00")), ("L2", D("20.00")))
    assert s.total == D("100.00")


# --- properties ------------------------------------------------------------------------------
@given(
    amount=kobo,
    dues=st.lists(st.tuples(st.sampled_from(["L1", "L2", "L3"]), kobo), max_size=4),
    monthly=kobo,
    has_shares=st.booleans(),
    priority=st.permutations(list(PRIORITY_ITEMS)),
)
def test_parts_sum_to_the_amount(
    amount: Decimal,
    dues: list[tuple[str, Decimal]],
    monthly: Decimal,
    has_shares: bool,
    priority: list[str],
) -> None:
    s = split_by_priority(
        amount, priority=priority, loan_dues=dues, monthly_savings=monthly, has_shares=has_shares
    )
    assert s.total == amount
    assert all(a > 0 for _, a in s.loans)
    assert s.shares >= 0 and s.savings >= 0
    assert s.shares <= monthly and (has_shares or s.shares == 0)
    for loan_no, paid in s.loans:  # never more than due on a loan
        assert paid <= sum((d for n, d in dues if n == loan_no), ZERO)


@given(
    savings=kobo,
    shares=kobo,
    loan=kobo,
    dues=st.lists(st.tuples(st.sampled_from(["L1", "L2"]), positive), min_size=1, max_size=3),
)
def test_explicit_split_keeps_every_kobo(
    savings: Decimal, shares: Decimal, loan: Decimal, dues: list[tuple[str, Decimal]]
) -> None:
    amount = savings + shares + loan
    s = split_explicit(amount, savings=savings, shares=shares, loan=loan, loan_dues=dues)
    assert s.total == amount and s.to_loans == loan


# --- the file ---------------------------------------------------------------------------------
def test_parse_reports_every_bad_line_with_file_line_and_field() -> None:
    text = (
        "member_no,amount,savings,shares,loan\n"
        "M00000013,5000,,,\n"
        "M00000021,1.234,,,\n"
        "M00000039,-5,,,\n"
        "M00000047,abc,,,\n"
        "M00000055,1e5,,,\n"
        ",100,,,\n"
        "M00000062,100,50,20,\n"
        "M00000070,100,50,x,\n"
        "M00000088,100\n"
    )
    p = parse_file(text, "nov.csv")
    assert [ln.line_no for ln in p.lines] == [2]
    assert p.lines[0].amount == D("5000.00") and p.lines[0].explicit is None
    assert p.errors == [
        "nov.csv:3:amount: '1.234' has more than two decimals",
        "nov.csv:4:amount: '-5' must not be negative",
        "nov.csv:5:amount: 'abc' is not an amount (e.g. 12500 or 12,500.50)",
        "nov.csv:6:amount: '1e5' is not an amount (e.g. 12500 or 12,500.50)",
        "nov.csv:7:member_no: empty",
        "nov.csv:8:savings: savings + shares + loan = 70.00, not the amount 100.00",
        "nov.csv:9:shares: 'x' is not an amount (e.g. 12500 or 12,500.50)",
        "nov.csv:10:row: expected 5 fields, found 2",
    ]


def test_parse_header_problems() -> None:
    assert parse_file("", "a.csv").errors == ["a.csv:1:header: the file is empty"]
    errs = parse_file("member,amount,bonus\nM00000013,1\n", "b.csv").errors
    assert "b.csv:1:header: column 'member_no' is missing" in errs
    assert any(e.startswith("b.csv:1:header: unknown column 'bonus'") for e in errs)
    assert parse_file("member_no,amount\n", "c.csv").errors == [
        "c.csv:2:member_no: the file has no lines"
    ]


def test_parse_accepts_thousands_separators_and_explicit_split() -> None:
    p = parse_file(
        'member_no,amount,savings,shares\nM00000013,"12,500.50",10000.50,2500\n', "d.csv"
    )
    assert p.errors == []
    assert p.lines[0].amount == D("12500.50")
    assert p.lines[0].explicit == {"savings": D("10000.50"), "shares": D("2500.00"), "loan": ZERO}


# --- the parser's plain-amount path equals money.parse ------------------------------------
amount_text = st.one_of(
    st.from_regex(r"\A[0-9]{1,17}(\.[0-9]{0,3})?\Z"),
    st.from_regex(r"\A[-+]?[0-9,]{1,9}(\.[0-9]{1,3})?\Z"),
    st.text(alphabet="0123456789.,-+ e", max_size=8),
    st.sampled_from(["0", "0.00", "00012.5", "100000000000.00", "100000000000.01", "1.", ".5"]),
)


@given(amount_text, st.booleans())
def test_plain_amounts_read_as_money_parse_reads_them(text: str, allow_zero: bool) -> None:
    from coopctl.core import money
    from coopctl.core.errors import MoneyFormatError
    from coopctl.core.limits import current
    from coopctl.deposits.checkoff import _amount

    text = text.strip()
    try:
        want: tuple[Decimal | None, str] = (
            money.parse(text, field="amount", allow_zero=allow_zero),
            "",
        )
    except MoneyFormatError as exc:
        want = (None, f"f:3:{exc.message}")
    got = _amount(text, name="amount", where="f:3", allow_zero=allow_zero, cap=current().max_amount)
    assert got == want
    assert got[0] is None or got[0].as_tuple().exponent == -2
