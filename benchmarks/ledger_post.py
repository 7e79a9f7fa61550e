"""Ledger posting benchmark: bulk (``post_many``) and one at a time (``post``).

For each database (a SQLite file in /tmp, and a scratch PostgreSQL database
created and dropped from ``COOPCTL_BENCH_PG_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) it initialises a
cooperative, opens member savings accounts, then:

* bulk: posts N two-line entries (month-end interest: Dr 5100 Interest expense /
  Cr 2110 Members' savings, one member account each) through ``post_many`` in
  one unit of work, and re-runs the same batch (idempotency: nothing posted);
* single: posts M deposits (Dr 1110 Cash / Cr 2110 member account) through
  ``post``, each in its own unit of work and commit, like a teller;
* runs ``ledger verify`` and fails loudly if the books do not agree.

It prints entries/s for bulk (and the ratio to the 10,000 entries/s target)
and p50/p95 single-entry latency.

    python benchmarks/ledger_post.py [--entries 100000] [--singles 2000]
                                     [--accounts 10000] [--only sqlite|postgresql]
                                     [--pg-routes copy,executemany]

The machine's load average is printed before and after: on a shared host the
figures scale with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

TARGET = 10_000  # entries/s in bulk
TODAY = date(2026, 11, 28)


def _context(url: str, data_dir: Path) -> Any:
    from coopctl.core import config
    from coopctl.core.context import AppContext

    settings = config.load(None, db_url=url)
    settings.data_dir_override = str(data_dir)
    return AppContext(settings=settings)


def _uow(ctx: Any, operator: str = "system") -> Any:
    from coopctl.core.security import load_operator

    u = ctx.uow(as_current=False)
    orig = u.__enter__

    def enter() -> Any:
        res = orig()
        res.operator = load_operator(res.session, operator)
        return res

    u.__enter__ = enter
    return u


def setup(url: str, data_dir: Path, n_accounts: int) -> tuple[Any, list[str]]:
    """A fresh cooperative with a ``system`` operator and ``n_accounts`` member accounts.

    The accounts sit on the savings control GL (2110) but with kind ``bench``,
    so the deposits context's own checks (product details) leave them alone.
    """
    from sqlalchemy import insert, select

    from coopctl.core import clock
    from coopctl.core.init_service import initialise
    from coopctl.core.models import Operator
    from coopctl.core.money import ZERO
    from coopctl.ledger.models import Account, GLAccount

    os.environ["COOPCTL_DATA_DIR"] = str(data_dir)
    ctx = _context(url, data_dir)
    initialise(ctx, name="Benchmark Cooperative", admin="admin")
    numbers = [f"BS{i:08d}" for i in range(n_accounts)]
    with ctx.engine.begin() as conn:
        conn.execute(
            insert(Operator),
            [
                {
                    "username": "system",
                    "full_name": "",
                    "role": "system",
                    "status": "active",
                    "otp_failures": 0,
                    "locked": False,
                    "created_at": clock.utcnow(),
                }
            ],
        )
        gl = conn.execute(select(GLAccount.id).where(GLAccount.code == "2110")).scalar_one()
        now = clock.utcnow()
        conn.execute(
            insert(Account),
            [
                {
                    "account_no": no,
                    "member_id": None,
                    "kind": "bench",
                    "product_code": "BENCH",
                    "gl_account_id": gl,
                    "status": "active",
                    "balance": ZERO,
                    "held": ZERO,
                    "floor": ZERO,
                    "opened_on": TODAY - timedelta(days=400),
                    "closed_on": None,
                    "created_at": now,
                }
                for no in numbers
            ],
        )
    return ctx, numbers


def interest_drafts(numbers: list[str], n: int, run: str) -> list[Any]:
    from coopctl.ledger.rules import EntryDraft, LineDraft

    out = []
    for i in range(n):
        no = numbers[i % len(numbers)]
        amt = Decimal(100 + (i * 7919) % 90_000) / 100  # 1.00 … 900.99
        out.append(
            EntryDraft(
                business_date=TODAY - timedelta(days=i % 27),
                kind="interest",
                narration="Savings interest",
                idempotency_key=f"bench:{run}:interest:{i}",
                lines=[
                    LineDraft("5100", debit=amt),
                    LineDraft("2110", credit=amt, account_no=no),
                ],
            )
        )
    return out


def bench_bulk(ctx: Any, drafts: list[Any], route: str) -> tuple[float, int, float]:
    from coopctl.ledger.bulk import post_many

    t0 = time.perf_counter()
    with _uow(ctx) as u:
        res = post_many(u, drafts, route=route)
        u.commit()
    elapsed = time.perf_counter() - t0
    assert res.posted == len(drafts), res
    t0 = time.perf_counter()
    with _uow(ctx) as u:
        again = post_many(u, drafts, route=route)
        u.commit()
    rerun = time.perf_counter() - t0
    assert again.posted == 0 and again.skipped_existing == len(drafts), again
    return elapsed, res.posted, rerun


def bench_single(ctx: Any, numbers: list[str], n: int) -> list[float]:
    from coopctl.ledger.posting import post
    from coopctl.ledger.rules import EntryDraft, LineDraft

    lat = []
    for i in range(n):
        amt = Decimal(5_000 + (i * 104_729) % 500_000) / 100
        d = EntryDraft(
            business_date=TODAY,
            kind="deposit",
            narration="Cash deposit",
            idempotency_key=f"bench:single:{i}",
            lines=[
                LineDraft("1110", debit=amt),
                LineDraft("2110", credit=amt, account_no=numbers[(i * 31) % len(numbers)]),
            ],
        )
        t0 = time.perf_counter()
        with _uow(ctx) as u:
            post(u, d)
            u.commit()
        lat.append(time.perf_counter() - t0)
    return lat


def verify(ctx: Any) -> None:
    from coopctl.core import checks

    with _uow(ctx, "admin") as u:
        problems = checks.run(u.session, groups=("ledger", "deposits", "loans"))
    if problems:
        for p in problems[:10]:
            print(f"  PROBLEM {p.check}: {p.detail}", file=sys.stderr)
        raise SystemExit("ledger verify failed after the benchmark")


def run_one(
    name: str, url: str, args: argparse.Namespace, route: str, singles: int, primary: bool
) -> dict[str, Any]:
    from coopctl.core.db import dispose_engines

    with tempfile.TemporaryDirectory(prefix="coopctl-bench-") as tmp:
        ctx, numbers = setup(url, Path(tmp) / "data", args.accounts)
        drafts = interest_drafts(numbers, args.entries, uuid.uuid4().hex[:6])
        elapsed, posted, rerun = bench_bulk(ctx, drafts, route)
        lat = bench_single(ctx, numbers, singles) if singles else []
        verify(ctx)
        dispose_engines()
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [float("nan")] * 99
    rate = posted / elapsed
    return {
        "db": f"{name}/{route}",
        "primary": primary,
        "bulk_entries": posted,
        "bulk_seconds": elapsed,
        "bulk_rate": rate,
        "ratio": rate / TARGET,
        "rerun_seconds": rerun,
        "singles": len(lat),
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "single_rate": len(lat) / sum(lat) if lat else float("nan"),
    }


def _pg_admin(base_url: str, sql: str) -> None:
    from sqlalchemy import create_engine

    eng = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as c:
            c.exec_driver_sql(sql)
    finally:
        eng.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--singles", type=int, default=2_000)
    ap.add_argument("--accounts", type=int, default=10_000)
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    ap.add_argument(
        "--pg-routes",
        default="copy",
        help="PostgreSQL bulk routes to time, comma-separated: copy, executemany",
    )
    args = ap.parse_args(argv)
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    os.environ["COOPCTL_TODAY"] = TODAY.isoformat()
    os.environ.setdefault("COOPCTL_OPERATOR", "system")
    results = []
    if args.only in (None, "sqlite"):
        path = Path(tempfile.gettempdir()) / f"coopctl-bench-{os.getpid()}.db"
        try:
            results.append(
                run_one("sqlite", f"sqlite:///{path}", args, "executemany", args.singles, True)
            )
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    if args.only in (None, "postgresql"):
        from sqlalchemy.engine import make_url

        base = os.environ.get(
            "COOPCTL_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        for n, route in enumerate(r.strip() for r in args.pg_routes.split(",")):
            name = f"coopctl_bench_{os.getpid()}_{n}"
            _pg_admin(base, f'CREATE DATABASE "{name}"')
            try:
                url = make_url(base).set(database=name).render_as_string(hide_password=False)
                singles = args.singles if n == 0 else 0
                results.append(run_one("postgresql", url, args, route, singles, n == 0))
            finally:
                _pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    print(
        f"{'db/route':<22} {'bulk entries':>12} {'seconds':>8} {'entries/s':>10} {'vs 10k':>7} "
        f"{'re-run s':>8} {'singles':>7} {'p50 ms':>7} {'p95 ms':>7} {'single/s':>8}"
    )
    ok = True
    for r in results:
        print(
            f"{r['db']:<22} {r['bulk_entries']:>12,} {r['bulk_seconds']:>8.2f} "
            f"{r['bulk_rate']:>10,.0f} {r['ratio']:>6.2f}x {r['rerun_seconds']:>8.2f} "
            f"{r['singles']:>7,} {r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f} "
            f"{r['single_rate']:>8,.0f}"
        )
        if r["primary"]:  # the first route of each database (the others are comparisons)
            ok = ok and r["bulk_rate"] >= TARGET
    print("bulk target (>= 10,000 entries/s, default routes):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
