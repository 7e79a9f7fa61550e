"""Benchmark: member statements for 200,000 members and one month (≈ 2,000,000 lines).

    python benchmarks/statements.py [--members 200000] [--pdf-sample 800] [--dir D --reuse]

Generates a cooperative in a fresh SQLite file (``coopctl init``, then bulk
inserts that keep the ledger consistent: balanced two-line entries inserted as
draft and flipped to posted through the ledger triggers, member balances set
to the sum of their lines), then times the bulk statements: computation, XLSX,
CSV, and PDF throughput on a sample of members — one process with many
statements per document, and the same spread over every core.
Targets: XLSX and CSV ≤ 20 s each; PDF ≥ 35 statements per second (both cores).
Every figure is printed with its CPU seconds and the load average: on a shared
machine the wall clock measures the neighbours as much as the code.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

TARGET_FILE_S = 20.0
TARGET_PDF_PER_S = 35.0


def bench_line(row: str, figure: str, baseline: str = "—", ratio: str = "—") -> str:
    """The machine-readable result line ``benchmarks/run_all.py`` reads."""
    import json

    fields = {"row": row, "figure": figure, "baseline": baseline, "ratio": ratio}
    return "BENCH-RESULT " + json.dumps(fields, ensure_ascii=False)


def generate(db: Path, members: int, lines_per_member: int = 10) -> None:
    from sqlalchemy import create_engine, insert, select, text

    from coopctl.core.money import from_minor
    from coopctl.ledger.models import Account, GLAccount, JournalEntry, JournalLine
    from coopctl.members.models import Member

    env = {
        **os.environ,
        "COOPCTL_DATABASE_URL": f"sqlite:///{db}",
        "COOPCTL_OPERATOR": "admin",
        "COOPCTL_DATA_DIR": str(db.parent / "data"),
        "COOPCTL_TODAY": "2026-11-28",
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "coopctl",
            "init",
            "--name",
            "Benchmark Cooperative",
            "--admin",
            "admin",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    eng = create_engine(f"sqlite:///{db}")
    now = datetime.now(UTC)
    rnd = random.Random(42)
    with eng.begin() as c:
        gl = dict(c.execute(select(GLAccount.code, GLAccount.id)).all())
        c.execute(
            insert(Member.__table__),
            [
                {
                    "id": i,
                    "member_no": f"M{i:06d}",
                    "first_name": "Member",
                    "last_name": f"N{i}",
                    "other_names": "",
                    "search_name": f"member n{i}",
                    "phone_enc": "x",
                    "phone_hash": f"h{i}",
                    "phone_last4": "0000",
                    "status": "active",
                    "kyc_status": "approved",
                    "kyc_note": "",
                    "employer": "",
                    "staff_no": "",
                    "address": "",
                    "joined_on": date(2025, 1, 1),
                    "created_at": now,
                    "created_by": "b",
                }
                for i in range(1, members + 1)
            ],
        )
        c.execute(
            insert(Account.__table__),
            [
                {
                    "id": i,
                    "account_no": f"S{i:07d}",
                    "member_id": i,
                    "kind": "savings",
                    "product_code": "SAV",
                    "gl_account_id": gl["2110"],
                    "status": "active",
                    "balance": from_minor(0),
                    "held": from_minor(0),
                    "floor": from_minor(0),
                    "opened_on": date(2025, 1, 1),
                    "created_at": now,
                }
                for i in range(1, members + 1)
            ],
        )
    n_entries = members * lines_per_member // 2
    # opening balances in September, then a month of activity in October
    entries, lines = [], []
    bal = [0] * (members + 1)
    for e in range(1, n_entries + 1):
        m = (e - 1) % members + 1
        week = (e - 1) // members  # 0: opening deposit in September; 1-4: October weeks
        d = (
            date(2026, 9, 15)
            if week == 0
            else date(2026, 10, rnd.randint(7 * week - 6, 7 * week + (3 if week == 4 else 0)))
        )
        amt = rnd.randint(100_00, 50_000_00)
        deposit = e <= members or rnd.random() < 0.6 or bal[m] < amt
        bal[m] += amt if deposit else -amt
        entries.append(
            {
                "id": e,
                "business_date": d,
                "kind": "deposit" if deposit else "withdrawal",
                "reference": "",
                "narration": "Deposit" if deposit else "Withdrawal",
                "status": "draft",
                "maker": "admin",
                "total": from_minor(amt),
                "created_at": now,
            }
        )
        member_side = {
            "debit": from_minor(0 if deposit else amt),
            "credit": from_minor(amt if deposit else 0),
        }
        cash_side = {"debit": member_side["credit"], "credit": member_side["debit"]}
        lines.append(
            {
                "entry_id": e,
                "line_no": 1,
                "gl_account_id": gl["1110"],
                "account_id": None,
                "memo": "",
                **cash_side,
            }
        )
        lines.append(
            {
                "entry_id": e,
                "line_no": 2,
                "gl_account_id": gl["2110"],
                "account_id": m,
                "memo": "",
                **member_side,
            }
        )
    with eng.begin() as c:
        c.execute(insert(JournalEntry.__table__), entries)
        c.execute(insert(JournalLine.__table__), lines)
        c.execute(text("UPDATE journal_entries SET status = 'posted', posted_at = created_at"))
        c.execute(
            text(
                "UPDATE accounts SET balance = (SELECT COALESCE(SUM(credit - debit), 0)"
                " FROM journal_lines WHERE account_id = accounts.id)"
            )
        )
    eng.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--members", type=int, default=200_000)
    ap.add_argument("--pdf-sample", type=int, default=800)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--reuse", action="store_true", help="Keep the database of an earlier run.")
    args = ap.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="coopctl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.db"
    if db.exists() and not args.reuse:
        db.unlink()
    if not db.exists():
        t = time.perf_counter()
        generate(db, args.members)
        print(f"generated {args.members:,} members in {time.perf_counter() - t:.1f} s ({db})")

    os.environ.update(
        {
            "COOPCTL_DATABASE_URL": f"sqlite:///{db}",
            "COOPCTL_OPERATOR": "admin",
            "COOPCTL_DATA_DIR": str(work / "data"),
            "COOPCTL_TODAY": "2026-11-28",
        }
    )
    from coopctl.core.context import build
    from coopctl.reports.builders import statements_out
    from coopctl.reports.builders.common import Window, render_meta
    from coopctl.reports.builders.statements import StatementSet, build_statement_set

    window = Window(date(2026, 10, 1), date(2026, 10, 31))
    with build().uow() as u:
        t, c = time.perf_counter(), time.process_time()
        data = build_statement_set(u, window)
        t_build, c_build = time.perf_counter() - t, time.process_time() - c
        meta = render_meta(u)
    print(
        f"bulk statements: {data.member_count:,} members, {data.lines.height:,} lines, "
        f"computed in {t_build:.2f} s ({c_build:.2f} s CPU)"
    )

    t, c = time.perf_counter(), time.process_time()
    csv = statements_out.csv_text(data)
    (work / "statements.csv").write_text(csv)
    t_csv, c_csv = time.perf_counter() - t + t_build, time.process_time() - c + c_build
    t, c = time.perf_counter(), time.process_time()
    statements_out.write_xlsx(data, work / "statements.xlsx", meta)
    t_xlsx, c_xlsx = time.perf_counter() - t + t_build, time.process_time() - c + c_build
    load = os.getloadavg()[0]
    members = f"{data.member_count:,}"
    for label, wall, cpu_s in (("CSV ", t_csv, c_csv), ("XLSX", t_xlsx, c_xlsx)):
        print(
            f"{label} (incl. computation): {wall:6.1f} s wall, {cpu_s:5.1f} s CPU   "
            f"target ≤ {TARGET_FILE_S:.0f} s  ratio {wall / TARGET_FILE_S:.2f}   "
            f"(load average {load:.1f} on {os.cpu_count()} cores)"
        )

    import polars as pl

    sample_ids = data.accounts["member_no"].unique().sort().head(args.pdf_sample)
    acc = data.accounts.filter(pl.col("member_no").is_in(sample_ids.implode()))
    sample = StatementSet(
        window, acc, data.lines.filter(pl.col("account_id").is_in(acc["account_id"].implode()))
    )
    n = sample.member_count
    import resource

    def cpu() -> float:
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    results = {}
    cores = os.cpu_count() or 1
    for label, procs in (
        ("1 process, batched documents", 1),
        (f"{cores} processes, batched documents", cores),
    ):
        load = os.getloadavg()[0]
        t, c = time.perf_counter(), cpu()
        statements_out.write_pdf(sample, work / f"statements-{procs}.pdf", meta, processes=procs)
        wall, used = time.perf_counter() - t, cpu() - c
        rate = n / wall
        results[label] = rate
        print(
            f"PDF  {label:34s}: {rate:6.1f} statements/s wall   target ≥ {TARGET_PDF_PER_S:.0f}  "
            f"ratio {rate / TARGET_PDF_PER_S:.2f}   ({n / used:.1f} per CPU-second; "
            f"load average {load:.1f} on {cores} cores)"
        )
    best = max(results, key=lambda k: results[k])
    print(f"PDF winner: {best} ({results[best]:.1f}/s; {n:,} statements sampled)")
    print(
        f"PDF for all {data.member_count:,} members at that rate: "
        f"{data.member_count / results[best]:.0f} s"
    )
    one = results["1 process, batched documents"]
    print(bench_line("statements · CSV", f"{t_csv:.1f} s for {members} members"))
    print(bench_line("statements · XLSX", f"{t_xlsx:.1f} s for {members} members"))
    print(
        bench_line(
            "statements · PDF",
            f"{results[best]:.1f} statements/s",
            f"1 process {one:.1f}/s",
            f"{results[best] / one:.1f}×",
        )
    )


if __name__ == "__main__":
    main()
