"""Savings interest posted quarterly: January and February accrue to interest payable
(2210), March posts the quarter to the member and reverses the two accruals."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import Coop
from tests.integration.deposits_support import balance, verify
from tests.integration.fd_support import (
    gl_net,
    jobs,
    month_ends,
    simple_interest,
    step,
    ten_percent,
)
from tests.integration.jobs_support import JAN, saver

D = Decimal


def quarterly_product(coop: Coop) -> None:
    coop.ok(
        "products", "add", "QSV", "--kind", "savings", "--name", "Quarterly savings",
        "--rate", "12", "--interest-method", "daily_balance", "--days-in-year", "365",
        "--posting-frequency", "quarterly", "--min-interest-balance", "0",
        operator="manager1", **JAN,
    )  # fmt: skip


def accrual_entries(coop: Coop) -> list[tuple[str, str, bool]]:
    """(date, total, reversed?) of the posted savings accrual entries."""
    rows = coop.sql(
        "SELECT business_date, total, reversed_by_id FROM journal_entries"
        " WHERE idempotency_key LIKE 'accrue:QSV:%' AND status = 'posted'"
        " ORDER BY business_date"
    )
    return [(str(r[0])[:10], str(D(int(r[1])) / 100), r[2] is not None) for r in rows]


def test_quarterly_posting_reverses_the_month_end_accruals(coop: Coop) -> None:
    """Funmi keeps 100,000.00 in QSV (12 %, daily balance) from 1 January.

    January  31 days: 100,000 × 12 % × 31 / 365 = 1,019.1780… → 1,019.18 accrued
    February 28 days: 100,000 × 12 % × 28 / 365 =   920.5479… →   920.55 accrued
    March    31 days: 1,019.18; posted at the end of March for the quarter:
        gross 1,019.18 + 920.55 + 1,019.18 = 2,958.91, WHT 295.891 → 295.89,
        net 2,663.02 to Funmi; January's and February's accruals reversed.
    """
    quarterly_product(coop)
    acct = saver(coop, "Funmi", "100000", product="QSV")
    jan = simple_interest("100000", "12", 31)
    feb = simple_interest("100000", "12", 28)
    mar = simple_interest("100000", "12", 31)
    gross = jan + feb + mar
    wht = ten_percent(gross)
    assert (jan, feb, gross, wht, gross - wht) == (
        D("1019.18"), D("920.55"), D("2958.91"), D("295.89"), D("2663.02"),
    )  # fmt: skip

    month_ends(coop, "2026-01-31", "2026-02-28")
    assert gl_net(coop, "5100") == jan + feb  # the income statement sees each month
    assert gl_net(coop, "2210") == -(jan + feb)  # owed to savers, not yet credited
    assert balance(coop, acct) == D("100000")
    pack = coop.ok("reports", "run", "interest-accruals", "--as-of", "2026-02-28")
    assert [(r["month"], r["accrued"]) for r in pack["savings_accruals"]] == [
        ("2026-01", "1019.18"),
        ("2026-02", "920.55"),
    ]
    assert pack["savings"] == pack["gl_2210"] == "1939.73"
    verify(coop)

    out = jobs(coop, "run", "month_end", "--date", "2026-03-31", today="2026-04-01")
    assert step(out, "deposits.interest")["posted"] == 1
    assert step(out, "deposits.accrue")["posted"] == 2  # the two reversals
    assert gl_net(coop, "5100") == gross
    assert gl_net(coop, "2210") == D("0")
    assert gl_net(coop, "2220") == -wht
    assert balance(coop, acct) == D("100000") + gross - wht
    assert accrual_entries(coop) == [
        ("2026-01-31", "1019.18", True),
        ("2026-02-28", "920.55", True),
    ]
    after = coop.ok("reports", "run", "interest-accruals", "--as-of", "2026-03-31")
    assert (after["savings_accruals"], after["gl_2210"]) == ([], "0.00")
    verify(coop)

    again = jobs(coop, "run", "month_end", "--date", "2026-03-31", today="2026-04-01")
    assert again["posted"] == 0
    assert gl_net(coop, "5100") == gross and gl_net(coop, "2210") == D("0")
    verify(coop)


def test_interest_command_previews_and_posts_the_accrual(coop: Coop) -> None:
    """``accounts interest --month 2026-01`` on a quarterly product posts no interest but
    January's accrual; the dry run lists it and writes nothing."""
    quarterly_product(coop)
    saver(coop, "Ifeoma", "100000", product="QSV")
    env = {"COOPCTL_TODAY": "2026-02-01"}
    dry = coop.ok("accounts", "interest", "--month", "2026-01", "--dry-run", **env)
    assert [(a["product"], a["action"], a["amount"], a["status"]) for a in dry["accruals"]] == [
        ("QSV", "accrue", "1019.18", "preview")
    ]
    assert accrual_entries(coop) == []
    done = coop.ok("accounts", "interest", "--month", "2026-01", **env)
    assert done["posted"] == 0
    assert [a["status"] for a in done["accruals"]] == ["posted"]
    assert accrual_entries(coop) == [("2026-01-31", "1019.18", False)]
    again = coop.ok("accounts", "interest", "--month", "2026-01", **env)
    assert [a["status"] for a in again["accruals"]] == ["already_posted"]
    verify(coop)
