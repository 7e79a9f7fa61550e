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
db/route               bulk entries  seconds  entries/s  vs 10k re-run s singles  p50 ms
sqlite                      100,000     2.41     41,493   4.15x     0.30   2,000    1.10    2.00      800
postgresql/copy             100,000     3.10     32,258   3.23x     0.50   2,000    2.10    3.50      400
postgresql/executemany      100,000     9.90     10,101   1.01x     0.50   2,000    2.10    3.50      400
bulk target (>= 10,000 entries/s, default routes): met
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
    assert sqlite["Latest"] == "41,493 entries/s (100,000 entries)"
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
    with_raw = LEDGER_POST_OUTPUT + "sqlite raw executemany 207,465 rows/s\n"
    figs = {f.row: f for f in run_all.parse_posting(with_raw)}
    # 207,465 / 41,493 = 5.0×
    assert figs["posting · SQLite"].baseline == "raw insert 207,465 rows/s"
    assert figs["posting · SQLite"].ratio == "5.0×"
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
