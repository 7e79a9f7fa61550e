"""Financial statements on a cooperative with activity: a textbook year, written out.

The books (all manual journals, NGN):

    2026-01-10  Dr 1110 Cash on hand            500,000.00  Cr 3200 Statutory reserve   500,000.00
    2026-02-01  Dr 1121 Bank                    900,000.00  Cr 2310 Bank borrowings     900,000.00
    2026-03-05  Dr 1510 Furniture               400,000.00  Cr 1121 Bank                400,000.00
    2026-10-10  Dr 1121 Bank                    300,000.00  Cr 4100 Interest income     300,000.00
    2026-10-12  Dr 5500 Administrative exp.      45,000.50  Cr 1110 Cash on hand         45,000.50
    2026-11-20  Dr 5700 Depreciation             10,000.00  Cr 1590 Accum. depreciation  10,000.00
    2026-11-25  Dr 1310 Fixed deposits w. banks 200,000.00  Cr 1121 Bank                200,000.00

On 2026-11-28: cash 454,999.50 + bank 600,000.00 = 1,054,999.50; investments 200,000.00;
furniture 400,000.00 less depreciation 10,000.00 = 390,000.00; total assets 1,644,999.50.
Liabilities 900,000.00. Equity: reserve 500,000.00 + current-year earnings
(300,000.00 − 45,000.50 − 10,000.00 = 244,999.50) = 744,999.50; L + E = 1,644,999.50.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from coopctl.core.money import D

BOOKS = [
    ("2026-01-10", "1110", "3200", "500000", "Reserve contribution received in cash"),
    ("2026-02-01", "1121", "2310", "900000", "Bank overdraft facility drawn"),
    ("2026-03-05", "1510", "1121", "400000", "Office furniture"),
    ("2026-10-10", "1121", "4100", "300000", "Interest received"),
    ("2026-10-12", "5500", "1110", "45000.50", "Stationery and printing"),
    ("2026-11-20", "5700", "1590", "10000", "Depreciation for November"),
    ("2026-11-25", "1310", "1121", "200000", "Fixed deposit placed with bank"),
]


def post_books(coop: Any, books: list[tuple[str, str, str, str, str]] = BOOKS) -> None:
    for d, dr, cr, amount, narration in books:
        coop.ok(
            "postings",
            "journal",
            "--line",
            f"{dr}:DR:{amount}",
            "--line",
            f"{cr}:CR:{amount}",
            "--date",
            d,
            "--narration",
            narration,
            operator="accountant1",
        )


def tb_net(coop: Any, as_of: str, **env: str) -> dict[str, Decimal]:
    tb = coop.ok("reports", "trial-balance", "--as-of", as_of, **env)
    assert tb["total_debit"] == tb["total_credit"]
    return {r["gl_code"]: D(r["debit"]) - D(r["credit"]) for r in tb["rows"]}


@pytest.fixture
def books(coop: Any) -> Any:
    post_books(coop)
    return coop


def test_balance_sheet_textbook(books: Any) -> None:
    bs = books.ok("reports", "balance-sheet", "--as-of", "2026-11-28")
    assert bs["as_of"] == "2026-11-28" and bs["compare_date"] == "2026-10-31"
    assert D(bs["assets"]) == D("1644999.50")
    assert D(bs["liabilities"]) == D("900000.00")
    assert D(bs["equity"]) == D("744999.50")
    assert D(bs["current_year_earnings"]) == D("244999.50")
    assert D(bs["assets"]) == D(bs["liabilities"]) + D(bs["equity"])
    assert bs["balanced"] is True
    # the comparative column: 2026-10-31, before depreciation and the fixed deposit
    assert D(bs["prior"]["assets"]) == D("1654999.50")
    assert D(bs["prior"]["equity"]) == D("754999.50")
    assets = {ln["gl_code"]: ln for ln in bs["sections"][0]["lines"] if ln["gl_code"]}
    # the contra account is a deduction
    assert assets["1590"]["name"].startswith("Less:")
    assert D(assets["1590"]["amount"]) == D("-10000.00")
    assert D(assets["1121"]["amount"]) == D("600000.00")
    subtotals = {
        ln["name"]: D(ln["amount"])
        for ln in bs["sections"][0]["lines"]
        if ln["style"] == "subtotal"
    }
    assert subtotals["Total cash and cash equivalents"] == D("1054999.50")
    assert subtotals["Net property and equipment"] == D("390000.00")
    assert [s["name"] for s in bs["sections"]] == ["assets", "liabilities", "equity"]
    books.ok("ledger", "verify")


def test_balance_sheet_ties_to_trial_balance(books: Any) -> None:
    net = tb_net(books, "2026-11-28")
    bs = books.ok("reports", "balance-sheet", "--as-of", "2026-11-28", "--compare", "2026-06-30")
    assert bs["compare_date"] == "2026-06-30"
    asset_net = sum((v for k, v in net.items() if k[0] == "1"), Decimal(0))
    assert D(bs["assets"]) == asset_net
    liab = -sum((v for k, v in net.items() if k[0] == "2"), Decimal(0))
    assert D(bs["liabilities"]) == liab
    earnings = -sum((v for k, v in net.items() if k[0] in "45"), Decimal(0))
    assert D(bs["current_year_earnings"]) == earnings


def test_income_statement_period_and_ytd(books: Any) -> None:
    inc = books.ok("reports", "income-statement", "--from", "2026-11-01", "--to", "2026-11-28")
    assert (D(inc["income"]), D(inc["expenses"]), D(inc["net"])) == (
        D("0.00"),
        D("10000.00"),
        D("-10000.00"),
    )
    assert inc["ytd_from"] == "2026-01-01"
    assert D(inc["ytd"]["income"]) == D("300000.00")
    assert D(inc["ytd"]["expenses"]) == D("55000.50")
    assert D(inc["ytd"]["net"]) == D("244999.50")


def test_cash_flow_reconciles_to_cash_and_bank(books: Any) -> None:
    cf = books.ok("reports", "cash-flow", "--from", "2026-01-01", "--to", "2026-11-28")
    assert D(cf["net_income"]) == D("244999.50")
    assert D(cf["operating"]) == D("254999.50")  # + depreciation added back
    assert D(cf["investing"]) == D("-600000.00")  # furniture and the fixed deposit
    assert D(cf["financing"]) == D("1400000.00")  # borrowing and reserve
    assert D(cf["opening_cash"]) == D("0.00")
    assert D(cf["closing_cash"]) == D("1054999.50")
    assert D(cf["net_change"]) == D(cf["closing_cash"]) - D(cf["opening_cash"])
    assert cf["reconciled"] is True
    net = tb_net(books, "2026-11-28")
    assert D(cf["closing_cash"]) == net["1110"] + net["1121"]
    # a window in the middle: opening cash is the balance the day before
    cf2 = books.ok("reports", "cash-flow", "--from", "2026-11-01", "--to", "2026-11-28")
    assert D(cf2["opening_cash"]) == D("1254999.50")
    assert D(cf2["net_change"]) == D("-200000.00")
    assert D(cf2["net_change"]) == D(cf2["closing_cash"]) - D(cf2["opening_cash"])


def test_general_ledger_running_balances_tie_to_trial_balance(books: Any) -> None:
    gl = books.ok("reports", "general-ledger", "--from", "2026-10-01", "--to", "2026-11-28")
    net = tb_net(books, "2026-11-28")
    for acct in gl["accounts"]:
        closing = D(acct["closing"])
        signed = closing if acct["normal_balance"] == "debit" else -closing
        assert signed == net.get(acct["gl_code"], Decimal(0)), acct["gl_code"]
        running = D(acct["opening"])
        for ln in acct["lines"]:
            delta = D(ln["debit"]) - D(ln["credit"])
            running += delta if acct["normal_balance"] == "debit" else -delta
            assert D(ln["balance"]) == running
        assert running == closing
    bank = books.ok(
        "reports",
        "general-ledger",
        "--from",
        "2026-10-01",
        "--to",
        "2026-11-28",
        "--account",
        "1121",
    )
    assert [a["gl_code"] for a in bank["accounts"]] == ["1121"]
    b = bank["accounts"][0]
    assert (D(b["opening"]), D(b["closing"])) == (D("500000.00"), D("600000.00"))
    assert [ln["entry_no"] for ln in b["lines"]] == ["JE00000004", "JE00000007"]
    r = books.cli("reports", "general-ledger", "--account", "9999", "--format", "json")
    assert r.exit_code == 3


def test_year_end_close_income_equals_change_in_retained_earnings(books: Any) -> None:
    env = {"COOPCTL_TODAY": "2027-01-15"}
    before = books.ok("reports", "balance-sheet", "--as-of", "2027-01-15", **env)
    # 2026 is not closed yet: its earnings are shown apart and the sheet still balances
    assert D(before["prior_years_unclosed_earnings"]) == D("244999.50")
    assert D(before["assets"]) == D(before["liabilities"]) + D(before["equity"])
    re_before = tb_net(books, "2026-12-31", **env).get("3300", Decimal(0))
    books.ok("ledger", "close-year", "2026", **env)
    re_after = tb_net(books, "2026-12-31", **env)["3300"]
    inc = books.ok(
        "reports", "income-statement", "--from", "2026-01-01", "--to", "2026-12-31", **env
    )
    assert D(inc["net"]) == D("244999.50")
    assert -(re_after - re_before) == D(inc["net"])  # retained earnings are credit-normal
    after = books.ok("reports", "balance-sheet", "--as-of", "2027-01-15", **env)
    assert D(after["prior_years_unclosed_earnings"]) == D("0.00")
    assert D(after["current_year_earnings"]) == D("0.00")
    assert D(after["assets"]) == D(after["liabilities"]) + D(after["equity"])
    assert D(after["equity"]) == D(before["equity"])
    eq = {ln["gl_code"]: D(ln["amount"]) for ln in after["sections"][2]["lines"] if ln["gl_code"]}
    assert eq["3300"] == D("244999.50")
    # the cash-flow statement across the close still shows the year's surplus
    cf = books.ok("reports", "cash-flow", "--from", "2026-01-01", "--to", "2027-01-15", **env)
    assert D(cf["net_income"]) == D("244999.50") and cf["reconciled"] is True
    books.ok("ledger", "verify", **env)


def test_reports_refuse_bad_input(books: Any) -> None:
    for args in (
        ("reports", "balance-sheet", "--as-of", "2026-13-01"),
        ("reports", "balance-sheet", "--format", "xlsx"),
        ("reports", "income-statement", "--from", "2026-11-28", "--to", "2026-11-01"),
        ("reports", "income-statement", "--as-of", "2026-11-01", "--from", "2026-10-01"),
        ("reports", "cash-forecast", "--weeks", "0"),
    ):
        r = books.cli(*args)
        assert r.exit_code == 2, (args, r.stdout, r.stderr)
    assert books.cli("reports", "kpis", operator="teller1").exit_code == 4
