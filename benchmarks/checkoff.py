"""Payroll check-off benchmark: a file of N lines imported as one balanced entry.

For each database (a SQLite file in /tmp; PostgreSQL in a scratch database made
and dropped from ``COOPCTL_BENCH_PG_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) it initialises a
cooperative, brings in N members with a savings account each through the go-live
templates (the bulk services), registers the payroll bank, writes a check-off CSV
of N lines (``member_no,amount``) and times
:func:`coopctl.workflows.checkoff.import_file` with its commit — parse, resolve,
split, post through ``post_many``, record the import. ``ledger verify`` must pass.

Baseline: the per-line path — each line checked on its own (``guards.check_credit``
with its own queries, the member's loans asked one member at a time) and the entry
posted through ``post`` (ORM lines, one account row updated at a time) — timed on a
sample of the same file and extrapolated to N lines.

    python benchmarks/checkoff.py [--lines 20000] [--sample 1000] [--only sqlite|postgresql]

Prints wall time, this process's CPU time, lines/s and the load average.
Target: 20,000 lines in ≤ 3 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

TARGET = 3.0  # seconds for 20,000 lines
GOLIVE = "2026-11-01"
TODAY = "2026-11-28"


def _context(url: str, data_dir: Path) -> Any:
    from coopctl.core import config
    from coopctl.core.context import AppContext

    settings = config.load(None, db_url=url)
    settings.data_dir_override = str(data_dir)
    settings.extra["key_file"] = str(data_dir / "secret.key")
    return AppContext(settings=settings)


def _uow(ctx: Any) -> Any:
    from coopctl.core.security import load_operator

    u = ctx.uow(as_current=False)
    base = type(u)

    class _AsAdmin(base):  # type: ignore[misc, valid-type]
        def __enter__(self) -> Any:  # ``with`` looks __enter__ up on the class
            res = super().__enter__()
            res.operator = load_operator(res.session, "admin")
            return res

    u.__class__ = _AsAdmin
    return u


def _name(i: int) -> str:
    letters = ""
    while True:
        i, r = divmod(i, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[r]
        if i == 0:
            return "Okon" + letters


def setup(ctx: Any, tmp: Path, n: int) -> list[str]:
    """N members with an SAV account each (go-live templates); the GTB bank. Returns
    the member numbers."""
    from sqlalchemy import select

    from coopctl.golive.service import import_file
    from coopctl.members.models import Member
    from coopctl.recon.banks import add_bank

    members, accounts = tmp / "members.csv", tmp / "accounts.csv"
    with members.open("w", newline="") as fm, accounts.open("w", newline="") as fa:
        wm, wa = csv.writer(fm), csv.writer(fa)
        wm.writerow(["legacy_id", "first_name", "last_name", "phone", "joined_on"])
        wa.writerow(["member", "product", "opening_balance", "opened_on"])
        for i in range(n):
            wm.writerow([f"L{i:06d}", "Ada", _name(i), f"0803{i:07d}", "2020-01-01"])
            wa.writerow([f"L{i:06d}", "SAV", "1000.00", "2020-01-01"])
    os.environ["COOPCTL_TODAY"] = GOLIVE
    for kind, f in (("members", members), ("accounts", accounts)):
        with _uow(ctx) as u:
            import_file(u, kind, f)
            u.commit()
    os.environ["COOPCTL_TODAY"] = TODAY
    with _uow(ctx) as u:
        add_bank(u, "GTB", "1121", name="GTB current")
        nos = list(u.session.scalars(select(Member.member_no).order_by(Member.id)))
        u.commit()
    return nos


def write_file(path: Path, numbers: list[str]) -> Decimal:
    total = Decimal(0)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["member_no", "amount"])
        for i, no in enumerate(numbers):
            amount = Decimal(5_000 + (i * 7919) % 50_000) + Decimal(i % 100) / 100
            total += amount
            w.writerow([no, f"{amount:.2f}"])
    return total


def per_line_baseline(ctx: Any, tmp: Path, numbers: list[str]) -> float:
    """Seconds per line of the per-line path on ``numbers`` (rolled back)."""
    from sqlalchemy import select

    from coopctl.deposits import checkoff, guards
    from coopctl.ledger.models import Account
    from coopctl.ledger.posting import post
    from coopctl.ledger.rules import EntryDraft, LineDraft
    from coopctl.loans import shared as shared_loans
    from coopctl.members.models import Member

    f = tmp / "sample.csv"
    total = write_file(f, numbers)
    t0 = time.perf_counter()
    with _uow(ctx) as u:
        parsed = checkoff.parse_file(f.read_text(), f.name)
        lines = [LineDraft("1121", debit=total)]
        for ln in parsed.lines:
            m = u.session.scalars(select(Member).where(Member.member_no == ln.member_no)).one()
            sav = u.session.scalars(
                select(Account).where(Account.member_id == m.id, Account.product_code == "SAV")
            ).one()
            dues = shared_loans.member_dues(u, m.id, u.today())
            split = checkoff.split_by_priority(
                ln.amount, priority=["loan_due", "savings"], loan_dues=dues
            )
            guards.check_credit(u, sav, m, split.savings)
            lines.append(LineDraft("2110", credit=split.savings, account_no=sav.account_no))
        post(u, EntryDraft(u.today(), "checkoff", lines, idempotency_key=f"base:{uuid.uuid4()}"))
        u.session.flush()
        elapsed = time.perf_counter() - t0
        u.rollback()
    return elapsed / len(numbers)


def verify(ctx: Any) -> None:
    from coopctl.core import checks

    with _uow(ctx) as u:
        problems = checks.run(u.session, groups=("ledger", "deposits"))
    if problems:
        for p in problems[:10]:
            print(f"  PROBLEM {p.check}: {p.detail}", file=sys.stderr)
        raise SystemExit("ledger verify failed after the benchmark")


def run(url: str, n: int, sample: int, label: str) -> dict[str, Any]:
    from coopctl.core.db import dispose_engines
    from coopctl.core.init_service import initialise
    from coopctl.workflows.checkoff import import_file

    tmp = Path(tempfile.mkdtemp(prefix="checkoff-bench-"))
    os.environ["COOPCTL_DATA_DIR"] = str(tmp)
    ctx = _context(url, tmp)
    os.environ["COOPCTL_TODAY"] = GOLIVE
    initialise(ctx, name="Benchmark Cooperative", admin="admin")
    t0 = time.perf_counter()
    numbers = setup(ctx, tmp, n + sample)
    setup_s = time.perf_counter() - t0
    print(f"  {label}: set-up ({n + sample:,} members and accounts) {setup_s:.1f} s")
    f = tmp / "payroll.csv"
    total = write_file(f, numbers[:n])
    t0, c0 = time.perf_counter(), time.process_time()
    with _uow(ctx) as u:
        res = import_file(u, f, bank="GTB", ref="NOV-PAYROLL", total=total)
        u.commit()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert res["members"] == n and res["status"] == "posted", res["status"]
    verify(ctx)
    per = per_line_baseline(ctx, tmp, numbers[n:]) if sample else float("nan")
    dispose_engines()
    print(
        f"  {label}: {n:,} lines in {wall:.2f} s (CPU {cpu:.2f} s), {n / wall:,.0f} lines/s; "
        f"per-line path {per * 1000:.2f} ms/line → {per * n:.1f} s for {n:,} "
        f"({per * n / wall:.0f}× slower); target ≤ {TARGET:.0f} s for 20,000: "
        f"{'OK' if wall * 20_000 / n <= TARGET else 'SLOW'}"
    )
    return {"db": label, "lines": n, "wall": wall, "cpu": cpu, "per_line_s": per}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=20_000)
    ap.add_argument("--sample", type=int, default=1_000, help="baseline sample (0: skip)")
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    a = ap.parse_args(argv)
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    results = []
    if a.only in (None, "sqlite"):
        db = Path(tempfile.mkdtemp(prefix="checkoff-bench-db-")) / "coop.db"
        results.append(run(f"sqlite:///{db}", a.lines, a.sample, "sqlite"))
    if a.only in (None, "postgresql"):
        import psycopg

        base = os.environ.get(
            "COOPCTL_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        name = f"checkoff_bench_{uuid.uuid4().hex[:8]}"
        admin = base.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        try:
            url = base.rsplit("/", 1)[0] + f"/{name}"
            results.append(run(url, a.lines, a.sample, "postgresql"))
        finally:
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    ok = all(r["wall"] * 20_000 / r["lines"] <= TARGET for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
