"""Benchmark: month-end savings interest through the job runner, end to end.

    python benchmarks/interest.py [--accounts 200000] [--transactions 3000000]
                                  [--pg-url postgresql+psycopg://postgres@127.0.0.1/postgres]
                                  [--scalar-sample 500] [--no-check] [--only sqlite|postgresql]

Builds a cooperative (``init``) and bulk-inserts, through the ledger's own
draft → posted flip (so the database triggers check every entry): ``--accounts``
SAV savings accounts with an opening deposit on 31 Dec 2025, then
``--transactions`` deposits and withdrawals spread over January 2026 (grouped
like check-off batches: one bank line and up to 1,000 member lines per entry).
Then times ``jobs run deposits.interest --date 2026-01-31`` (the month_end
job's interest step: bulk read, Polars computation, posting per chunk of
``jobs.chunk_size`` accounts) end to end.

The baseline is the step's scalar path as the job runner defines items (each
item in its own transaction): per account, read its balances (two queries),
``deposits.interest.month_interest`` and ``withholding``, post its one entry
through ``ledger.posting.post`` (the single-entry path, with its audit record)
and commit. It runs on a random sample of ``--scalar-sample`` accounts of a copy
of the database taken before the step (SQLite: the file, through SQLite's backup
API; PostgreSQL: ``CREATE DATABASE … TEMPLATE``), so it neither disturbs nor
is disturbed by the bulk run; its time per account is extrapolated to every
account (the output says so), and its posted entries (gross, net) are compared
with the bulk run's for the same accounts. The read-and-compute-only time per
account (no posting) is printed too, for transparency; the ratio is against the
end-to-end path.

Every posted net credit is also compared with the scalar reference computed
from the generated data (``--no-check`` skips that). Prints the times and the
ratio, and a ``BENCH-RESULT`` line per database for ``benchmarks/run_all.py``;
targets ≤ 15 s end to end on SQLite and ≥ 30× the scalar path.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.interest_scalar import (
    MONTH_END,
    _ctx,
    _posted,
    _sample,
    bench_compute_only,
    bench_scalar_posting,
    copy_pg,
    copy_sqlite,
)

TARGET_S = 15.0
TARGET_RATIO = 30.0
LINES_PER_ENTRY = 1000


def generate(
    url: str, data_dir: Path, n_accounts: int, n_tx: int, seed: int = 11
) -> dict[int, Any]:
    """Initialise and fill the database; returns {account_id: (opening, [(day, delta)])} in kobo."""
    from sqlalchemy import select, text

    from coopctl.core.init_service import initialise
    from coopctl.core.models import Operator
    from coopctl.deposits.models import DepositProduct
    from coopctl.ledger.models import GLAccount

    os.environ["COOPCTL_DATA_DIR"] = str(data_dir)
    ctx = _ctx(url, data_dir)
    initialise(ctx, name="Benchmark Cooperative", admin="admin")
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    pg = ctx.engine.dialect.name == "postgresql"
    with ctx.engine.begin() as c:
        c.execute(
            Operator.__table__.insert(),
            [
                {
                    "username": "system",
                    "full_name": "",
                    "role": "system",
                    "status": "active",
                    "otp_failures": 0,
                    "locked": False,
                    "created_at": now,
                }
            ],
        )
        gl = dict(c.execute(select(GLAccount.code, GLAccount.id)).all())
        sav = c.execute(select(DepositProduct).where(DepositProduct.code == "SAV")).one()
        control = c.execute(
            select(GLAccount.code).where(GLAccount.id == sav.control_gl_id)
        ).scalar_one()
        base = int(c.execute(text("SELECT COALESCE(MAX(id), 0) FROM accounts")).scalar_one())
        ebase = int(
            c.execute(text("SELECT COALESCE(MAX(id), 0) FROM journal_entries")).scalar_one()
        )
    ids = list(range(base + 1, base + n_accounts + 1))
    accounts = [
        (i, f"B{i:09d}", "savings", "SAV", gl[control], "active", 0, 0, 0, date(2025, 12, 1), now)
        for i in ids
    ]
    deposit_accounts = [(i, sav.id, int(sav.annual_rate * 10000)) for i in ids]
    bal = {i: 0 for i in ids}
    moves: dict[int, Any] = {}
    entries: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    eid = ebase

    def batch(d: date, members: list[tuple[int, int]]) -> None:
        nonlocal eid
        eid += 1
        net = sum(delta for _, delta in members)
        debits = sum(-dl for _, dl in members if dl < 0) + (net if net > 0 else 0)
        entries.append(
            (eid, d, "deposit", "BENCH", "Benchmark batch", "draft", "admin", debits, now)
        )
        lines.append((eid, 1, gl["1110"], None, net if net > 0 else 0, -net if net < 0 else 0, ""))
        for n, (acct, delta) in enumerate(members, 2):
            lines.append(
                (
                    eid,
                    n,
                    gl[control],
                    acct,
                    -delta if delta < 0 else 0,
                    delta if delta > 0 else 0,
                    "",
                )
            )

    opening_day = date(2025, 12, 31)
    for k in range(0, n_accounts, LINES_PER_ENTRY):
        chunk = []
        for i in ids[k : k + LINES_PER_ENTRY]:
            amt = rnd.randint(1_000_00, 500_000_00)
            bal[i] += amt
            moves[i] = [amt, []]
            chunk.append((i, amt))
        batch(opening_day, chunk)
    per_day = n_tx // 31
    for day in range(1, 32):
        d = date(2026, 1, day)
        todo = per_day + (n_tx - per_day * 31 if day == 31 else 0)
        chunk = []
        for _ in range(todo):
            i = ids[rnd.randrange(n_accounts)]
            amt = rnd.randint(100_00, 50_000_00)
            delta = -amt if rnd.random() < 0.3 and bal[i] >= amt else amt
            bal[i] += delta
            moves[i][1].append((d, delta))
            chunk.append((i, delta))
            if len(chunk) == LINES_PER_ENTRY:
                batch(d, chunk)
                chunk = []
        if chunk:
            batch(d, chunk)
    _load(ctx, pg, accounts, deposit_accounts, entries, lines, bal)
    ctx.engine.dispose()
    return moves


def _load(
    ctx: Any,
    pg: bool,
    accounts: Any,
    deposit_accounts: Any,
    entries: Any,
    lines: Any,
    bal: dict[int, int],
) -> None:
    acols = (
        "id, account_no, kind, product_code, gl_account_id, status, balance, held, floor, "
        "opened_on, created_at"
    )
    ecols = "id, business_date, kind, reference, narration, status, maker, total, created_at"
    lcols = "entry_id, line_no, gl_account_id, account_id, debit, credit, memo"
    raw = ctx.engine.raw_connection()
    try:
        cur = raw.cursor()
        if pg:
            for table, cols, rows in (
                ("accounts", acols, accounts),
                ("deposit_accounts", "account_id, product_id, annual_rate", deposit_accounts),
                ("journal_entries", ecols, entries),
                ("journal_lines", lcols, lines),
            ):
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as cp:
                    for r in rows:
                        cp.write_row(r)
            cur.execute(
                "UPDATE journal_entries SET status = 'posted', posted_at = created_at"
                " WHERE status = 'draft'"
            )
            cur.execute("CREATE TEMP TABLE bench_bal (id bigint, balance bigint)")
            with cur.copy("COPY bench_bal (id, balance) FROM STDIN") as cp:
                for r in bal.items():
                    cp.write_row(r)
            cur.execute(
                "UPDATE accounts a SET balance = b.balance FROM bench_bal b WHERE a.id = b.id"
            )
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('journal_entries','id'),"
                " (SELECT MAX(id) FROM journal_entries))"
            )
            cur.execute("ANALYZE")
        else:
            cur.execute("BEGIN IMMEDIATE")
            iso = [
                (
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    r[6],
                    r[7],
                    r[8],
                    r[9].isoformat(),
                    r[10].isoformat(),
                )
                for r in accounts
            ]
            cur.executemany(f"INSERT INTO accounts ({acols}) VALUES (?,?,?,?,?,?,?,?,?,?,?)", iso)
            cur.executemany(
                "INSERT INTO deposit_accounts (account_id, product_id, annual_rate) VALUES (?,?,?)",
                deposit_accounts,
            )
            cur.executemany(
                f"INSERT INTO journal_entries ({ecols}) VALUES (?,?,?,?,?,?,?,?,?)",
                [(*r[:1], r[1].isoformat(), *r[2:8], r[8].isoformat()) for r in entries],
            )
            cur.executemany(f"INSERT INTO journal_lines ({lcols}) VALUES (?,?,?,?,?,?,?)", lines)
            cur.execute(
                "UPDATE journal_entries SET status = 'posted', posted_at = created_at"
                " WHERE status = 'draft'"
            )
            cur.executemany(
                "UPDATE accounts SET balance = ? WHERE id = ?", [(b, i) for i, b in bal.items()]
            )
            cur.execute("COMMIT")
            cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def bench_job(url: str, data_dir: Path) -> tuple[float, dict[str, Any]]:
    from coopctl.core.db import dispose_engines
    from coopctl.jobs import runner

    dispose_engines()
    os.environ.update({"COOPCTL_OPERATOR": "system", "COOPCTL_TODAY": "2026-02-01"})
    ctx = _ctx(url, data_dir)
    t, cpu = time.perf_counter(), time.process_time()
    results = runner.run(ctx, "deposits.interest", MONTH_END)
    elapsed = time.perf_counter() - t
    step = results[0].steps[0]
    assert step["status"] == "ok", step
    step["cpu_s"] = time.process_time() - cpu  # this process, every thread (Polars')
    return elapsed, step


def check(url: str, data_dir: Path, moves: dict[int, Any]) -> int:
    """Every posted net credit equals the scalar reference on the generated data."""
    from sqlalchemy import text

    from coopctl.deposits.interest import month_interest, withholding

    ctx = _ctx(url, data_dir)
    with ctx.engine.connect() as c:
        posted = {
            int(a): int(v)
            for a, v in c.execute(
                text(
                    "SELECT l.account_id, l.credit FROM journal_lines l JOIN journal_entries e"
                    " ON e.id = l.entry_id WHERE e.kind = 'interest' AND l.account_id IS NOT NULL"
                )
            )
        }
    bad = 0
    for acct, (opening, mv) in moves.items():
        days: dict[date, int] = {}
        for d, delta in mv:
            days[d] = days.get(d, 0) + delta
        gross = month_interest(
            Decimal(opening) / 100,
            [(d, Decimal(v) / 100) for d, v in sorted(days.items())],
            2026,
            1,
            annual_rate=Decimal("4"),
            method="daily_balance",
            days_in_year=365,
            min_balance=Decimal("1000"),
        )
        _, net = withholding(gross, Decimal("10"))
        want = int(net * 100)
        if posted.get(acct, 0) != want:
            bad += 1
            if bad <= 5:
                print(f"  mismatch account {acct}: posted {posted.get(acct)} scalar {want}")
    return bad


def bench_line(row: str, figure: str, baseline: str = "—", ratio: str = "—") -> str:
    """The machine-readable result line ``benchmarks/run_all.py`` reads."""
    fields = {"row": row, "figure": figure, "baseline": baseline, "ratio": ratio}
    return "BENCH-RESULT " + json.dumps(fields, ensure_ascii=False)


def run_one(
    label: str,
    url: str,
    data_dir: Path,
    a: argparse.Namespace,
    copy: Any,
) -> None:
    """Generate, copy, time the step, time the scalar sample on the copy, compare.

    ``copy()`` makes the copy of the freshly generated database and returns
    ``(url, data_dir, drop)``."""
    t = time.perf_counter()
    moves = generate(url, data_dir, a.accounts, a.transactions)
    print(
        f"[{label}] generated {a.accounts:,} accounts, {a.transactions:,} transactions "
        f"in {time.perf_counter() - t:.1f} s"
    )
    copy_url, copy_dir, drop = copy()
    try:
        pick = _sample(url, data_dir, a.scalar_sample, seed=5)
        elapsed, step = bench_job(url, data_dir)
        print(
            f"[{label}] jobs run deposits.interest --date {MONTH_END}: {elapsed:.2f} s end to end "
            f"(items {step['items']:,}, posted {step['posted']:,}; process CPU "
            f"{step['cpu_s']:.1f} s on all threads; load average "
            f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())})"
        )
        per, sample_posted = bench_scalar_posting(copy_url, copy_dir, pick)
    finally:
        drop()
    scalar_total = per * a.accounts
    ratio = scalar_total / elapsed
    print(
        f"[{label}] scalar path: {per * 1000:.2f} ms per account end to end (read, compute, "
        f"post with its audit record, commit; {len(pick):,} random accounts on a copy of the "
        f"database) → {scalar_total:.1f} s for {a.accounts:,} (extrapolated); "
        f"ratio {ratio:.1f}×"
    )
    bulk_posted = _posted(_ctx(url, data_dir), [no for _, no in pick])
    same = sum(1 for _, no in pick if sample_posted.get(no) == bulk_posted.get(no))
    print(
        f"[{label}] scalar sample vs bulk step, entry total and net credit per account: "
        f"{'identical for all' if same == len(pick) else f'{len(pick) - same} DIFFER of'} "
        f"{len(pick):,} accounts"
    )
    compute = bench_compute_only(url, data_dir, pick)
    print(
        f"[{label}] scalar read+compute only (no posting, for transparency): "
        f"{compute * 1000:.2f} ms per account → {compute * a.accounts:.1f} s for "
        f"{a.accounts:,}; {compute * a.accounts / elapsed:.1f}× the step"
    )
    if label == "sqlite":
        print(
            f"[{label}] target ≤ {TARGET_S:.0f} s: {'met' if elapsed <= TARGET_S else 'MISSED'}; "
            f"≥ {TARGET_RATIO:.0f}×: {'met' if ratio >= TARGET_RATIO else 'MISSED'}"
        )
    bad = 0
    if not a.no_check:
        bad = check(url, data_dir, moves)
        print(
            f"[{label}] cross-check against the scalar reference: "
            f"{'identical for every account' if not bad else f'{bad} MISMATCHES'}"
        )
    row = "interest · SQLite" if label == "sqlite" else "interest · PostgreSQL"
    note = "" if not bad and same == len(pick) else " (MISMATCHES)"
    print(
        bench_line(
            row,
            f"{elapsed:.1f} s for {a.accounts:,} accounts{note}",
            f"scalar end to end {per * 1000:.1f} ms/account × {a.accounts:,} = "
            f"{scalar_total:.0f} s (extrapolated from {len(pick):,})",
            f"{ratio:.1f}×",
        )
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--accounts", type=int, default=200_000)
    p.add_argument("--transactions", type=int, default=3_000_000)
    p.add_argument("--scalar-sample", type=int, default=500)
    p.add_argument("--pg-url", default=os.environ.get("COOPCTL_TEST_PG_URL", ""))
    p.add_argument("--no-check", action="store_true")
    p.add_argument("--only", choices=["sqlite", "postgresql"])
    a = p.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        if a.only in (None, "sqlite"):
            db, copy_db = Path(tmp) / "bench.db", Path(tmp) / "scalar.db"

            def copy_sqlite_db() -> tuple[str, Path, Any]:
                copy_sqlite(db, copy_db)
                copy_dir = Path(tmp) / "data-sqlite-scalar"
                shutil.copytree(Path(tmp) / "data-sqlite", copy_dir)
                return f"sqlite:///{copy_db}", copy_dir, lambda: None

            run_one("sqlite", f"sqlite:///{db}", Path(tmp) / "data-sqlite", a, copy_sqlite_db)
        if a.only in (None, "postgresql") and a.pg_url:
            run_pg(a, Path(tmp))
    print(f"load average after: {os.getloadavg()}")
    return 0


def run_pg(a: argparse.Namespace, tmp: Path) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from coopctl.core.db import dispose_engines

    name = f"coopctl_bench_{uuid.uuid4().hex[:8]}"
    copy_name = f"{name}_scalar"
    admin = create_engine(a.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def url_of(db: str) -> str:
        return make_url(a.pg_url).set(database=db).render_as_string(hide_password=False)

    def drop_copy() -> None:
        dispose_engines()
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)')

    def copy_pg_db() -> tuple[str, Path, Any]:
        copy_pg(a.pg_url, name, copy_name)
        copy_dir = tmp / "data-pg-scalar"
        shutil.copytree(tmp / "data-pg", copy_dir)
        return url_of(copy_name), copy_dir, drop_copy

    try:
        run_one("postgresql", url_of(name), tmp / "data-pg", a, copy_pg_db)
    finally:
        dispose_engines()
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)')
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
