"""Dividend benchmark: declare and pay a year's dividends for N members.

For each database (a SQLite file in /tmp; PostgreSQL in a scratch database made
and dropped from ``COOPCTL_BENCH_PG_URL``) it initialises a cooperative, brings in
N members each with a shares and a savings account through the go-live import
(opening balances on 2024-12-31), earns income in 2025, closes 2024-12 and the
year 2025, then times ``dividends declare --dry-run`` (read the share lines,
weight by month ends, split) and the declaration applied at once (appropriation
plus N member entries through ``post_many``; the workflow is switched off so no
checker is needed), and runs ``ledger verify``.

    python benchmarks/dividends.py [--members 20000] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from golive import _context, _name, _uow


def write_files(tmp: Path, n: int) -> tuple[Path, Path, Path]:
    members, accounts, gl = tmp / "members.csv", tmp / "accounts.csv", tmp / "gl.csv"
    shares = savings = Decimal(0)
    with members.open("w", newline="") as fm, accounts.open("w", newline="") as fa:
        wm, wa = csv.writer(fm), csv.writer(fa)
        wm.writerow(["legacy_id", "first_name", "last_name", "phone", "joined_on"])
        wa.writerow(["member", "product", "opening_balance", "opened_on"])
        for i in range(n):
            wm.writerow([f"L{i:06d}", "Ada", _name(i), f"0803{i:07d}", "2020-01-01"])
            s = Decimal(10000 + 1000 * ((i * 7919) % 300))
            v = Decimal(1000 + (i * 104729) % 50000) + Decimal(i % 100) / 100
            shares += s
            savings += v
            wa.writerow([f"L{i:06d}", "SHR", f"{s:.2f}", "2020-01-01"])
            wa.writerow([f"L{i:06d}", "SAV", f"{v:.2f}", "2020-01-01"])
    with gl.open("w", newline="") as fg:
        csv.writer(fg).writerows(
            [
                ["gl_code", "debit", "credit"],
                ["1121", f"{shares + savings:.2f}", "0"],
                ["2110", "0", f"{savings:.2f}"],
                ["3100", "0", f"{shares:.2f}"],
            ]
        )
    return members, accounts, gl


def run(url: str, n: int, label: str) -> None:
    from coopctl.core.checks import run as run_checks
    from coopctl.core.init_service import initialise
    from coopctl.dividends import service
    from coopctl.golive.service import import_file
    from coopctl.ledger.periods import close_period, close_year
    from coopctl.ledger.posting import post
    from coopctl.ledger.rules import EntryDraft, LineDraft

    tmp = Path(tempfile.mkdtemp(prefix="div-bench-"))
    os.environ["COOPCTL_DATA_DIR"] = str(tmp)
    os.environ["COOPCTL_TODAY"] = "2024-12-31"
    os.environ["COOPCTL_APPROVALS__DIVIDEND__ENABLED"] = "false"
    ctx = _context(url, tmp)
    initialise(ctx, name="Benchmark Cooperative", admin="admin")
    for kind, f in zip(("members", "accounts", "gl"), write_files(tmp, n), strict=True):
        with _uow(ctx) as u:
            import_file(u, kind, f)
            u.commit()
    os.environ["COOPCTL_TODAY"] = "2026-03-15"
    ctx = _context(url, tmp)
    with _uow(ctx) as u:
        post(u, EntryDraft(date(2025, 6, 30), "journal",
                           [LineDraft("1121", debit=Decimal(n) * 40000),
                            LineDraft("4200", credit=Decimal(n) * 40000)]))  # fmt: skip
        close_period(u, 2024, 12)
        close_year(u, 2025)
        u.commit()
    t0 = time.perf_counter()
    with _uow(ctx) as u:
        dry = service.declare(u, 2025, "10", dry_run=True)
    t_dry = time.perf_counter() - t0
    t0 = time.perf_counter()
    with _uow(ctx) as u:
        done = service.declare(u, 2025, "10")
        u.commit()
    t_apply = time.perf_counter() - t0
    with _uow(ctx) as u:
        problems = run_checks(u.session, groups=("ledger", "deposits", "loans"))
    print(f"  {label}: {len(dry['members']):,} members, dividends {dry['total_dividend']:,.2f}; "
          f"dry run {t_dry:.1f} s; declare + pay {t_apply:.1f} s ({done['status']}); "
          f"verify problems: {len(problems)}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=20_000)
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    a = ap.parse_args()
    print(f"load average before: {os.getloadavg()}")
    if a.only in (None, "sqlite"):
        db = Path(tempfile.mkdtemp(prefix="div-bench-db-")) / "coop.db"
        run(f"sqlite:///{db}", a.members, "sqlite")
    if a.only in (None, "postgresql"):
        import psycopg

        base = os.environ.get(
            "COOPCTL_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        name = f"div_bench_{uuid.uuid4().hex[:8]}"
        admin = base.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        try:
            run(base.rsplit("/", 1)[0] + f"/{name}", a.members, "postgresql")
        finally:
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
