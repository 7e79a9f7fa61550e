"""``coopctl demo --bulk``: a large cooperative built through the bulk services.

The story, at CI size: 300 members of the Federal Medical Centre's cooperative come
over from an old system on 1 October 2026 (members, savings and shares, 50 loans in
progress, the auditor's trial balance), then October and November run: the payroll
check-off on the 25th, provisioning and savings interest at month end, the close.

Written out, the bank account (GL 1121) must end at the auditor's opening bank
balance plus every check-off file's total — the only money that came in; interest
and provisions never touch the bank. Every member holds a savings and a shares
account; ``ledger verify`` passes and the trial balance agrees.

The 200,000-member, twelve-month build is marked ``slow`` and runs only with
``COOPCTL_RUN_SLOW=1`` (``pytest -m slow``); CI runs the small one.
"""

from __future__ import annotations

import csv
import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Coop, run_cli

TODAY = "2026-12-02"  # October and November 2026 are complete


def _build(coop: Coop, folder: Path, members: int, months: int) -> dict[str, Any]:
    args = ["demo", "--dir", str(folder), "--members", str(members), "--months", str(months),
            "--bulk", "--format", "json"]  # fmt: skip
    if coop.dialect == "postgresql":
        args = ["--db", coop.url, *args]
    r = run_cli(args, {"COOPCTL_TODAY": TODAY})
    assert r.exit_code == 0, r.stderr[-3000:]
    return dict(r.json)


def _url(coop: Coop, folder: Path) -> str:
    return coop.url if coop.dialect == "postgresql" else f"sqlite:///{folder / 'coop.db'}"


def _books(coop: Coop, folder: Path, *args: str) -> Any:
    url = _url(coop, folder)
    r = run_cli(
        [*args, "--format", "json"],
        {
            "COOPCTL_DATABASE_URL": url,
            "COOPCTL_DATA_DIR": str(folder / "coop-data"),
            "COOPCTL_OPERATOR": "demo-accountant",
            "COOPCTL_TODAY": TODAY,
        },
    )
    assert r.exit_code == 0, r.stderr
    return r.json


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", "")) if text else Decimal(0)


def test_small_bulk_demo_balances_and_verifies(empty_db: Coop, isolated: Path) -> None:
    coop, folder = empty_db, isolated / "big"
    out = _build(coop, folder, 300, 2)
    assert out["members"] == 300 and out["months"] == 2
    assert out["loans"] == 300 // 6  # the go-live's loans in progress
    assert out["ledger_verify_ok"] is True
    assert out["total_debit"] == out["total_credit"]
    assert out["commands_run"] < 40  # batches, not one command per member
    assert set(out["timings_s"]) >= {"golive_members", "checkoff", "interest", "verify"}

    # The bank: opening balance + the two check-off files' totals, by formula.
    with (folder / "golive" / "gl.csv").open(newline="", encoding="utf-8") as fh:
        opening = {row["gl_code"]: row for row in csv.DictReader(fh)}
    bank_open = _money(opening["1121"]["debit"]) - _money(opening["1121"]["credit"])
    files = sorted(folder.glob("checkoff-*.csv"))
    assert [f.name for f in files] == ["checkoff-2026-10.csv", "checkoff-2026-11.csv"]
    paid = Decimal(0)
    lines = 0
    for f in files:
        with f.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                paid += Decimal(row["amount"])
                lines += 1
    assert 200 <= lines // 2 <= 280  # about 80 % of the members are salaried
    tb = _books(coop, folder, "ledger", "trial-balance", "--as-of", "2026-11-30")
    net = {r["gl_code"]: Decimal(r["debit"]) - Decimal(r["credit"]) for r in tb["rows"]}
    assert net["1121"] == bank_open + paid

    # Savings interest was credited in both months (GL 5100, interest on savings).
    inc = _books(coop, folder, "reports", "income-statement", "--from", "2026-10-01",
                 "--to", "2026-11-30")  # fmt: skip
    amounts = {ln["gl_code"]: Decimal(ln["amount"]) for s in inc["sections"] for ln in s["lines"]}
    assert amounts.get("5100", Decimal(0)) > 0

    # Every member holds a savings and a shares account; both months are closed.
    accounts = _books(coop, folder, "accounts", "list", "--limit", "100000")
    kinds: dict[str, set[str]] = {}
    for a in accounts:
        kinds.setdefault(a["member_no"], set()).add(a["product"])
    assert len(kinds) == 300 and all({"SAV", "SHR"} <= k for k in kinds.values())
    from sqlalchemy import create_engine, text

    eng = create_engine(_url(coop, folder))
    try:
        with eng.connect() as c:
            closed = c.execute(
                text("SELECT year, month FROM periods WHERE status = 'closed'")
            ).all()
    finally:
        eng.dispose()
    assert {(2026, 10), (2026, 11)} <= {(int(y), int(m)) for y, m in closed}


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("COOPCTL_RUN_SLOW") != "1", reason="the 200,000-member build: COOPCTL_RUN_SLOW=1"
)
def test_200000_members_twelve_months_in_ten_minutes(empty_db: Coop, isolated: Path) -> None:
    t0 = time.perf_counter()
    out = _build(empty_db, isolated / "big", 200_000, 12)
    took = time.perf_counter() - t0
    assert out["ledger_verify_ok"] is True and out["members"] == 200_000
    assert took <= 600, f"{took:.0f} s; timings {out['timings_s']}"


def test_bulk_sizes_and_refusals(isolated: Path) -> None:
    too_many = run_cli(["demo", "--dir", str(isolated / "d"), "--members", "5001"], {})
    assert too_many.exit_code == 2 and "5,000" in too_many.stderr
    both = run_cli(["demo", "--dir", str(isolated / "d"), "--bulk", "--from-golive"], {})
    assert both.exit_code == 2 and "--from-golive" in both.stderr
    huge = run_cli(["demo", "--dir", str(isolated / "d"), "--bulk", "--members", "1000001"], {})
    assert huge.exit_code == 2 and "1,000,000" in huge.stderr
    assert not (isolated / "d").exists()  # refused before anything was built
