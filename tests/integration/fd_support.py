"""Helpers for the fixed-deposit tests: a member with savings and a placed FD90."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from tests.conftest import Coop
from tests.integration.deposits_support import add_member, deposit, open_account

D = Decimal
PLACED = "2026-03-01"


def simple_interest(principal: str, rate: str, days: int, year: int = 365) -> Decimal:
    """Textbook simple interest P × r × t, rounded to the kobo (half-even)."""
    exact = D(principal) * D(rate) / 100 * D(days) / D(year)
    return exact.quantize(D("0.01"), ROUND_HALF_EVEN)


def ten_percent(amount: Decimal) -> Decimal:
    return (amount * D("0.10")).quantize(D("0.01"), ROUND_HALF_EVEN)


def member_with_fd(
    coop: Coop, first: str = "Chiamaka", *, maturity: str | None = None, amount: str = "100000"
) -> tuple[str, str, str]:
    """(member_no, savings account, fixed deposit) placed on 1 March 2026."""
    env = {"COOPCTL_TODAY": PLACED}
    m = add_member(coop, first, "Eze")
    sav = open_account(coop, m, "SAV", **env)
    args = ["accounts", "open", m, "--product", "FD90"]
    if maturity:
        args += ["--maturity", maturity]
    fd = str(coop.ok(*args, operator="teller1", **env)["account_no"])
    deposit(coop, fd, amount, "--date", PLACED, **env)
    return m, sav, fd


def jobs(coop: Coop, *args: Any, today: str, **env: str) -> Any:
    r = coop.cli("jobs", *args, "--format", "json", operator="system", COOPCTL_TODAY=today, **env)
    assert r.exit_code == 0, r.stderr
    return r.json


def month_ends(coop: Coop, *dates: str, **env: str) -> None:
    """Run the month-end job for each month's last day, the morning after."""
    from datetime import date, timedelta

    for d in dates:
        after = (date.fromisoformat(d) + timedelta(days=1)).isoformat()
        out = jobs(coop, "run", "month_end", "--date", d, today=after, **env)
        assert out["status"] in ("ok", "partial"), out


def gl_net(coop: Coop, code: str) -> Decimal:
    """Net balance of a GL account (debit − credit), from the ledger's own lines."""
    rows = coop.sql(
        "SELECT COALESCE(SUM(l.debit), 0), COALESCE(SUM(l.credit), 0) FROM journal_lines l"
        " JOIN journal_entries e ON e.id = l.entry_id JOIN gl_accounts g"
        " ON g.id = l.gl_account_id WHERE e.status = 'posted' AND g.code = :c",
        c=code,
    )
    dr, cr = rows[0]
    return (D(int(dr)) - D(int(cr))) / 100


def step(out: dict[str, Any], name: str, run: int = 0) -> dict[str, Any]:
    return next(s for s in out["runs"][run]["steps"] if s["step"] == name)
