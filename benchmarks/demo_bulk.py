"""Benchmark: build the 200,000-member, 12-month cooperative through the bulk services.

    python benchmarks/demo_bulk.py [--members 200000] [--months 12] [--dir DIR]
    python benchmarks/demo_bulk.py --from-output FILE   # the JSON a build printed

Runs ``coopctl demo --members N --months M --bulk --dir DIR`` in a fresh folder (an
earlier build in DIR is removed first), as a user would, in its own process, and
prints the wall time against the target (≤ 10 minutes on this machine), every
phase's time (``timings_s``), the entries posted and whether ``ledger verify``
passed. The build is left in DIR: ``benchmarks/reports.py --reuse`` times the
reports on it (``run_all.py`` runs this script first). ``--from-output`` reads the
JSON of a build run by hand (``… --format json > FILE``; its wall time is the sum
of the phases, process start excluded).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_S = 600.0


def bench_line(row: str, figure: str, baseline: str = "—", ratio: str = "—") -> str:
    """The machine-readable result line ``benchmarks/run_all.py`` reads."""
    fields = {"row": row, "figure": figure, "baseline": baseline, "ratio": ratio}
    return "BENCH-RESULT " + json.dumps(fields, ensure_ascii=False)


def report(result: dict[str, object], wall: float, load: float) -> None:
    timings = result.get("timings_s") or {}
    assert isinstance(timings, dict)
    members, months = int(result["members"]), int(result["months"])  # type: ignore[call-overload]
    ok = bool(result.get("ledger_verify_ok"))
    print(
        f"{members:,} members × {months} months: {wall:.1f} s wall   target ≤ "
        f"{TARGET_S:.0f} s   ratio {wall / TARGET_S:.2f}   (load average {load:.1f})"
    )
    golive = sum(v for k, v in timings.items() if k.startswith("golive"))
    print(f"  go-live {golive:.1f} s; " + ", ".join(
        f"{k} {v:.1f} s" for k, v in timings.items() if not k.startswith("golive")))  # fmt: skip
    print(
        f"  entries {int(result['entries']):,}; ledger verify "  # type: ignore[call-overload]
        f"{'passed' if ok else 'FAILED'}"
    )
    assert ok, "ledger verify failed on the demo"
    month = sum(timings.get(k, 0.0) for k in ("checkoff", "provision", "interest", "close"))
    print(
        bench_line(
            "scale demo",
            f"{wall:.0f} s for {members:,} members × {months} months "
            f"({int(result['entries']):,} entries, ledger verify passed)",  # type: ignore[call-overload]
            f"go-live {golive:.0f} s, months {month:.0f} s, "
            f"verify {timings.get('verify', 0):.0f} s",
            f"{wall / TARGET_S:.2f} of target",
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=200_000)
    ap.add_argument("--months", type=int, default=12)
    # where benchmarks/reports.py --dir …/reports-demo --reuse looks for it
    ap.add_argument("--dir", type=Path, default=HERE / ".data" / "reports-demo" / "demo")
    ap.add_argument("--from-output", type=Path, default=None)
    args = ap.parse_args()
    if args.from_output is not None:
        text = args.from_output.read_text(encoding="utf-8")
        result = json.loads(text[text.index("{") : text.rindex("}") + 1])
        wall = float(sum(result["timings_s"].values()))
        report(result, wall, os.getloadavg()[0])
        return
    if args.dir.exists():
        shutil.rmtree(args.dir)
    cmd = [sys.executable, "-m", "coopctl", "demo", "--members", str(args.members), "--months",
           str(args.months), "--bulk", "--dir", str(args.dir), "--format", "json"]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPCTL_")}
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    load = (load0 + os.getloadavg()[0]) / 2
    if proc.returncode != 0:
        sys.exit(f"demo failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    report(json.loads(proc.stdout), wall, load)


if __name__ == "__main__":
    main()
