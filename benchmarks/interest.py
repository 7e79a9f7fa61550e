"""Benchmark: month-end savings interest through the job runner, end to end.

    python benchmarks/interest.py [--accounts 200000] [--transactions 3000000]
                                  [--pg-url postgresql+psycopg://postgres@127.0.0.1/postgres]
                                  [--scalar-sample 2000] [--no-check]

Builds a cooperative (``init``) and bulk-inserts, through the ledger's own
draft → posted flip (so the database triggers check every entry): ``--accounts``
SAV savings accounts with an opening deposit on 31 Dec 2025, then
``--transactions`` deposits and withdrawals spread over January 2026 (grouped
like check-off batches: one bank line and up to 1,000 member lines per entry).
Then times ``jobs run deposits.interest --date 2026-01-31`` (the month_end
job's interest step: bulk read, Polars computation, posting per chunk of 2,000
accounts) and the scalar path — one account at a time: two queries and
``deposits.interest.month_interest`` — on a random sample, extrapolated to every
account. Every posted net credit is compared with the scalar reference computed
from the generated data (``--no-check`` skips that). Prints both times and the
ratio; targets ≤ 15 s end to end on SQLite and ≥ 30× the scalar path.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

TARGET_S = 15.0
TARGET_RATIO = 30.0
MONTH_END = date(2026, 1, 31)
LINES_PER_ENTRY = 1000


def _ctx(url: str, data_dir: Path) -> Any:
    from coopctl.core import config
    from coopctl.core.context import AppContext

    settings = config.load(None, db_url=url)
    settings.data_dir_override = str(data_dir)
    return AppContext(settings=settings)


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
    t = time.perf_counter()
    results = runner.run(ctx, "deposits.interest", MONTH_END)
    elapsed = time.perf_counter() - t
    step = results[0].steps[0]
    assert step["status"] == "ok", step
    return elapsed, step


def bench_scalar(url: str, data_dir: Path, sample: int, seed: int = 5) -> tuple[float, int]:
    """The single-account path on ``sample`` random accounts: seconds per account."""
    from sqlalchemy import text

    from coopctl.deposits.interest import month_interest, withholding

    ctx = _ctx(url, data_dir)
    with ctx.engine.connect() as c:
        ids = [
            r[0]
            for r in c.execute(
                text("SELECT a.id FROM accounts a JOIN deposit_accounts d ON d.account_id = a.id")
            )
        ]
    rnd = random.Random(seed)
    pick = rnd.sample(ids, min(sample, len(ids)))
    q_open = text(
        "SELECT COALESCE(SUM(l.credit - l.debit), 0) FROM journal_lines l JOIN journal_entries e"
        " ON e.id = l.entry_id WHERE l.account_id = :a AND e.status = 'posted'"
        " AND e.business_date < :s AND e.kind <> 'interest'"
    )
    q_moves = text(
        "SELECT e.business_date, SUM(l.credit - l.debit)"
        " FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id"
        " WHERE l.account_id = :a AND e.status = 'posted'"
        " AND e.business_date BETWEEN :s AND :e AND e.kind <> 'interest' GROUP BY e.business_date"
    )
    start = date(2026, 1, 1)
    t = time.perf_counter()
    with ctx.engine.connect() as c:
        for a in pick:
            opening = Decimal(int(c.execute(q_open, {"a": a, "s": start}).scalar_one())) / 100
            mv = [
                (d if isinstance(d, date) else date.fromisoformat(d), Decimal(int(v)) / 100)
                for d, v in c.execute(q_moves, {"a": a, "s": start, "e": MONTH_END})
            ]
            gross = month_interest(
                opening,
                mv,
                2026,
                1,
                annual_rate=Decimal("4"),
                method="daily_balance",
                days_in_year=365,
                min_balance=Decimal("1000"),
            )
            withholding(gross, Decimal("10"))
    return (time.perf_counter() - t) / len(pick), len(pick)


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


def run_one(label: str, url: str, data_dir: Path, a: argparse.Namespace) -> None:
    t = time.perf_counter()
    moves = generate(url, data_dir, a.accounts, a.transactions)
    print(
        f"[{label}] generated {a.accounts:,} accounts, {a.transactions:,} transactions "
        f"in {time.perf_counter() - t:.1f} s"
    )
    elapsed, step = bench_job(url, data_dir)
    print(
        f"[{label}] jobs run deposits.interest --date {MONTH_END}: {elapsed:.2f} s end to end "
        f"(items {step['items']:,}, posted {step['posted']:,})"
    )
    per, n = bench_scalar(url, data_dir, a.scalar_sample)
    scalar_total = per * a.accounts
    ratio = scalar_total / elapsed
    print(
        f"[{label}] scalar path: {per * 1000:.2f} ms per account on {n:,} accounts "
        f"→ {scalar_total:.1f} s for {a.accounts:,}; ratio {ratio:.1f}×"
    )
    if label == "sqlite":
        print(
            f"[{label}] target ≤ {TARGET_S:.0f} s: {'met' if elapsed <= TARGET_S else 'MISSED'}; "
            f"≥ {TARGET_RATIO:.0f}×: {'met' if ratio >= TARGET_RATIO else 'MISSED'}"
        )
    if not a.no_check:
        bad = check(url, data_dir, moves)
        print(
            f"[{label}] cross-check against the scalar reference: "
            f"{'identical for every account' if not bad else f'{bad} MISMATCHES'}"
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--accounts", type=int, default=200_000)
    p.add_argument("--transactions", type=int, default=3_000_000)
    p.add_argument("--scalar-sample", type=int, default=2000)
    p.add_argument("--pg-url", default=os.environ.get("COOPCTL_TEST_PG_URL", ""))
    p.add_argument("--no-check", action="store_true")
    p.add_argument("--only", choices=["sqlite", "postgresql"])
    a = p.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        if a.only in (None, "sqlite"):
            run_one("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp) / "data-sqlite", a)
        if a.only in (None, "postgresql") and a.pg_url:
            from sqlalchemy import create_engine
            from sqlalchemy.engine import make_url

            name = f"coopctl_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(a.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.exec_driver_sql(f'CREATE DATABASE "{name}"')
            try:
                url = make_url(a.pg_url).set(database=name).render_as_string(hide_password=False)
                run_one("postgresql", url, Path(tmp) / "data-pg", a)
            finally:
                from coopctl.core.db import dispose_engines

                dispose_engines()
                with admin.connect() as c:
                    c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.dispose()
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
