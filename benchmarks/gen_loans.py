"""Generate a loan book into a SQLite file for the aging benchmark.

Default: 200,000 loans x 12 monthly installments = 2,400,000 installment rows,
written with ``sqlite3`` directly (``executemany`` of tuples, one transaction).

The file has only the tables and columns the aging read touches, with the
names of the real schema: ``accounts`` (id, balance in kobo), ``loans`` (id,
loan_no, account_id, product_code, status, principal, disbursed_on, restructured,
watch_until) and ``loan_installments`` (loan_id, no, due_date, the eight kobo
amount columns, paid_on, superseded), plus the index on ``loan_installments.loan_id``
that any schema has for its foreign key. Dates are ISO text and booleans 0/1, as
SQLAlchemy stores them on SQLite; amounts are BIGINT kobo.

The book is deterministic for a seed. Loans are disbursed over the two years
before the as-of date; their repayment behaviour is mixed so every class fills:

- 10 % closed (every installment paid) — the read must skip them;
- of the active loans: 72 % current, 12 % one installment late, 6 % two late
  with a part payment, 4 % three or four late, 6 % stopped paying (lost);
- 0.5 % were rescheduled: installments 9-12 are superseded (and a watch date set).

    python benchmarks/gen_loans.py /tmp/aging.db [--loans 200000] [--seed 7]
"""

from __future__ import annotations

import argparse
import calendar
import random
import sqlite3
import time
from datetime import date, timedelta
from pathlib import Path

AS_OF = date(2026, 11, 28)
TERM = 12
PRODUCTS = ("LN-STD", "LN-EMG", "LN-ASSET", "LN-EDU")

SCHEMA = """
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    account_no VARCHAR(20) NOT NULL UNIQUE,
    balance BIGINT NOT NULL
);
CREATE TABLE loans (
    id INTEGER PRIMARY KEY,
    loan_no VARCHAR(20) NOT NULL UNIQUE,
    account_id INTEGER REFERENCES accounts(id),
    product_code VARCHAR(20) NOT NULL,
    status VARCHAR(12) NOT NULL,
    principal BIGINT NOT NULL,
    disbursed_on DATE,
    restructured BOOLEAN NOT NULL DEFAULT 0,
    watch_until DATE
);
CREATE TABLE loan_installments (
    id INTEGER PRIMARY KEY,
    loan_id INTEGER NOT NULL REFERENCES loans(id),
    no INTEGER NOT NULL,
    due_date DATE NOT NULL,
    principal BIGINT NOT NULL,
    interest BIGINT NOT NULL,
    fees BIGINT NOT NULL,
    penalty BIGINT NOT NULL,
    principal_paid BIGINT NOT NULL,
    interest_paid BIGINT NOT NULL,
    fees_paid BIGINT NOT NULL,
    penalty_paid BIGINT NOT NULL,
    paid_on DATE,
    superseded BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX ix_loan_installments_loan_id ON loan_installments (loan_id);
CREATE INDEX ix_loans_status ON loans (status);
"""


def add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def schedule(principal: int, rate_bp: int) -> list[tuple[int, int]]:
    """(principal, interest) kobo per month: equal principal, interest on the balance."""
    base = principal // TERM
    parts = [base] * (TERM - 1) + [principal - base * (TERM - 1)]
    out, balance = [], principal
    for p in parts:
        out.append((p, balance * rate_bp // 10_000))
        balance -= p
    return out


def behaviour(rng: random.Random) -> tuple[str, int]:
    """(status, installments left unpaid at the end of those due)."""
    r = rng.random()
    if r < 0.10:
        return "closed", 0
    r = rng.random()
    if r < 0.72:
        return "active", 0
    if r < 0.84:
        return "active", 1
    if r < 0.90:
        return "active", 2
    if r < 0.94:
        return "active", rng.choice((3, 4))
    return "active", 99  # stopped paying after a few installments


def generate(path: Path, loans: int = 200_000, seed: int = 7) -> dict[str, int]:
    """Write the book to ``path`` (replaced if it exists); returns row counts."""
    if path.exists():
        path.unlink()
    rng = random.Random(seed)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.executescript(SCHEMA)
    start = AS_OF - timedelta(days=730)
    accounts: list[tuple[int, str, int]] = []
    loan_rows: list[tuple[object, ...]] = []
    inst_rows: list[tuple[object, ...]] = []
    iid = 0
    for lid in range(1, loans + 1):
        principal = rng.randrange(50_000, 5_000_000) * 100
        disbursed = start + timedelta(days=rng.randrange(0, 729))
        status, missed = behaviour(rng)
        rescheduled = status == "active" and rng.random() < 0.005
        sched = schedule(principal, rng.choice((150, 200, 250)))
        dues = [add_months(disbursed, k) for k in range(1, TERM + 1)]
        n_due = sum(1 for d in dues if d <= AS_OF)
        if missed == 99:
            paid_upto = rng.randrange(0, max(1, n_due - 3)) if n_due > 3 else 0
        else:
            paid_upto = max(0, n_due - missed)
        if status == "closed":
            paid_upto = TERM
        part_payment = missed == 2
        unpaid_principal = 0
        for k, ((p, i), due) in enumerate(zip(sched, dues, strict=True), 1):
            fees = 150_000 if k == 1 else 0
            penalty = (p + i) // 100 if (k > paid_upto and due < AS_OF) else 0
            if k <= paid_upto:
                paid = (p, i, fees, penalty)
                paid_on = (due + timedelta(days=rng.randrange(-3, 12))).isoformat()
            elif part_payment and k == paid_upto + 1:
                paid = (p // 3, i, fees, 0)
                paid_on = None
            else:
                paid = (0, 0, 0, 0)
                paid_on = None
            superseded = 1 if rescheduled and k > 8 else 0
            if not superseded:
                unpaid_principal += p - paid[0]
            iid += 1
            inst_rows.append(
                (iid, lid, k, due.isoformat(), p, i, fees, penalty, *paid, paid_on, superseded)
            )
        balance = unpaid_principal if status == "active" else 0
        accounts.append((lid, f"LA{lid:09d}", balance))
        watch = add_months(AS_OF, 2).isoformat() if rescheduled else None
        loan_rows.append(
            (lid, f"LN{lid:08d}", lid, rng.choice(PRODUCTS), status, principal,
             disbursed.isoformat(), int(rescheduled), watch)
        )  # fmt: skip
    con.execute("BEGIN")
    con.executemany("INSERT INTO accounts VALUES (?,?,?)", accounts)
    con.executemany("INSERT INTO loans VALUES (?,?,?,?,?,?,?,?,?)", loan_rows)
    con.executemany("INSERT INTO loan_installments VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", inst_rows)
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.close()
    return {"loans": len(loan_rows), "installments": len(inst_rows)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("path", type=Path)
    ap.add_argument("--loans", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    t0 = time.perf_counter()
    counts = generate(args.path, args.loans, args.seed)
    print(
        f"wrote {counts['loans']:,} loans / {counts['installments']:,} installments "
        f"to {args.path} in {time.perf_counter() - t0:.1f} s"
    )


if __name__ == "__main__":
    main()
