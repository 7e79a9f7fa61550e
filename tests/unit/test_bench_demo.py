"""``benchmarks/demo_bulk.py``: the scale demo's row is its wall time against 10 minutes,
and a build whose ``ledger verify`` failed gives no figure."""

from __future__ import annotations

import contextlib
import io

import pytest

from benchmarks import demo_bulk, run_all

RESULT = {
    "members": 200000,
    "months": 12,
    "entries": 2400458,
    "ledger_verify_ok": True,
    "timings_s": {"golive_members": 26.4, "golive_accounts": 14.0, "checkoff": 196.8,
                  "provision": 2.1, "interest": 163.7, "close": 76.9, "verify": 38.4},
}  # fmt: skip


def test_the_row_reads_wall_time_phases_and_ratio() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        demo_bulk.report(RESULT, 544.6, 0.8)
    [fig] = run_all.machine_lines(out.getvalue())
    assert fig.row == "scale demo"
    assert (
        fig.figure
        == "545 s for 200,000 members × 12 months (2,400,458 entries, ledger verify passed)"
    )
    assert fig.baseline == "go-live 40 s, months 440 s, verify 38 s"
    assert fig.ratio == "0.91 of target"
    assert "target ≤ 600 s" in out.getvalue()


def test_a_failed_verify_gives_no_figure() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(AssertionError, match="verify"):
        demo_bulk.report({**RESULT, "ledger_verify_ok": False}, 500.0, 0.8)
    assert run_all.machine_lines(out.getvalue()) == []
