"""Go-live benchmark: import N members, then N opening balances (one account each).

For each database (a SQLite file in /tmp; PostgreSQL in a scratch database made
and dropped from ``COOPCTL_BENCH_PG_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) it initialises a
cooperative, writes a ``members`` and an ``accounts`` template as CSV, and times
``golive import members`` and ``golive import accounts`` (check every row, open the
accounts in bulk, post one opening entry per account through ``post_many``,
commit). Then it imports a ``gl`` template carrying the same total and requires
``golive check`` to be clean. Target: the accounts import ≤ 30 s for 50,000 rows.

    python benchmarks/golive.py [--rows 50000] [--only sqlite|postgresql]

The machine's load average is printed before and after.
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

TARGET = 30.0
GOLIVE = "2026-11-28"


def bench_line(row: str, figure: str, baseline: str = "—", ratio: str = "—") -> str:
    """The machine-readable result line ``benchmarks/run_all.py`` reads."""
    import json

    fields = {"row": row, "figure": figure, "baseline": baseline, "ratio": ratio}
    return "BENCH-RESULT " + json.dumps(fields, ensure_ascii=False)


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


def write_files(tmp: Path, n: int) -> tuple[Path, Path, Path, Decimal]:
    members, accounts, gl = tmp / "members.csv", tmp / "accounts.csv", tmp / "gl.csv"
    total = Decimal(0)
    with members.open("w", newline="") as fm, accounts.open("w", newline="") as fa:
        wm, wa = csv.writer(fm), csv.writer(fa)
        wm.writerow(["legacy_id", "first_name", "last_name", "phone", "joined_on"])
        wa.writerow(["member", "product", "opening_balance", "opened_on"])
        for i in range(n):
            wm.writerow([f"L{i:06d}", "Ada", _name(i), f"0803{i:07d}", "2020-01-01"])
            amount = Decimal(1000 + (i * 7919) % 500000) + Decimal(i % 100) / 100
            total += amount
            wa.writerow([f"L{i:06d}", "SAV", f"{amount:.2f}", "2020-01-01"])
    with gl.open("w", newline="") as fg:
        w = csv.writer(fg)
        w.writerows([["gl_code", "debit", "credit"], ["1121", f"{total:.2f}", "0"],
                     ["2110", "0", f"{total:.2f}"]])  # fmt: skip
    return members, accounts, gl, total


def run(url: str, n: int, label: str) -> float:
    from coopctl.core.init_service import initialise
    from coopctl.golive.check import check
    from coopctl.golive.service import import_file

    tmp = Path(tempfile.mkdtemp(prefix="golive-bench-"))
    os.environ["COOPCTL_DATA_DIR"] = str(tmp)
    os.environ["COOPCTL_TODAY"] = GOLIVE
    ctx = _context(url, tmp)
    initialise(ctx, name="Benchmark Cooperative", admin="admin")
    members, accounts, gl, total = write_files(tmp, n)
    times = {}
    for kind, f in (("members", members), ("accounts", accounts), ("gl", gl)):
        t0 = time.perf_counter()
        with _uow(ctx) as u:
            res = import_file(u, kind, f)
            u.commit()
        times[kind] = time.perf_counter() - t0
        print(f"  {label}: import {kind:8s} {res.rows:>7,} rows, {res.entries:>7,} entries "
              f"in {times[kind]:6.1f} s")  # fmt: skip
    t0 = time.perf_counter()
    with _uow(ctx) as u:
        result = check(u)
    print(f"  {label}: golive check ok={result['ok']} in {time.perf_counter() - t0:.1f} s "
          f"(total {total:,.2f})")  # fmt: skip
    if not result["ok"]:
        raise SystemExit(
            f"golive check failed: {result['differences'][:3]} {result['problems'][:3]}"
        )
    ok = times["accounts"] <= TARGET
    print(f"  {label}: accounts import {times['accounts']:.1f} s for {n:,} rows "
          f"(target ≤ {TARGET:.0f} s for 50,000): {'OK' if ok else 'SLOW'}")  # fmt: skip
    row = "golive · " + ("SQLite" if label == "sqlite" else "PostgreSQL")
    print(bench_line(row, f"accounts {times['accounts']:.1f} s for {n:,} rows "
                          f"(members {times['members']:.1f} s)"))  # fmt: skip
    return times["accounts"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    a = ap.parse_args()
    print(f"load average before: {os.getloadavg()}")
    if a.only in (None, "sqlite"):
        db = Path(tempfile.mkdtemp(prefix="golive-bench-db-")) / "coop.db"
        run(f"sqlite:///{db}", a.rows, "sqlite")
    if a.only in (None, "postgresql"):
        import psycopg

        base = os.environ.get(
            "COOPCTL_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        name = f"golive_bench_{uuid.uuid4().hex[:8]}"
        admin = base.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        try:
            run(base.rsplit("/", 1)[0] + f"/{name}", a.rows, "postgresql")
        finally:
            from sqlalchemy.pool import NullPool  # noqa: F401

            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"load average after: {os.getloadavg()}")
    sys.exit(0)


if __name__ == "__main__":
    main()
