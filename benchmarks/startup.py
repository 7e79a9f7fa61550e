"""`coopctl --help` start-up time against a minimal two-command typer app.

    python benchmarks/startup.py

Uses hyperfine (10 runs, 3 warm-ups) when it is installed, else a timing loop;
prints both medians and the ratio (target: coopctl within 1.3x of the minimal app).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MINIMAL = '''import typer
app = typer.Typer()
@app.command()
def a() -> None:
    """A."""
@app.command()
def b() -> None:
    """B."""
if __name__ == "__main__":
    app()
'''


def bench_line(row: str, figure: str, baseline: str = "—", ratio: str = "—") -> str:
    """The machine-readable result line ``benchmarks/run_all.py`` reads."""
    import json

    fields = {"row": row, "figure": figure, "baseline": baseline, "ratio": ratio}
    return "BENCH-RESULT " + json.dumps(fields, ensure_ascii=False)


def main() -> None:
    coopctl = str(Path(sys.executable).with_name("coopctl"))
    with tempfile.TemporaryDirectory() as d:
        mini = Path(d) / "mini.py"
        mini.write_text(MINIMAL)
        cmds = [f"{coopctl} --help", f"{sys.executable} {mini} --help"]
        if shutil.which("hyperfine"):
            out = Path(d) / "h.json"
            subprocess.run(
                ["hyperfine", "-N", "-w", "3", "-r", "10", "--export-json", str(out), *cmds],
                check=True,
                capture_output=True,
            )
            medians = [r["median"] for r in json.loads(out.read_text())["results"]]
        else:
            medians = []
            for c in cmds:
                times = []
                for _ in range(10):
                    t = time.perf_counter()
                    subprocess.run(c.split(), check=True, capture_output=True)
                    times.append(time.perf_counter() - t)
                medians.append(statistics.median(times))
    ours, base = medians
    print(f"coopctl --help median:       {ours * 1000:7.1f} ms")
    print(f"minimal typer --help median: {base * 1000:7.1f} ms")
    print(f"ratio coopctl / minimal:     {ours / base:7.2f}x  (target <= 1.30x)")
    print(bench_line("start-up", f"{ours * 1000:.0f} ms",
                     f"minimal typer app {base * 1000:.0f} ms", f"{ours / base:.2f}×"))  # fmt: skip


if __name__ == "__main__":
    main()
