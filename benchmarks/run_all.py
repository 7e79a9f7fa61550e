"""Run every benchmark and rewrite the one table in ``benchmarks/README.md``.

    python benchmarks/run_all.py [--only NAME,NAME] [--quick] [--dry-run] [--timeout S]
                                 [--from-logs] [--readme PATH]

Each benchmark script runs in its own process with this interpreter, from the
repository root; the load average is read before and after it. A script reports
its figures either on machine-readable lines of its own::

    BENCH-RESULT {"row": "posting · SQLite", "figure": "41,200 entries/s",
                  "baseline": "raw executemany 690,000 rows/s", "ratio": "4.1×"}

(one line per table row; see :func:`bench_line`), or, for the scripts that print
only for people, through the parser this file keeps for its output. The table
between the ``bench-table`` markers is rewritten: rows that ran get the new figure,
the load average and the date; rows that did not run (``--only``, a script not
there yet, a failure) keep their previous cells, with the failure noted.
``--quick`` passes smaller sizes (a smoke run, not figures for the table: the rows
say "quick").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
README = HERE / "README.md"
START = "<!-- bench-table:start (written by benchmarks/run_all.py) -->"
END = "<!-- bench-table:end -->"
COLUMNS = ("Benchmark", "Script", "Target", "Latest", "Load", "Baseline", "Ratio", "Measured")
MARK = "BENCH-RESULT "


@dataclass
class Figure:
    """One table row's measured cells."""

    row: str
    figure: str
    baseline: str = "—"
    ratio: str = "—"


@dataclass
class Bench:
    name: str  # the --only name
    script: str
    rows: dict[str, str]  # table row → target
    parse: Callable[[str], list[Figure]]
    quick: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)


def bench_line(row: str, figure: str, baseline: str = "—", ratio: str = "—") -> str:
    """The machine-readable line a benchmark script prints for one table row."""
    return MARK + json.dumps(
        {"row": row, "figure": figure, "baseline": baseline, "ratio": ratio}, ensure_ascii=False
    )


def machine_lines(output: str) -> list[Figure]:
    """The ``BENCH-RESULT`` lines of a script's output."""
    out = []
    for line in output.splitlines():
        if line.startswith(MARK):
            try:
                d = json.loads(line[len(MARK) :])
                base, ratio = str(d.get("baseline") or "—"), str(d.get("ratio") or "—")
                out.append(Figure(str(d["row"]), str(d["figure"]), base, ratio))
            except (ValueError, KeyError, TypeError):
                continue
    return out


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def _x(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if b else "—"


# --- parsers of the scripts' human output ------------------------------------------------
def parse_startup(out: str) -> list[Figure]:
    ours = re.search(r"coopctl --help median:\s+([\d.]+) ms", out)
    base = re.search(r"minimal typer --help median:\s+([\d.]+) ms", out)
    if not (ours and base):
        return []
    a, b = _num(ours[1]), _num(base[1])
    return [Figure("start-up", f"{a:.0f} ms", f"minimal typer app {b:.0f} ms", _x(a, b))]


def parse_posting(out: str) -> list[Figure]:
    """The table of ledger_post.py: route, entries, wall s, entries/s, CPU s, server CPU s,
    raw s, raw rows/s, ×raw (wall / raw wall), …"""
    figs = []
    num = r"([\d,.]+)"
    for label, row in (("sqlite", "posting · SQLite"), ("postgresql", "posting · PostgreSQL")):
        m = re.search(rf"^{label}/\S+" + rf"\s+{num}" * 8, out, re.M)
        if not m:
            continue
        entries, wall, rate, raw_rows, x_raw = m[1], m[2], m[3], m[7], m[8]
        kind = "executemany" if label == "sqlite" else "COPY"
        figs.append(
            Figure(
                row,
                f"{_num(rate):,.0f} entries/s ({_num(entries):,.0f} entries, {_num(wall):.2f} s)",
                f"raw {kind} of the same rows {_num(raw_rows):,.0f} rows/s",
                f"{_num(x_raw):.1f}× raw",
            )
        )
    return figs


def parse_aging(out: str) -> list[Figure]:
    bulk = re.search(r"bulk \(Polars\), ([\d,]+) active loans.*?median ([\d.]+) s", out, re.S)
    scalar = re.search(r"extrapolated linearly to [\d,]+ loans \(x[\d.]+\): ([\d.]+) s", out)
    if not bulk:
        return []
    b = _num(bulk[2])
    base, ratio = "—", "—"
    if scalar:
        base, ratio = f"scalar loan by loan {_num(scalar[1]):.1f} s", _x(_num(scalar[1]), b)
    return [Figure("aging", f"{b:.2f} s for {bulk[1]} loans", base, ratio)]


def parse_interest(out: str) -> list[Figure]:
    figs = []
    for label, row in (("sqlite", "interest · SQLite"), ("postgresql", "interest · PostgreSQL")):
        job = re.search(rf"\[{label}\] jobs run .*?: ([\d.]+) s end to end \(items ([\d,]*\d)", out)
        sc = re.search(rf"\[{label}\] scalar path: .*?→ ([\d.]+) s for", out)
        if not job:
            continue
        t = _num(job[1])
        base, ratio = "—", "—"
        if sc:
            base, ratio = f"scalar end to end {_num(sc[1]):.0f} s", _x(_num(sc[1]), t)
        figs.append(Figure(row, f"{t:.1f} s for {job[2]} accounts", base, ratio))
    return figs


def parse_statements(out: str) -> list[Figure]:
    figs = []
    comp = re.search(r"bulk statements: ([\d,]+) members", out)
    members = comp[1] if comp else "?"
    for kind in ("CSV", "XLSX"):
        m = re.search(rf"^{kind}\s+\(incl\. computation\):\s+([\d.]+) s", out, re.M)
        if m:
            figs.append(Figure(f"statements · {kind}", f"{_num(m[1]):.1f} s for {members} members"))
    rates = {
        lab.strip(): _num(r)
        for lab, r in re.findall(r"^PDF\s+(.+?):\s+([\d.]+) statements/s", out, re.M)
    }
    if rates:
        one = next((v for k, v in rates.items() if k.startswith("1 process")), None)
        best = max(rates.values())
        base = f"1 process {one:.1f}/s" if one is not None else "—"
        figs.append(
            Figure("statements · PDF", f"{best:.1f} statements/s", base, _x(best, one or 0))
        )
    return figs


def parse_recon(out: str) -> list[Figure]:
    total = re.search(r"end to end \(import \+ match\): ([\d.]+) s", out)
    scalar = re.search(r"extrapolated to ([\d,]+): ([\d.]+) s\)", out)
    match = re.search(r"bulk match: .*? in ([\d.]+) s", out)
    if not total:
        return []
    base, ratio = "—", "—"
    if scalar and match:
        base = f"scalar matcher {_num(scalar[2]):.0f} s"
        ratio = _x(_num(scalar[2]), _num(match[1])) + " (matching)"
    lines = scalar[1] if scalar else "?"
    return [Figure("reconciliation", f"{_num(total[1]):.1f} s for {lines} lines", base, ratio)]


def parse_golive(out: str) -> list[Figure]:
    figs = []
    for label, row in (("sqlite", "golive · SQLite"), ("postgresql", "golive · PostgreSQL")):
        m = re.search(rf"{label}: accounts import ([\d.]+) s for ([\d,]+) rows", out)
        mem = re.search(rf"{label}: import members\s+([\d,]+) rows.*? in\s+([\d.]+) s", out)
        if m:
            also = f" (members {_num(mem[2]):.1f} s)" if mem else ""
            figs.append(Figure(row, f"accounts {_num(m[1]):.1f} s for {m[2]} rows{also}"))
    return figs


def parse_backup(out: str) -> list[Figure]:
    figs = []
    for label, row in (("sqlite", "backup · SQLite"), ("postgresql", "backup · PostgreSQL")):
        m = re.search(
            rf"^{label}\s+([\d,]+)\s+([\d,]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)",
            out,
            re.M,
        )
        if m:
            figs.append(Figure(row, f"create {m[4]} s, verify {m[5]} s, restore {m[6]} s "
                                    f"({m[1]} entries, {m[3]} MB)"))  # fmt: skip
    return figs


def parse_payments(out: str) -> list[Figure]:
    rec = re.search(r"received (\d+) webhooks in ([\d.]+) s \((\d+) requests/s", out)
    proc = re.search(r"processed \d+ .*? in ([\d.]+) s \((\d+) payments/s\)", out)
    if not rec:
        return []
    extra = f"; processed at {proc[2]}/s" if proc else ""
    return [Figure("payments", f"{rec[3]} webhooks/s ({rec[1]} events){extra}")]


def parse_import(row: str, unit: str) -> Callable[[str], list[Figure]]:
    """checkoff.py and members_import.py: one line per database, ``  sqlite: N <unit> in
    T s (CPU …), …; per-<x> path P ms/<x> → B s for N (R× slower)``."""
    pat = re.compile(
        rf"^\s*(sqlite|postgresql): ([\d,]+) {unit} in ([\d.]+) s.*?per-\w+ path "
        r"([\d.]+) ms/\w+ → ([\d.]+) s for [\d,]+ \(([\d.]+)× slower\)",
        re.M,
    )

    def parse(out: str) -> list[Figure]:
        got = {m[1]: m for m in pat.finditer(out)}
        if not got:
            return parse_generic(row)(out)
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        fig = "; ".join(f"{names[k]} {m[3]} s for {m[2]} {unit}" for k, m in got.items())
        base = "; ".join(
            f"{names[k]} per-{unit.rstrip('s')} path {m[4]} ms ({m[5]} s)" for k, m in got.items()
        )
        ratio = "; ".join(f"{names[k]} {m[6]}×" for k, m in got.items())
        return [Figure(row, fig, base, ratio)]

    return parse


def parse_generic(row: str) -> Callable[[str], list[Figure]]:
    """For a script this file has no parser for: its last line that names a target."""

    def parse(out: str) -> list[Figure]:
        lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
        pick = [ln for ln in lines if "target" in ln.lower()] or lines[-1:]
        return [Figure(row, pick[-1][:120].replace("|", "/"))] if pick else []

    return parse


BENCHES = [
    Bench("startup", "startup.py", {"start-up": "≤ 1.3× a minimal typer app"}, parse_startup),
    Bench("posting", "ledger_post.py",
          {"posting · SQLite": "≥ 40,000 entries/s, ≤ 5× raw insert",
           "posting · PostgreSQL": "≥ 30,000 entries/s, ≤ 5× raw COPY"},
          parse_posting, quick=["--entries", "10000", "--singles", "200", "--accounts", "2000"]),
    Bench("aging", "aging.py", {"aging": "≤ 5 s for 200,000 loans; ≥ 20× scalar"}, parse_aging,
          quick=["--loans", "20000", "--sample", "2000", "--repeat", "1",
                 "--db", str(HERE / ".data" / "aging-quick.db")]),
    Bench("interest", "interest.py",
          {"interest · SQLite": "≤ 15 s for 200,000 accounts; ≥ 30× scalar",
           "interest · PostgreSQL": "≥ 30× scalar"},
          parse_interest, quick=["--accounts", "5000", "--transactions", "50000",
                                 "--scalar-sample", "200"]),
    Bench("checkoff", "checkoff.py",
          {"check-off import": "20,000 lines ≤ 3 s (SQLite and PostgreSQL)"},
          parse_import("check-off import", "lines")),
    Bench("members", "members_import.py",
          {"member import": "50,000 members ≤ 30 s (PII encrypted, blind-indexed)"},
          parse_import("member import", "members")),
    Bench("statements", "statements.py",
          {"statements · CSV": "≤ 20 s (200,000 members)",
           "statements · XLSX": "≤ 20 s (200,000 members)",
           "statements · PDF": "≥ 35 statements/s on both cores"},
          parse_statements, quick=["--members", "2000", "--pdf-sample", "100"]),
    Bench("demo", "demo_bulk.py",
          {"scale demo": "`demo --bulk` 200,000 members × 12 months ≤ 10 min, verify passes"},
          parse_generic("scale demo"),
          quick=["--members", "2000", "--months", "2",
                 "--dir", str(HERE / ".data" / "reports-demo-quick" / "demo")]),
    Bench("reports", "reports.py",
          {"reports from period balances": "trial balance, balance sheet ≤ 2 s (200,000 members)"},
          parse_generic("reports from period balances"),
          args=["--demo-members", "200000", "--dir", str(HERE / ".data" / "reports-demo"),
                "--reuse"],
          quick=["--demo-members", "2000", "--months", "2",
                 "--dir", str(HERE / ".data" / "reports-demo-quick")]),
    Bench("recon", "recon.py",
          {"reconciliation": "≤ 10 s import + match (50,000 lines vs 500,000)"}, parse_recon,
          quick=["--ledger", "50000", "--lines", "5000", "--sample", "200"]),
    Bench("golive", "golive.py",
          {"golive · SQLite": "accounts ≤ 30 s for 50,000 rows",
           "golive · PostgreSQL": "accounts ≤ 30 s for 50,000 rows"},
          parse_golive, quick=["--rows", "5000"]),
    Bench("backup", "backup.py",
          {"backup · SQLite": "— (measured)", "backup · PostgreSQL": "— (measured)"},
          parse_backup, quick=["--entries", "5000", "--accounts", "500"]),
    Bench("payments", "payments.py", {"payments": "— (measured)"}, parse_payments,
          quick=["--events", "200", "--members", "20"]),
]  # fmt: skip


# --- the table ----------------------------------------------------------------------
def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def read_table(text: str) -> dict[str, dict[str, str]]:
    """The rows between the markers, by their first cell (header and rule skipped)."""
    if START not in text or END not in text:
        return {}
    body = text.split(START, 1)[1].split(END, 1)[0]
    rows: dict[str, dict[str, str]] = {}
    for line in body.splitlines():
        if not line.strip().startswith("|"):
            continue
        cells = _cells(line)
        if cells[0] == COLUMNS[0] or set(cells[0]) <= {"-", ":"}:
            continue
        cells += [""] * (len(COLUMNS) - len(cells))
        rows[cells[0]] = dict(zip(COLUMNS, cells[: len(COLUMNS)], strict=True))
    return rows


def render_table(rows: list[dict[str, str]]) -> str:
    def cell(v: str) -> str:
        return v.replace("|", "/").replace("\n", " ")

    out = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    for r in rows:
        out.append("| " + " | ".join(cell(r.get(c, "")) for c in COLUMNS) + " |")
    return "\n".join(out)


def merge(
    old: dict[str, dict[str, str]],
    results: dict[str, tuple[list[Figure], float, str]],
    failures: dict[str, str],
    today: str,
) -> list[dict[str, str]]:
    """Every benchmark's rows in catalogue order: new figures where a script ran, the
    previous cells otherwise (a failure is noted in the Measured cell)."""
    rows = []
    for b in BENCHES:
        figs, load, note = results.get(b.name, ([], 0.0, ""))
        got = {f.row: f for f in figs}
        for row, target in b.rows.items():
            prev = old.get(row, {})
            r = {c: prev.get(c, "") for c in COLUMNS}
            r.update({"Benchmark": row, "Script": f"`{b.script}`", "Target": target})
            if row in got:
                f = got[row]
                when = today + (f" ({note})" if note else "")
                r.update(Latest=f.figure, Baseline=f.baseline, Ratio=f.ratio,
                         Load=f"{load:.2f}", Measured=when)  # fmt: skip
            elif b.name in failures:
                before = (prev.get("Measured") or "").split("; last run:")[0].strip()
                before = "never" if before in ("", "—", "never") else before
                r["Measured"] = f"{before}; last run: {failures[b.name]}"
            for c in ("Latest", "Load", "Baseline", "Ratio", "Measured"):
                r[c] = r[c] or "—"
            rows.append(r)
    return rows


def rewrite(text: str, table: str) -> str:
    """``text`` with the table between the markers replaced (markers added at the end
    when missing); everything outside the markers is kept byte for byte."""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        return f"{head}{START}\n{table}\n{END}{tail}"
    return text.rstrip("\n") + f"\n\n{START}\n{table}\n{END}\n"


# --- running ------------------------------------------------------------------------
def run_one(b: Bench, quick: bool, timeout: float) -> tuple[list[Figure], float, str]:
    """Run one script; (figures, mean load average before/after, log path)."""
    # -u: unbuffered, so a script that times out still leaves what it printed
    args = [sys.executable, "-u", str(HERE / b.script), *b.args, *(b.quick if quick else [])]
    logs = HERE / ".data" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{b.name}.log"
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                              check=False)  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        partial = exc.stdout or b""
        text = partial.decode(errors="replace") if isinstance(partial, bytes) else partial
        log.write_text(f"$ {' '.join(args)}\n# timed out after {timeout:.0f} s\n{text}")
        raise RuntimeError(f"timed out after {timeout:.0f} s (log {_rel(log)})") from None
    took = time.perf_counter() - t0
    load = (load0 + os.getloadavg()[0]) / 2
    output = proc.stdout + "\n" + proc.stderr
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    log.write_text(
        f"$ {' '.join(args)}\n# exit {proc.returncode} in {took:.0f} s\n"
        f"# load {load:.2f} on {when}{' quick' if quick else ''}\n{output}"
    )
    return from_log(b, log)


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


LOG_HEAD = re.compile(r"^# exit (-?\d+) in \d+ s\n# load ([\d.]+) on (\S+)( quick)?$", re.M)


def from_log(b: Bench, log: Path) -> tuple[list[Figure], float, str]:
    """The figures of a script's saved log (``--from-logs`` re-reads the last run)."""
    text = log.read_text(encoding="utf-8")
    head = LOG_HEAD.search(text)
    code, load = (int(head[1]), float(head[2])) if head else (0, 0.0)
    figs = machine_lines(text) or b.parse(text)
    timed_out = re.search(r"^# timed out after (\d+) s$", text, re.M)
    if timed_out and not figs:
        raise RuntimeError(f"timed out after {timed_out[1]} s (log {_rel(log)})")
    if code != 0 and not figs:
        raise RuntimeError(f"exit {code} (log {_rel(log)})")
    if not figs:
        raise RuntimeError(f"no figure found in the output (log {_rel(log)})")
    notes = (["quick"] if head and head[4] else []) + ([f"exit {code}"] if code else [])
    return figs, load, ", ".join(notes)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = ",".join(b.name for b in BENCHES)
    ap.add_argument("--only", default="", help=f"comma-separated: {names}")
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--dry-run", action="store_true", help="print the table, do not write it")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per script")
    ap.add_argument("--readme", type=Path, default=README, help="the file holding the table")
    ap.add_argument("--from-logs", action="store_true", help="re-read the last logs, run nothing")
    a = ap.parse_args(argv)
    only = {s.strip() for s in a.only.split(",") if s.strip()}
    unknown = only - {b.name for b in BENCHES}
    if unknown:
        ap.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    results: dict[str, tuple[list[Figure], float, str]] = {}
    failures: dict[str, str] = {}
    readme: Path = a.readme

    def write_table() -> str:
        text = readme.read_text(encoding="utf-8") if readme.is_file() else "# Benchmarks\n"
        table = render_table(merge(read_table(text), results, failures, today))
        if not a.dry_run:  # after every script: a later failure keeps what was measured
            readme.write_text(rewrite(text, table), encoding="utf-8")
        return table

    for b in BENCHES:
        if only and b.name not in only:
            continue
        log = HERE / ".data" / "logs" / f"{b.name}.log"
        if a.from_logs and not log.is_file():
            print(f"{b.name:<11} skipped: no log", flush=True)
            continue
        if not a.from_logs and not (HERE / b.script).is_file():
            failures[b.name] = f"no {b.script} yet"
            print(f"{b.name:<11} skipped: no {b.script}", flush=True)
            continue
        print(f"{b.name:<11} {'reading' if a.from_logs else 'running'} {b.script} …", flush=True)
        try:
            results[b.name] = from_log(b, log) if a.from_logs else run_one(b, a.quick, a.timeout)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            failures[b.name] = str(exc).splitlines()[0][:100]
            print(f"{b.name:<11} FAILED: {failures[b.name]}", flush=True)
            write_table()
            continue
        for f in results[b.name][0]:
            print(f"{b.name:<11} {f.row}: {f.figure} (baseline {f.baseline}, ratio {f.ratio})")
        write_table()
    table = write_table()
    if a.dry_run:
        print(table)
    else:
        print(f"rewrote the table in {readme}")
    return 1 if failures and not results else 0


if __name__ == "__main__":
    sys.exit(main())
