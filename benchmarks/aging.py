"""Portfolio aging benchmark: Polars bulk path vs the scalar reference loan by loan.

1. Generates (once; reused if present) a SQLite loan book with
   :mod:`benchmarks.gen_loans`: 200,000 loans / 2,400,000 installments, in
   ``benchmarks/.data/`` (git-ignored) or ``--db PATH``.
2. Bulk: :func:`coopctl.loans.portfolio.read_frames` (two SQL reads through the
   raw sqlite3 cursor, filtered in SQL to active loans' unpaid installments due by
   the date) + :func:`coopctl.loans.aging_bulk.portfolio_aging_bulk` (buckets, PAR,
   provision of every loan). Timed ``--repeat`` times from a fresh connection; the
   median is the figure. Target: ≤ 5 s including the read.
   Also timed, for information: the same with every installment of the active
   loans read (``needed_only=False``), and turning the per-loan frame into Python
   objects (only ``loans show``-style consumers need that).
3. Scalar: the reference :func:`coopctl.loans.aging.loan_aging` run loan by loan
   on a sample of ``--sample`` active loans (evenly spread over the ids): one SQL
   read of the sample's installments and balances, ``Decimal`` rows, then one call
   per loan and the scalar sums. The time is extrapolated linearly to the whole
   active portfolio (and says so). Target: bulk ≥ 20x faster.
4. Cross-checks the sample: the scalar result of every sampled loan must equal the
   bulk result to the kobo, or the benchmark fails.

    python benchmarks/aging.py [--loans 200000] [--sample 20000] [--repeat 3] [--db PATH]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

AS_OF = date(2026, 11, 28)
TARGET_SECONDS = 5.0
TARGET_RATIO = 20.0
DEFAULT_DB = Path(__file__).resolve().parent / ".data" / "aging.db"


def bench_line(row: str, figure: str, baseline: str = "—", ratio: str = "—") -> str:
    """The machine-readable result line ``benchmarks/run_all.py`` reads."""
    import json

    fields = {"row": row, "figure": figure, "baseline": baseline, "ratio": ratio}
    return "BENCH-RESULT " + json.dumps(fields, ensure_ascii=False)


def ensure_db(path: Path, loans: int) -> None:
    import sqlite3

    from gen_loans import generate

    if path.exists():
        con = sqlite3.connect(path)
        try:
            (n,) = con.execute("SELECT count(*) FROM loans").fetchone()
        except sqlite3.Error:
            n = -1
        con.close()
        if n == loans:
            print(f"using {path} ({n:,} loans)")
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    counts = generate(path, loans)
    print(
        f"generated {counts['loans']:,} loans / {counts['installments']:,} installments "
        f"into {path} in {time.perf_counter() - t0:.1f} s"
    )


def bulk_once(engine: Any, table: Any, needed_only: bool = True) -> tuple[float, float, Any, int]:
    from coopctl.loans.aging_bulk import portfolio_aging_bulk
    from coopctl.loans.portfolio import read_frames

    with engine.connect() as conn:
        t0 = time.perf_counter()
        installments, loans = read_frames(conn, AS_OF, needed_only=needed_only)
        t1 = time.perf_counter()
        result = portfolio_aging_bulk(installments, loans, AS_OF, table)
        t2 = time.perf_counter()
    return t1 - t0, t2 - t1, result, installments.height


def scalar_sample(engine: Any, table: Any, sample: int) -> dict[str, Any]:
    from coopctl.core.money import from_minor
    from coopctl.loans.aging import InstallmentRow, loan_aging, summarise

    amounts = ("principal", "interest", "fees", "penalty",
               "principal_paid", "interest_paid", "fees_paid", "penalty_paid")  # fmt: skip
    with engine.connect() as conn:
        raw = conn.connection.cursor()
        ids = [r[0] for r in raw.execute("SELECT id FROM loans WHERE status='active' ORDER BY id")]
        step = max(1, len(ids) // sample)
        chosen = ids[::step][:sample]
        t0 = time.perf_counter()
        raw.execute("CREATE TEMP TABLE IF NOT EXISTS bench_sample (id INTEGER PRIMARY KEY)")
        raw.execute("DELETE FROM bench_sample")
        raw.executemany("INSERT INTO bench_sample VALUES (?)", [(i,) for i in chosen])
        loans = raw.execute(
            "SELECT l.id, a.balance, l.product_code, l.watch_until FROM loans l"
            " JOIN bench_sample s ON s.id = l.id LEFT JOIN accounts a ON a.id = l.account_id"
        ).fetchall()
        rows = raw.execute(
            "SELECT i.loan_id, i.no, i.due_date, i.paid_on, " + ", ".join(amounts) +
            " FROM loan_installments i JOIN bench_sample s ON s.id = i.loan_id"
            " WHERE NOT i.superseded ORDER BY i.loan_id, i.due_date"
        ).fetchall()  # fmt: skip
        t1 = time.perf_counter()
    by_loan: dict[int, list[InstallmentRow]] = {}
    for loan_id, no, due, paid_on, *amt in rows:
        values: dict[str, Any] = {k: from_minor(v) for k, v in zip(amounts, amt, strict=True)}
        by_loan.setdefault(loan_id, []).append(
            InstallmentRow(
                no=no,
                due_date=date.fromisoformat(due),
                paid_on=date.fromisoformat(paid_on) if paid_on else None,
                **values,
            )
        )
    t2 = time.perf_counter()
    per_loan = {}
    products = {}
    for loan_id, balance, product, watch in loans:
        per_loan[loan_id] = loan_aging(
            by_loan.get(loan_id, ()),
            AS_OF,
            table,
            from_minor(balance),
            watch_until=date.fromisoformat(watch) if watch else None,
        )
        products[loan_id] = product
    summarise(AS_OF, table, per_loan, products)
    t3 = time.perf_counter()
    return {
        "loans": len(chosen),
        "active": len(ids),
        "rows": len(rows),
        "read": t1 - t0,
        "convert": t2 - t1,
        "compute": t3 - t2,
        "per_loan": per_loan,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.add_argument("--loans", type=int, default=200_000)
    ap.add_argument("--sample", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    ensure_db(args.db, args.loans)
    t0 = time.perf_counter()
    import polars  # noqa: F401
    from sqlalchemy import create_engine

    from coopctl.loans.classification import default_table

    print(f"imports (polars, sqlalchemy, coopctl): {time.perf_counter() - t0:.2f} s (not counted)")
    table = default_table()
    engine = create_engine(f"sqlite:///{args.db}")

    runs = [bulk_once(engine, table) for _ in range(args.repeat)]
    reads = [r[0] for r in runs]
    computes = [r[1] for r in runs]
    totals = [r[0] + r[1] for r in runs]
    result, rows = runs[-1][2], runs[-1][3]
    bulk = statistics.median(totals)
    n_loans = result.totals.loans
    print(f"\nbulk (Polars), {n_loans:,} active loans, {rows:,} installment rows read:")
    for i, (rd, cp) in enumerate(zip(reads, computes, strict=True), 1):
        print(f"  run {i}: read {rd:.2f} s + compute {cp:.2f} s = {rd + cp:.2f} s")
    verdict = "OK" if bulk <= TARGET_SECONDS else "MISSED"
    print(f"  median {bulk:.2f} s  (target ≤ {TARGET_SECONDS:.0f} s: {verdict})")

    t = time.perf_counter()
    materialised = dict(result.per_loan)
    print(
        f"  for information, per-loan results as Python objects: "
        f"{time.perf_counter() - t:.2f} s more"
    )
    rd_all, cp_all, res_all, rows_all = bulk_once(engine, table, needed_only=False)
    same = res_all == result
    print(
        f"  for information, reading all {rows_all:,} installments of the active loans: "
        f"{rd_all:.2f} + {cp_all:.2f} = {rd_all + cp_all:.2f} s (same result: {same})"
    )

    s = scalar_sample(engine, table, args.sample)
    sample_time = s["read"] + s["convert"] + s["compute"]
    factor = s["active"] / s["loans"]
    scalar = sample_time * factor
    compute_only = s["compute"] * factor
    print(f"\nscalar reference, loan by loan, on a sample of {s['loans']:,} active loans:")
    print(
        f"  read {s['rows']:,} rows {s['read']:.2f} s + Decimal rows {s['convert']:.2f} s "
        f"+ loan_aging per loan {s['compute']:.2f} s = {sample_time:.2f} s"
    )
    print(
        f"  extrapolated linearly to {s['active']:,} loans (x{factor:.2f}): {scalar:.1f} s "
        f"(per-loan computation alone: {compute_only:.1f} s)"
    )
    ratio = scalar / bulk
    verdict = "OK" if ratio >= TARGET_RATIO else "MISSED"
    print(f"\nratio scalar / bulk: {ratio:.1f}x  (target ≥ {TARGET_RATIO:.0f}x: {verdict})")
    print(f"ratio on computation alone: {compute_only / statistics.median(computes):.0f}x")

    mismatches = [i for i, a in s["per_loan"].items() if materialised[i] != a]
    print(f"sample cross-check, scalar == bulk for {len(s['per_loan']):,} loans: ", end="")
    print("identical to the kobo" if not mismatches else f"{len(mismatches)} DIFFER")
    print(
        f"portfolio: outstanding {result.totals.outstanding:,.2f}, provision "
        f"{result.totals.provision:,.2f}, PAR1 {result.par1}% PAR30 {result.par30}% "
        f"PAR90 {result.par90}%"
    )
    print(bench_line("aging", f"{bulk:.2f} s for {n_loans:,} loans",
                     f"scalar loan by loan {scalar:.1f} s", f"{ratio:.1f}×"))  # fmt: skip
    ok = not mismatches and same and bulk <= TARGET_SECONDS and ratio >= TARGET_RATIO
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
