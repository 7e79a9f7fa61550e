"""`coopctl demo`: the README's first command runs a cooperative end to end, with the
books of a healthy cooperative and a proper year-end close."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.conftest import run_cli

D = Decimal


def _books(folder: Path, *args: str) -> Any:
    """Run a read command against the demo's own books (as its accountant)."""
    r = run_cli(
        [*args, "--format", "json"],
        {
            "COOPCTL_DATABASE_URL": f"sqlite:///{folder / 'coop.db'}",
            "COOPCTL_DATA_DIR": str(folder / "coop-data"),
            "COOPCTL_OPERATOR": "demo-accountant",
            "COOPCTL_TODAY": "2027-01-20",
        },
    )
    assert r.exit_code == 0, r.stderr
    return r.json


def test_demo_builds_verified_healthy_books_closes_the_year_and_writes_a_pack(
    isolated: Path,
) -> None:
    """Three months, October to December 2026, ended on 20 January 2027."""
    folder = isolated / "demo"
    r = run_cli(
        ["demo", "--dir", str(folder), "--members", "8", "--months", "3", "--format", "json"],
        {"COOPCTL_TODAY": "2027-01-20"},
    )
    assert r.exit_code == 0, r.stderr
    out = r.json
    assert out["members"] == 8 and out["ledger_verify_ok"] is True
    assert out["total_debit"] == out["total_credit"]
    assert out["entries"] > 8 * 2  # opening deposits at least
    assert out["loans"] >= 1
    assert Path(out["report_pdf"]).read_bytes().startswith(b"%PDF")
    assert Path(out["report_xlsx"]).stat().st_size > 0

    # healthy economics, read from the demo's own books
    year = _books(
        folder, "reports", "income-statement", "--from", "2026-01-01", "--to", "2026-12-31"
    )
    amounts = {ln["gl_code"]: D(ln["amount"]) for s in year["sections"] for ln in s["lines"]}
    loan_income, savings_cost = amounts.get("4100", D(0)), amounts.get("5100", D(0))
    assert savings_cost > 0 and loan_income > savings_cost, (loan_income, savings_cost)
    assert D(year["net"]) > 0
    kpis = _books(folder, "reports", "kpis", "--as-of", "2026-12-31")
    assert D(kpis["par30"]) < 10

    # December closed the year: every month closed, one closing entry on 31 December
    # that carries the year's surplus to retained earnings (3300)
    db = sqlite3.connect(folder / "coop.db")
    months = db.execute("SELECT month, status FROM periods WHERE year = 2026").fetchall()
    assert dict(months)[12] == "closed" and {s for _, s in months} == {"closed"}
    closing = db.execute(
        "SELECT e.business_date, l.credit - l.debit FROM journal_entries e "
        "JOIN journal_lines l ON l.entry_id = e.id JOIN gl_accounts g ON g.id = l.gl_account_id "
        "WHERE e.kind = 'year_close' AND g.code = '3300'"
    ).fetchall()
    db.close()
    assert len(closing) == 1 and closing[0][0] == "2026-12-31"
    assert D(closing[0][1]) / 100 == D(year["net"])

    # a second run into the same folder is refused and changes nothing
    again = run_cli(["demo", "--dir", str(folder), "--members", "3"], {})
    assert again.exit_code == 5
