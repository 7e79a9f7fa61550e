"""`coopctl demo --from-golive`: the demo starts from go-live spreadsheets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import run_cli


def test_demo_from_golive_reconciles_and_runs_on(isolated: Path) -> None:
    folder = isolated / "demo"
    r = run_cli(
        ["demo", "--dir", str(folder), "--members", "6", "--months", "1", "--from-golive",
         "--format", "json"],
        {"COOPCTL_TODAY": "2026-11-28"},
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = r.json
    assert out["members"] == 6 and out["ledger_verify_ok"] is True
    assert out["total_debit"] == out["total_credit"]
    con = sqlite3.connect(folder / "coop.db")
    try:
        (status,) = con.execute("SELECT status FROM golive_state").fetchone()
        kinds = [k for (k,) in con.execute("SELECT kind FROM golive_imports ORDER BY id")]
        (opening,) = con.execute(
            "SELECT COUNT(*) FROM journal_entries WHERE kind = 'opening_balance'"
        ).fetchone()
        (loans,) = con.execute(
            "SELECT COUNT(*) FROM loans WHERE purpose LIKE '%go-live%'"
        ).fetchone()
    finally:
        con.close()
    assert status == "finished"
    assert kinds == ["members", "accounts", "loans", "gl"]
    assert loans >= 1
    # one opening entry per product's accounts (SAV, SHR), one for the loans, one for the
    # trial balance (an entry holds up to ACCOUNTS_PER_ENTRY accounts or loans)
    assert opening == 2 + 1 + 1
    for kind in ("members", "accounts", "loans", "gl"):
        assert (folder / "golive" / f"{kind}.csv").is_file()
