"""Benchmark: trial balance and balance sheet on a large ledger, from lines and from
period balances.

    python benchmarks/reports.py [--entries 1000000] [--dir DIR] [--keep]

Builds a cooperative in a fresh SQLite file (``coopctl init``, then bulk inserts of
balanced two-line entries spread over the twelve months December 2025 to November
2026, inserted as draft and flipped to posted through the ledger triggers), then
times ``ledger trial-balance`` and ``reports balance-sheet`` (the service calls
behind them, in one process) twice:

- *before*: every period open, so every figure is summed from the lines;
- *after*: December 2025 to October 2026 closed with their balance snapshots
  (built by ``period_balances.rebuild_all``, timed too), November 2026 open and
  read from its lines.

The figures of both runs must agree to the kobo. Target: each report ≤ 2 s.

On the bulk demo (the table row "reports from period balances")::

    python benchmarks/reports.py --demo-db /tmp/big          # a folder built by the demo
    python benchmarks/reports.py --demo-members 200000 [--dir DIR] [--reuse]

``--demo-db`` times the reports on a cooperative ``coopctl demo --bulk`` built (its
folder, or its ``coop.db``); ``--demo-members N`` builds one first (twelve months,
``coopctl demo --bulk``; ``--reuse`` keeps an earlier build in ``--dir``). Its closed
months are read from their balance snapshots and the open month from its lines, as
the commands do; then ``ledger verify``'s checks are timed. The figures go to a
``BENCH-RESULT`` line for ``run_all.py``.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

TARGET_S = 2.0
TODAY = "2026-11-28"
MONTHS = [(2025, 12)] + [(2026, m) for m in range(1, 12)]
# (debit, credit) pairs of posting accounts of the default chart
PAIRS = [
    ("1110", "2210"),  # cash in, interest payable
    ("2210", "1110"),  # interest paid out
    ("1121", "3200"),  # bank, statutory reserve
    ("1310", "1121"),  # loan disbursed
    ("1121", "1310"),  # loan repaid
    ("1121", "4100"),  # interest income
    ("5500", "1110"),  # administrative expenses
    ("5100", "1121"),  # interest expense
]


def generate(db: Path, entries: int) -> None:
    env = {
        **os.environ,
        "COOPCTL_DATABASE_URL": f"sqlite:///{db}",
        "COOPCTL_OPERATOR": "admin",
        "COOPCTL_DATA_DIR": str(db.parent / "data"),
        "COOPCTL_TODAY": TODAY,
    }
    init = ["init", "--name", "Benchmark Cooperative", "--admin", "admin"]
    subprocess.run(
        [sys.executable, "-m", "coopctl", *init],
        env=env,
        check=True,
        capture_output=True,
    )
    con = sqlite3.connect(db)
    gl = dict(con.execute("SELECT code, id FROM gl_accounts WHERE is_header = 0").fetchall())
    pairs = [(gl[d], gl[c]) for d, c in PAIRS if d in gl and c in gl]
    rnd = random.Random(16)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    chunk = 100_000
    next_id = 1
    while next_id <= entries:
        last = min(entries, next_id + chunk - 1)
        ents, lines = [], []
        for e in range(next_id, last + 1):
            y, m = MONTHS[(e - 1) * len(MONTHS) // entries]
            d = date(y, m, rnd.randint(1, 28 if (y, m) != (2026, 11) else 27)).isoformat()
            amt = rnd.randint(100_00, 500_000_00)
            dr, cr = rnd.choice(pairs)
            ents.append((e, d, "journal", "", "", "draft", "admin", amt, now))
            lines.append((e, 1, dr, amt, 0, ""))
            lines.append((e, 2, cr, 0, amt, ""))
        con.executemany(
            "INSERT INTO journal_entries (id, business_date, kind, reference, narration,"
            " status, maker, total, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            ents,
        )
        con.executemany(
            "INSERT INTO journal_lines (entry_id, line_no, gl_account_id, debit, credit, memo)"
            " VALUES (?,?,?,?,?,?)",
            lines,
        )
        con.execute(
            "UPDATE journal_entries SET status = 'posted', posted_at = created_at"
            " WHERE id BETWEEN ? AND ?",
            (next_id, last),
        )
        con.commit()
        next_id = last + 1
    for y, m in MONTHS[:-1]:
        end = date(y + (m == 12), m % 12 + 1, 1).toordinal() - 1
        con.execute(
            "INSERT INTO periods (year, month, start_date, end_date, status)"
            " VALUES (?, ?, ?, ?, 'open')",
            (y, m, date(y, m, 1).isoformat(), date.fromordinal(end).isoformat()),
        )
    con.commit()
    con.execute("ANALYZE")
    con.close()


CPU: list[float] = []


def timed(label: str, fn: object) -> tuple[float, object]:
    """Wall seconds and the result; the CPU seconds of the call go to ``CPU``."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()  # type: ignore[operator]
    CPU.append(time.process_time() - c)
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--reuse", action="store_true", help="Keep the database of an earlier run.")
    ap.add_argument("--demo-db", type=Path, default=None, help="A bulk demo's folder or coop.db.")
    ap.add_argument("--demo-members", type=int, default=0, help="Build a bulk demo this size.")
    ap.add_argument(
        "--months", type=int, default=12, help="The demo's months (with --demo-members)."
    )
    args = ap.parse_args()
    if args.demo_db or args.demo_members:
        demo(args)
        return
    work = Path(args.dir or tempfile.mkdtemp(prefix="coopctl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "reports.db"
    if db.exists() and not args.reuse:
        db.unlink()
    if not db.exists():
        t = time.perf_counter()
        generate(db, args.entries)
        print(
            f"generated {args.entries:,} entries ({2 * args.entries:,} lines) over "
            f"{len(MONTHS)} months in {time.perf_counter() - t:.1f} s ({db})"
        )
    con = sqlite3.connect(db)
    con.execute("DELETE FROM period_balances")
    con.execute("UPDATE periods SET status = 'open', closed_at = NULL, closed_by = NULL")
    con.commit()
    n = con.execute("SELECT COUNT(*) FROM journal_lines").fetchone()[0]
    con.close()
    print(f"{n:,} journal lines")
    os.environ.update(
        {
            "COOPCTL_DATABASE_URL": f"sqlite:///{db}",
            "COOPCTL_OPERATOR": "admin",
            "COOPCTL_DATA_DIR": str(work / "data"),
            "COOPCTL_TODAY": TODAY,
        }
    )
    from sqlalchemy import text

    from coopctl.core.context import build
    from coopctl.ledger import period_balances
    from coopctl.ledger.service import trial_balance
    from coopctl.reports.builders.financial import build_balance_sheet

    as_of = date(2026, 11, 28)
    ctx = build()

    def run(label: str) -> tuple[dict[str, object], dict[str, object]]:
        with ctx.uow() as u:
            t_tb, tb = timed("tb", lambda: trial_balance(u, as_of=as_of))
            t_bs, bs = timed("bs", lambda: build_balance_sheet(u, as_of))
        load = os.getloadavg()[0]
        cpu = CPU[-2:]
        for (name, secs), c in zip(
            (("ledger trial-balance", t_tb), ("reports balance-sheet", t_bs)), cpu, strict=True
        ):
            print(
                f"{label:24s} {name:22s}: {secs:6.2f} s wall, {c:5.2f} s CPU   "
                f"target ≤ {TARGET_S:.0f} s  ratio {secs / TARGET_S:.2f}   "
                f"(load average {load:.1f} on {os.cpu_count()} cores)"
            )
        return tb, bs.json_payload  # type: ignore[return-value,attr-defined]

    tb_before, bs_before = run("before (every line)")
    with ctx.uow() as u:
        u.session.execute(
            text("UPDATE periods SET status = 'closed', closed_at = :now, closed_by = 'admin'"),
            {"now": datetime.now(UTC)},
        )
        t_snap, res = timed("snap", lambda: period_balances.rebuild_all(u.session))
        u.commit()
    print(
        f"balance snapshots of {res['periods']} closed months: {res['rows']:,} rows "  # type: ignore[index]
        f"built in {t_snap:.2f} s ({t_snap / max(1, res['periods']):.2f} s a month at close)"  # type: ignore[index]
    )
    tb_after, bs_after = run("after (period balances)")
    assert tb_after == tb_before, "trial balance differs between lines and snapshots"
    assert bs_after == bs_before, "balance sheet differs between lines and snapshots"
    print("figures from snapshots equal figures from lines (trial balance, balance sheet)")
    with ctx.uow() as u:
        t_v, problems = timed(
            "verify",
            lambda: [p for p in period_balances.differences(u.session)],
        )
    print(f"ledger verify's period_balances check: {len(problems)} problem(s) in {t_v:.2f} s")


def demo(args: argparse.Namespace) -> None:
    """The reports on a bulk demo: trial balance, balance sheet, then verify's checks."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run_all import bench_line

    if args.demo_db is not None:
        folder = args.demo_db if args.demo_db.is_dir() else args.demo_db.parent
    else:
        folder = Path(args.dir or tempfile.mkdtemp(prefix="coopctl-demo-")) / "demo"
        if not (args.reuse and (folder / "coop.db").exists()):
            if folder.exists():
                import shutil

                shutil.rmtree(folder)
            t = time.perf_counter()
            cmd = [sys.executable, "-m", "coopctl", "demo", "--dir", str(folder), "--members",
                   str(args.demo_members), "--months", str(args.months), "--bulk"]  # fmt: skip
            subprocess.run(cmd, check=True, env={**os.environ, "COOPCTL_TODAY": TODAY})
            print(f"built the demo ({args.demo_members:,} members) in "
                  f"{time.perf_counter() - t:.0f} s: {folder}")  # fmt: skip
    db = folder / "coop.db"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    members = con.execute("SELECT COUNT(*) FROM members").fetchone()[0]
    lines = con.execute("SELECT COUNT(*) FROM journal_lines").fetchone()[0]
    closed, last_day = con.execute(
        "SELECT COUNT(*), MAX(end_date) FROM periods WHERE status = 'closed'"
    ).fetchone()
    con.close()
    print(f"demo {db}: {members:,} members, {lines:,} journal lines, {closed} closed months")
    os.environ.update(
        {
            "COOPCTL_DATABASE_URL": f"sqlite:///{db}",
            "COOPCTL_OPERATOR": "demo-accountant",
            "COOPCTL_DATA_DIR": str(folder / "coop-data"),
        }
    )
    os.environ.pop("COOPCTL_CONFIG", None)
    from coopctl.core import checks
    from coopctl.core.context import build
    from coopctl.ledger.service import trial_balance
    from coopctl.reports.builders.financial import build_balance_sheet

    # the day after the last closed month: that month from its snapshot, the open one
    # from its lines
    as_of = (
        date.fromordinal(date.fromisoformat(str(last_day)).toordinal() + 1)
        if last_day
        else date.today()
    )
    os.environ["COOPCTL_TODAY"] = as_of.isoformat()
    ctx = build()
    with ctx.uow() as u:
        t_tb, tb = timed("tb", lambda: trial_balance(u, as_of=as_of))
        t_bs, _ = timed("bs", lambda: build_balance_sheet(u, as_of))
        t_v, problems = timed(
            "verify", lambda: checks.run(u.session, groups=("ledger", "deposits", "loans"))
        )
    load = os.getloadavg()[0]
    c_tb, c_bs, c_v = CPU[-3:]
    for name, secs, c in (("ledger trial-balance", t_tb, c_tb),
                          ("reports balance-sheet", t_bs, c_bs)):  # fmt: skip
        print(
            f"{name:22s}: {secs:6.2f} s wall, {c:5.2f} s CPU   target ≤ {TARGET_S:.0f} s  "
            f"ratio {secs / TARGET_S:.2f}   (load average {load:.1f} on {os.cpu_count()} cores)"
        )
    print(f"ledger verify's checks: {len(problems)} problem(s) in {t_v:.2f} s ({c_v:.2f} s CPU)")
    assert not problems, [p.as_dict() for p in problems[:5]]
    assert tb, "empty trial balance"
    worst = max(t_tb, t_bs)
    print(
        bench_line(
            "reports from period balances",
            f"trial balance {t_tb:.2f} s, balance sheet {t_bs:.2f} s "
            f"({members:,} members, {lines:,} lines, {closed} closed months)",
            f"ledger verify {t_v:.1f} s",
            f"{worst / TARGET_S:.2f} of target",
        )
    )


if __name__ == "__main__":
    main()
