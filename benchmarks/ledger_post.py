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

* inserts the same rows raw — copies of the two tables with the same columns,
  keys and indexes, no triggers, no foreign keys; ``executemany`` on SQLite, binary
  ``COPY`` on PostgreSQL (the bulk route's format) — as the physical baseline of the
  same run (rolled back).

It prints, for bulk: wall time, entries/s, this process's CPU time and (PostgreSQL)
the backend's CPU time read from /proc; the raw insert's time and rows/s and the
ratios bulk/raw (wall and CPU); p50/p95 single-entry latency. Targets: ≥ 40,000
entries/s on SQLite, ≥ 30,000 on PostgreSQL, within 5× of the raw insert.

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
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

TARGETS = {"sqlite": 40_000, "postgresql": 30_000}  # entries/s in bulk
RAW_RATIO = 5.0  # bulk posting within 5× of the raw insert of the same rows
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
    base = type(u)

    class _As(base):  # type: ignore[misc, valid-type]
        def __enter__(self) -> Any:  # ``with`` looks __enter__ up on the class
            res = super().__enter__()
            res.operator = load_operator(res.session, operator)
            return res

    u.__class__ = _As
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


def _server_cpu(conn: Any) -> float:
    """CPU seconds of this connection's PostgreSQL backend (same host: /proc), or 0."""
    if conn.dialect.name != "postgresql":
        return 0.0
    pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_bulk(ctx: Any, drafts: list[Any], route: str) -> dict[str, float]:
    from coopctl.ledger.bulk import post_many

    t0, c0 = time.perf_counter(), time.process_time()
    with _uow(ctx) as u:
        s0 = _server_cpu(u.session.connection())
        res = post_many(u, drafts, route=route)
        u.commit()
        s1 = _server_cpu(u.session.connection())
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert res.posted == len(drafts), res
    t1 = time.perf_counter()
    with _uow(ctx) as u:
        again = post_many(u, drafts, route=route)
        u.commit()
    rerun = time.perf_counter() - t1
    assert again.posted == 0 and again.skipped_existing == len(drafts), again
    return {"seconds": elapsed, "cpu": cpu, "server_cpu": s1 - s0, "rerun": rerun,
            "posted": res.posted}  # fmt: skip


def _raw_copies(conn: Any) -> Any:
    """raw_je / raw_jl: journal_entries / journal_lines with the same columns, keys and
    indexes, no foreign keys and no triggers."""
    from sqlalchemy import Column, Index, MetaData, Table, UniqueConstraint

    from coopctl.ledger.models import JournalEntry, JournalLine

    md = MetaData()
    for src, name in ((JournalEntry.__table__, "raw_je"), (JournalLine.__table__, "raw_jl")):
        cols = [
            Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
            for c in src.columns
        ]
        t = Table(name, md, *cols)
        for ix in src.indexes:
            Index(f"raw_{ix.name}", *(t.c[c.name] for c in ix.columns), unique=bool(ix.unique))
        for uc in src.constraints:
            if isinstance(uc, UniqueConstraint):
                t.append_constraint(UniqueConstraint(*(t.c[c.name] for c in uc.columns)))
        for c in src.columns:
            if c.unique:
                Index(f"raw_uq_{name}_{c.name}", t.c[c.name], unique=True)
    md.create_all(conn)
    conn.commit()
    return md


def bench_raw(ctx: Any, drafts: list[Any]) -> dict[str, float]:
    """The physical baseline: the same rows (entries as posted would be, two lines
    each) into copies of journal_entries / journal_lines with the same columns and
    indexes but no triggers and no foreign keys — executemany on SQLite, binary COPY
    on PostgreSQL — in one transaction, rolled back."""
    from coopctl.ledger.bulk_io import JE_COLS, JL_COLS, PG_TYPES

    eng = ctx.engine
    pg = eng.dialect.name == "postgresql"
    with eng.connect() as conn:
        gl = dict(conn.exec_driver_sql("SELECT code, id FROM gl_accounts").all())
        acct = dict(conn.exec_driver_sql("SELECT account_no, id FROM accounts").all())
        top = conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM journal_entries").scalar_one()
        at = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
        created: Any = at if pg else "2026-11-28 09:30:00.000000"
        entries, lines = [], []
        for n, d in enumerate(drafts, int(top) + 1_000_001):
            kl = [(gl[ln.gl_code], acct.get(ln.account_no), int(ln.debit * 100),
                   int(ln.credit * 100), ln.memo) for ln in d.lines]  # fmt: skip
            day: Any = d.business_date if pg else d.business_date.isoformat()
            entries.append((n, day, d.kind, d.reference, d.narration,
                            "posted", "system", None, "raw:" + (d.idempotency_key or ""), None,
                            sum(x[2] for x in kl), None, None, None, created, created))  # fmt: skip
            lines.extend((n, i, *x) for i, x in enumerate(kl, 1))
        raw_tables = _raw_copies(conn)
        conn.exec_driver_sql("SELECT 1")  # the transaction begins (SQLite: BEGIN IMMEDIATE)
        t0, c0 = time.perf_counter(), time.process_time()
        s0 = _server_cpu(conn)
        if pg:
            # binary COPY, like the bulk route: the baseline is the fastest physical load
            raw = conn.connection.driver_connection
            with raw.cursor() as cur:
                for table, src, cols, rows in (
                    ("raw_je", "journal_entries", JE_COLS, entries),
                    ("raw_jl", "journal_lines", JL_COLS, lines),
                ):
                    sql = f"COPY {table} ({', '.join(cols)}) FROM STDIN (FORMAT BINARY)"
                    with cur.copy(sql) as cp:
                        cp.set_types(list(PG_TYPES[src]))
                        for r in rows:
                            cp.write_row(r)
        else:
            cur = conn.connection.driver_connection.cursor()
            cur.executemany(f"INSERT INTO raw_je ({', '.join(JE_COLS)}) VALUES "
                            f"({', '.join('?' * len(JE_COLS))})", entries)  # fmt: skip
            cur.executemany(f"INSERT INTO raw_jl ({', '.join(JL_COLS)}) VALUES "
                            f"({', '.join('?' * len(JL_COLS))})", lines)  # fmt: skip
        s1 = _server_cpu(conn)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        conn.rollback()
        raw_tables.drop_all(conn)
        conn.commit()
    return {"seconds": elapsed, "cpu": cpu, "server_cpu": s1 - s0,
            "rows": len(entries) + len(lines)}  # fmt: skip


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
        bulk = bench_bulk(ctx, drafts, route)
        raw = bench_raw(ctx, drafts)
        lat = bench_single(ctx, numbers, singles) if singles else []
        verify(ctx)
        dispose_engines()
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [float("nan")] * 99
    rate = bulk["posted"] / bulk["seconds"]
    return {
        "db": f"{name}/{route}",
        "dialect": name,
        "primary": primary,
        "bulk_entries": bulk["posted"],
        "bulk_seconds": bulk["seconds"],
        "bulk_cpu": bulk["cpu"],
        "bulk_server_cpu": bulk["server_cpu"],
        "bulk_rate": rate,
        "raw_seconds": raw["seconds"],
        "raw_cpu": raw["cpu"] + raw["server_cpu"],
        "raw_rows_s": raw["rows"] / raw["seconds"],
        "vs_raw": bulk["seconds"] / raw["seconds"],
        "vs_raw_cpu": (bulk["cpu"] + bulk["server_cpu"]) / (raw["cpu"] + raw["server_cpu"]),
        "rerun_seconds": bulk["rerun"],
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
        f"{'db/route':<22} {'entries':>8} {'wall s':>7} {'entries/s':>9} {'CPU s':>6} "
        f"{'srv CPU':>7} {'raw s':>6} {'raw rows/s':>10} {'×raw':>5} {'×raw CPU':>8} "
        f"{'re-run':>6} {'singles':>7} {'p50 ms':>6} {'p95 ms':>6}"
    )
    ok = True
    for r in results:
        print(
            f"{r['db']:<22} {r['bulk_entries']:>8,} {r['bulk_seconds']:>7.2f} "
            f"{r['bulk_rate']:>9,.0f} {r['bulk_cpu']:>6.2f} {r['bulk_server_cpu']:>7.2f} "
            f"{r['raw_seconds']:>6.2f} {r['raw_rows_s']:>10,.0f} {r['vs_raw']:>5.1f} "
            f"{r['vs_raw_cpu']:>8.1f} {r['rerun_seconds']:>6.2f} {r['singles']:>7,} "
            f"{r['p50_ms']:>6.2f} {r['p95_ms']:>6.2f}"
        )
        if r["primary"]:  # the first route of each database (the others are comparisons)
            target = TARGETS[r["dialect"]]
            ok = ok and r["bulk_rate"] >= target and r["vs_raw"] <= RAW_RATIO
    print(
        "targets (SQLite ≥ 40,000 entries/s, PostgreSQL ≥ 30,000, each within 5× of the raw "
        "insert of the same rows; default routes):",
        "met" if ok else "NOT met",
    )
    print("(CPU s: this process; srv CPU: the PostgreSQL backend, read from /proc)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
