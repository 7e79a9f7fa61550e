"""Backup benchmark: create, verify and restore a book of N posted entries.

For SQLite (a file in /tmp) and PostgreSQL (a scratch database from
``COOPCTL_BENCH_PG_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
it builds a cooperative with :mod:`benchmarks.ledger_post` (member accounts and
N two-line interest entries posted in bulk), then times:

* ``create``: snapshot + encrypted archive (and its size);
* ``verify``: decrypt, restore into a scratch database, every check, the figures;
* ``restore``: into a fresh database of the same kind, and of the other kind
  (the SQLite ↔ PostgreSQL move through the row copy), each verified.

    python benchmarks/backup.py [--entries 50000] [--accounts 5000] [--only sqlite|postgresql]

The load average is printed before and after: on a shared host the figures scale with it.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ledger_post import TODAY, _pg_admin, bench_bulk, interest_drafts, setup


def bench_line(row: str, figure: str, baseline: str = "—", ratio: str = "—") -> str:
    """The machine-readable result line ``benchmarks/run_all.py`` reads."""
    import json

    fields = {"row": row, "figure": figure, "baseline": baseline, "ratio": ratio}
    return "BENCH-RESULT " + json.dumps(fields, ensure_ascii=False)


def _timed(fn: Any, *args: Any, **kw: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def run(
    name: str, url: str, same: str, other_url: str, root: Path, args: argparse.Namespace
) -> list[str]:
    from coopctl.backup import service
    from coopctl.core.db import dispose_engines

    ctx, numbers = setup(url, root / f"{name}-data", args.accounts)
    route = "copy" if url.startswith("postgresql") else "executemany"
    bench_bulk(ctx, interest_drafts(numbers, args.entries, name), route)
    made, t_create = _timed(service.create, ctx, "system", out_dir=root / f"{name}-backups")
    file = Path(made["file"])
    res, t_verify = _timed(service.verify, ctx, file)
    assert res["ok"], res["problems"]
    rows = []
    _, t_same = _timed(service.restore, ctx, file, same, data_dir=root / f"{name}-same")
    _, t_move = _timed(service.restore, ctx, file, other_url, data_dir=root / f"{name}-moved")
    dispose_engines()
    lines = sum(made["manifest"]["counts"].values())
    row = "backup · " + ("SQLite" if name == "sqlite" else "PostgreSQL")
    print(bench_line(row, f"create {t_create:.2f} s, verify {t_verify:.2f} s, restore "
                          f"{t_same:.2f} s ({args.entries:,} entries, "
                          f"{made['bytes'] / 1e6:.1f} MB)"))  # fmt: skip
    rows.append(
        f"{name:<11} {args.entries:>9,} {lines:>10,} {made['bytes'] / 1e6:>8.1f} "
        f"{t_create:>8.2f} {t_verify:>8.2f} {t_same:>9.2f} {t_move:>9.2f}"
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    from sqlalchemy.engine import make_url

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=50_000)
    ap.add_argument("--accounts", type=int, default=5_000)
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    args = ap.parse_args(argv)
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    os.environ["COOPCTL_TODAY"] = TODAY.isoformat()
    os.environ.setdefault("COOPCTL_OPERATOR", "system")
    os.environ["COOPCTL_BACKUP_KEY"] = base64.b64encode(os.urandom(32)).decode()
    base = os.environ.get(
        "COOPCTL_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    os.environ["BENCH_PG_BASE"] = base
    root = Path(tempfile.mkdtemp(prefix="coopctl-bench-backup-"))
    names = [f"coopctl_bb_{os.getpid()}_{i}" for i in range(3)]
    pg = [make_url(base).set(database=n).render_as_string(hide_password=False) for n in names]
    for n in names:
        _pg_admin(base, f'CREATE DATABASE "{n}"')
    rows: list[str] = []
    try:
        if args.only in (None, "sqlite"):
            src, same = f"sqlite:///{root / 'src.db'}", f"sqlite:///{root / 'same.db'}"
            rows += run("sqlite", src, same, pg[0], root, args)
        if args.only in (None, "postgresql"):
            os.environ["COOPCTL_DATA_DIR"] = str(root / "pg-data")
            rows += run("postgresql", pg[1], pg[2], f"sqlite:///{root / 'moved.db'}", root, args)
    finally:
        from coopctl.core.db import dispose_engines

        dispose_engines()
        for n in names:
            _pg_admin(base, f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')
        shutil.rmtree(root, ignore_errors=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    print(
        f"{'database':<11} {'entries':>9} {'all rows':>10} {'MB':>8} {'create s':>8} "
        f"{'verify s':>8} {'restore s':>9} {'move s':>9}"
    )
    for r in rows:
        print(r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
