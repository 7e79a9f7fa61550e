"""Helpers for the job runner tests: a 12 % daily-balance savings product and savers."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from tests.conftest import Coop
from tests.integration.deposits_support import add_member, deposit, open_account

D = Decimal
JAN = {"COOPCTL_TODAY": "2026-01-01"}


def daily_balance_interest(balance: Decimal, rate_percent: Decimal, days: int) -> Decimal:
    """Textbook simple interest on a constant balance: balance × rate × days / 365."""
    return (balance * rate_percent / 100 * days / 365).quantize(D("0.01"), ROUND_HALF_EVEN)


def hi_yield_product(coop: Coop) -> None:
    coop.ok(
        "products",
        "add",
        "HYS",
        "--kind",
        "savings",
        "--name",
        "High-yield savings",
        "--rate",
        "12",
        "--interest-method",
        "daily_balance",
        "--days-in-year",
        "365",
        "--posting-frequency",
        "monthly",
        "--min-interest-balance",
        "0",
        operator="manager1",
        **JAN,
    )


def saver(coop: Coop, first: str, amount: str, product: str = "HYS") -> str:
    m = add_member(coop, first, "Saver")
    acct = open_account(coop, m, product, **JAN)
    deposit(coop, acct, amount, "--date", "2026-01-01", **JAN)
    return acct


def jobs(coop: Coop, *args: Any, today: str, **env: str) -> Any:
    """``coopctl jobs ...`` as the batch operator on business date ``today``."""
    return coop.cli(
        "jobs", *args, "--format", "json", operator="system", COOPCTL_TODAY=today, **env
    )


def interest_entries(coop: Coop) -> list[tuple[str, str]]:
    """(account_no, credited amount) of every savings-interest line, sorted."""
    rows = coop.sql(
        "SELECT a.account_no, l.credit FROM journal_lines l"
        " JOIN journal_entries e ON e.id = l.entry_id JOIN accounts a ON a.id = l.account_id"
        " WHERE e.kind = 'interest' AND e.status = 'posted' ORDER BY a.account_no"
    )
    return [(str(r[0]), str((D(int(r[1])) / 100).quantize(D("0.01")))) for r in rows]
