"""Members import benchmark: ``members import`` of N new members, PII encrypted.

For each database (a SQLite file in /tmp; PostgreSQL in a scratch database made
and dropped from ``COOPCTL_BENCH_PG_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) it initialises a
cooperative (field key and audit key on disk, as in production), writes a CSV of
N members (names, phone, e-mail, date of birth, BVN, NIN, employer and staff
number: every PII field encrypted and the BVN, NIN and phone blind-indexed), and
times :func:`coopctl.members.importer.import_members` with its commit.

Baseline: the per-member path (:func:`coopctl.members.service.build_member`
and :func:`~coopctl.members.service.record_added`, one member at a time, each
flushed on its own — how the import wrote rows before the bulk path) timed on a
sample and extrapolated to N.

    python benchmarks/members_import.py [--members 50000] [--sample 1000]
                                        [--only sqlite|postgresql] [--profile]

Prints wall time, this process's CPU time, members/s and the load average.
Target: 50,000 members in ≤ 30 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

TARGET = 30.0  # seconds for 50,000 members
TODAY = "2026-11-28"
HEADER = "first_name,last_name,phone,email,dob,bvn,nin,joined,employer,staff_no"


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
            return "Okon" + letters.capitalize()


def write_file(path: Path, n: int, start: int = 0) -> Path:
    rows = [HEADER]
    for i in range(start, start + n):
        rows.append(
            f"Ada,{_name(i)},0803{i:07d},m{i}@coop.ng,1980-01-{1 + i % 28:02d},"
            f"{30000000000 + i},{40000000000 + i},2026-0{1 + i % 9}-01,Acme Plc,AC-{i:06d}"
        )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def per_member_baseline(ctx: Any, tmp: Path, sample: int) -> float:
    """Seconds per member of the one-at-a-time path, on ``sample`` members."""
    from coopctl.core.context import cipher_for
    from coopctl.members.importer import _Report, parse_file
    from coopctl.members.service import build_member, record_added

    f = write_file(tmp / "sample.csv", sample, start=5_000_000)
    t0 = time.perf_counter()
    with _uow(ctx) as u:
        rep = _Report(str(f))
        rows = parse_file(str(f), f.read_bytes(), today=u.today(), min_age=18, region="NG", rep=rep)
        cipher = cipher_for(u)
        for r in rows:
            assert r.data is not None
            m = build_member(u, r.data, f"M{90_000_000 + r.line:08d}", cipher)
            u.session.add(m)
            u.session.flush()
            record_added(u, m)
            u.session.flush()
        u.commit()
    return (time.perf_counter() - t0) / sample


def run(url: str, n: int, sample: int, label: str, profile: bool) -> dict[str, Any]:
    from coopctl.core.db import dispose_engines
    from coopctl.core.init_service import initialise
    from coopctl.members.importer import import_members

    tmp = Path(tempfile.mkdtemp(prefix="members-bench-"))
    os.environ["COOPCTL_DATA_DIR"] = str(tmp)
    ctx = _context(url, tmp)
    initialise(ctx, name="Benchmark Cooperative", admin="admin")
    f = write_file(tmp / "members.csv", n)
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
    t0, c0 = time.perf_counter(), time.process_time()
    with _uow(ctx) as u:
        if prof:
            prof.enable()
        res = import_members(u, f)
        u.commit()
        if prof:
            prof.disable()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert res.imported == n, res
    if prof:
        import pstats

        pstats.Stats(prof).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
            int(os.environ.get("NST", "30"))
        )
        if os.environ.get("CALLERS"):
            pstats.Stats(prof).print_callers(os.environ["CALLERS"])
    per = per_member_baseline(ctx, tmp, sample) if sample else float("nan")
    dispose_engines()
    out = {"db": label, "members": n, "wall": wall, "cpu": cpu, "per_member_s": per}
    print(
        f"  {label}: {n:,} members in {wall:.1f} s (CPU {cpu:.1f} s), {n / wall:,.0f}/s; "
        f"per-member path {per * 1000:.2f} ms/member → {per * n:.0f} s for {n:,} "
        f"({per * n / wall:.0f}× slower); target ≤ {TARGET:.0f} s for 50,000: "
        f"{'OK' if wall * 50_000 / n <= TARGET else 'SLOW'}"
    )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=50_000)
    ap.add_argument("--sample", type=int, default=1_000, help="baseline sample (0: skip)")
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args(argv)
    os.environ["COOPCTL_TODAY"] = TODAY
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    results = []
    if a.only in (None, "sqlite"):
        db = Path(tempfile.mkdtemp(prefix="members-bench-db-")) / "coop.db"
        results.append(run(f"sqlite:///{db}", a.members, a.sample, "sqlite", a.profile))
    if a.only in (None, "postgresql"):
        import psycopg

        base = os.environ.get(
            "COOPCTL_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        name = f"members_bench_{uuid.uuid4().hex[:8]}"
        admin = base.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        try:
            url = base.rsplit("/", 1)[0] + f"/{name}"
            results.append(run(url, a.members, a.sample, "postgresql", a.profile))
        finally:
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    ok = all(r["wall"] * 50_000 / r["members"] <= TARGET for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
