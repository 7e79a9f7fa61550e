# ruff: noqa: E501  (sample outputs and tables are quoted as the scripts print them)
"""``benchmarks/run_all.py``: reading the scripts' figures and rewriting the one table.

The story: the posting and start-up benchmarks were re-run today at load 1.20; aging
was not re-run (its row keeps last week's figure) and the check-off script failed
(its row keeps its figure and says the last run failed). The prose around the table
stays byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import run_all
from benchmarks.run_all import END, START, Figure

LEDGER_POST_OUTPUT = """\
load average at start: 1.10 (2 CPUs)
load average at end: 1.30
db/route                entries  wall s entries/s  CPU s srv CPU  raw s raw rows/s  ×raw ×raw CPU re-run singles p50 ms p95 ms
sqlite/executemany      100,000    2.41    41,493   2.30    0.00   0.96    207,465   2.5      2.4   0.30   2,000   1.10   2.00
postgresql/copy         100,000    3.10    32,258   0.70    2.30   1.40    214,286   2.2      2.1   0.50   2,000   2.10   3.50
targets (SQLite ≥ 40,000 entries/s, PostgreSQL ≥ 30,000, each within 5× of the raw insert of the same rows; default routes): met
"""

README = f"""# Benchmarks

Some prose that must survive | with a pipe.

{START}
| Benchmark | Script | Target | Latest | Load | Baseline | Ratio | Measured |
|---|---|---|---|---|---|---|---|
| aging | `aging.py` | ≤ 5 s | 2.10 s for 180,000 loans | 1.05 | scalar 105.0 s | 50.0× | 2026-11-25 |
| check-off import | `checkoff.py` | ≤ 3 s | 2.8 s | 0.90 | — | — | 2026-11-25 |
| start-up | `startup.py` | ≤ 1.3× | 400 ms | 2.00 | minimal typer app 380 ms | 1.05× | 2026-11-20 |
{END}

Footer text.
"""


def test_reads_the_existing_rows_by_name() -> None:
    rows = run_all.read_table(README)
    assert set(rows) == {"aging", "check-off import", "start-up"}
    assert rows["aging"]["Latest"] == "2.10 s for 180,000 loans"
    assert rows["aging"]["Ratio"] == "50.0×"
    assert run_all.read_table("# no markers here\n| a | b |\n") == {}


def test_rewrite_updates_what_ran_keeps_the_rest_and_the_prose() -> None:
    old = run_all.read_table(README)
    results = {
        "posting": (run_all.parse_posting(LEDGER_POST_OUTPUT), 1.2, ""),
        "startup": ([Figure("start-up", "310 ms", "minimal typer app 300 ms", "1.03×")], 1.2, ""),
    }
    failures = {"checkoff": "exit 1 (log benchmarks/.data/logs/checkoff.log)"}
    table = run_all.render_table(run_all.merge(old, results, failures, "2026-12-02"))
    text = run_all.rewrite(README, table)

    head, rest = text.split(START)
    assert head == README.split(START)[0]  # prose before: byte for byte
    assert rest.split(END)[1] == "\n\nFooter text.\n"
    rows = run_all.read_table(text)
    # every catalogue row is there, in catalogue order
    names = [r for b in run_all.BENCHES for r in b.rows]
    assert list(rows) == names
    sqlite = rows["posting · SQLite"]
    assert sqlite["Latest"] == "41,493 entries/s (100,000 entries, 2.41 s)"
    assert (sqlite["Load"], sqlite["Measured"]) == ("1.20", "2026-12-02")
    assert rows["posting · PostgreSQL"]["Latest"].startswith("32,258 entries/s")
    assert rows["start-up"]["Latest"] == "310 ms" and rows["start-up"]["Ratio"] == "1.03×"
    # not re-run: last week's figure and date stay
    assert rows["aging"]["Latest"] == "2.10 s for 180,000 loans"
    assert rows["aging"]["Measured"] == "2026-11-25"
    # failed: the figure stays, the failure is noted
    assert rows["check-off import"]["Latest"] == "2.8 s"
    assert "last run: exit 1" in rows["check-off import"]["Measured"]
    # never measured: dashes, not blanks
    assert rows["payments"]["Latest"] == "—"
    # rewriting twice with the same results gives the same file; notes do not pile up
    again = run_all.rewrite(text, table)
    assert again == text
    twice = run_all.render_table(
        run_all.merge(run_all.read_table(text), {}, failures, "2026-12-03")
    )
    row = run_all.read_table(run_all.rewrite(text, twice))["check-off import"]
    assert (
        row["Measured"] == "2026-11-25; last run: exit 1 (log benchmarks/.data/logs/checkoff.log)"
    )
    never = run_all.read_table(run_all.rewrite(text, twice))["posting · SQLite"]
    assert never["Measured"] == "2026-12-02"  # measured in the first rewrite, not failed since


def test_markers_are_added_when_missing() -> None:
    text = run_all.rewrite("# Benchmarks\n\nIntro.\n", "| a |")
    assert text == f"# Benchmarks\n\nIntro.\n\n{START}\n| a |\n{END}\n"


def test_machine_readable_lines_win_and_bad_ones_are_ignored() -> None:
    out = "\n".join(
        [
            "some human text 12.0 s",
            run_all.bench_line("aging", "1.9 s for 180,000 loans", "scalar 95.0 s", "50.0×"),
            "BENCH-RESULT {not json",
            'BENCH-RESULT {"figure": "no row"}',
        ]
    )
    assert run_all.machine_lines(out) == [
        Figure("aging", "1.9 s for 180,000 loans", "scalar 95.0 s", "50.0×")
    ]


def test_parsers_of_the_human_output() -> None:
    startup = (
        "coopctl --help median:         180.0 ms\n"
        "minimal typer --help median:   150.0 ms\n"
        "ratio coopctl / minimal:          1.20x  (target <= 1.30x)\n"
    )
    assert run_all.parse_startup(startup) == [
        Figure("start-up", "180 ms", "minimal typer app 150 ms", "1.2×")
    ]
    aging = (
        "bulk (Polars), 180,000 active loans, 2,000,000 installment rows read:\n"
        "  run 1: read 1.00 s + compute 0.50 s = 1.50 s\n"
        "  median 1.50 s  (target ≤ 5 s: OK)\n"
        "  extrapolated linearly to 180,000 loans (x9.00): 90.0 s "
        "(per-loan computation alone: 80.0 s)\n"
    )
    # 90.0 / 1.50 = 60×, by hand
    assert run_all.parse_aging(aging) == [
        Figure("aging", "1.50 s for 180,000 loans", "scalar loan by loan 90.0 s", "60.0×")
    ]
    figs = {f.row: f for f in run_all.parse_posting(LEDGER_POST_OUTPUT)}
    assert figs["posting · SQLite"].baseline == "raw executemany of the same rows 207,465 rows/s"
    assert figs["posting · SQLite"].ratio == "2.5× raw"  # the script's wall / raw wall
    assert figs["posting · PostgreSQL"].baseline == "raw COPY of the same rows 214,286 rows/s"
    assert figs["posting · PostgreSQL"].ratio == "2.2× raw"
    checkoff = (
        "  sqlite: set-up (21,000 members and accounts) 7.9 s\n"
        "  sqlite: 20,000 lines in 1.88 s (CPU 1.87 s), 10,633 lines/s; per-line path 1.05 ms/line"
        " → 21.1 s for 20,000 (11× slower); target ≤ 3 s for 20,000: OK\n"
        "  postgresql: 20,000 lines in 2.79 s (CPU 2.14 s), 7,173 lines/s; per-line path 2.19"
        " ms/line → 43.9 s for 20,000 (16× slower); target ≤ 3 s for 20,000: OK\n"
    )
    assert run_all.parse_import("check-off import", "lines")(checkoff) == [
        Figure(
            "check-off import",
            "SQLite 1.88 s for 20,000 lines; PostgreSQL 2.79 s for 20,000 lines",
            "SQLite per-line path 1.05 ms (21.1 s); PostgreSQL per-line path 2.19 ms (43.9 s)",
            "SQLite 11×; PostgreSQL 16×",
        )
    ]
    # without the per-database lines: the generic parser's last line naming a target
    assert run_all.parse_import("member import", "members")("50,000 in 9 s (target ≤ 30 s)") == [
        Figure("member import", "50,000 in 9 s (target ≤ 30 s)")
    ]
    generic = run_all.parse_generic("check-off import")(
        "x\n20,000 lines in 2.50 s (target ≤ 3 s)\n"
    )
    assert generic == [Figure("check-off import", "20,000 lines in 2.50 s (target ≤ 3 s)")]
    assert run_all.parse_recon("nothing useful") == []


def test_a_saved_log_gives_back_the_figures_and_the_load(tmp_path: Path) -> None:
    bench = next(b for b in run_all.BENCHES if b.name == "startup")
    log = tmp_path / "startup.log"
    log.write_text(
        "$ python benchmarks/startup.py\n# exit 0 in 8 s\n# load 1.35 on 2026-12-02 quick\n"
        + run_all.bench_line("start-up", "250 ms", "minimal typer app 240 ms", "1.04×")
        + "\n",
        encoding="utf-8",
    )
    figs, load, note = run_all.from_log(bench, log)
    assert figs == [Figure("start-up", "250 ms", "minimal typer app 240 ms", "1.04×")]
    assert (load, note) == (1.35, "quick")
    failed = tmp_path / "posting.log"
    failed.write_text("$ x\n# exit 1 in 3 s\n# load 2.00 on 2026-12-02\nTraceback …\n")
    posting = next(b for b in run_all.BENCHES if b.name == "posting")
    with pytest.raises(RuntimeError, match="exit 1"):
        run_all.from_log(posting, failed)
