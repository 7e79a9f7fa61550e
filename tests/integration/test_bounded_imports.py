"""Bounded imports (issue 9 item 8): every importer refuses devices, FIFOs, oversized
and binary files fast (exit 2), names file:line:field, and lists at most
``[imports] max_errors`` problems, then "and N more"."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import pytest

from tests.conftest import Coop
from tests.integration.deposits_support import add_bank


def _importers(coop: Coop, path: Path) -> dict[str, list[str]]:
    return {
        "postings import": [
            "postings",
            "import",
            str(path),
            "--bank",
            "GTB",
            "--ref",
            "R",
            "--total",
            "1",
        ],
        "members import": ["members", "import", str(path)],
        "budgets import": ["budgets", "import", str(path), "--year", "2026"],
    }


def _count(coop: Coop) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        int(coop.sql(f"SELECT COUNT(*) FROM {t}")[0][0])
        for t in ("journal_entries", "members", "budgets")
    )


def _run(coop: Coop, path: Path) -> dict[str, tuple[int, str, float]]:
    out = {}
    for name, args in _importers(coop, path).items():
        t0 = time.monotonic()
        r = coop.cli(*args, operator="admin")
        out[name] = (r.exit_code, r.stderr, time.monotonic() - t0)
    return out


def test_dev_zero_exits_2_fast_for_every_importer(coop: Coop) -> None:
    add_bank(coop)
    before = _count(coop)
    for name, (code, err, secs) in _run(coop, Path("/dev/zero")).items():
        assert code == 2, (name, err)
        assert "a device, not an import file" in err, name
        assert secs < 2, (name, secs)
    assert _count(coop) == before


def test_fifo_exits_2_without_blocking(coop: Coop, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # nobody writes: opening it would block for ever
    for name, (code, err, secs) in _run(coop, fifo).items():
        assert code == 2 and "a pipe (FIFO)" in err, (name, err)
        assert secs < 2


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_50_mb_of_garbage_exits_2_fast_in_little_memory(coop: Coop, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.csv"
    line = b"x7#!Q" * 20 + b"\n"
    with garbage.open("wb") as fh:
        for _ in range(50_000_000 // len(line)):
            fh.write(line)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for name, (code, err, secs) in _run(coop, garbage).items():
        assert code == 2, (name, err)
        assert "the limit is 20,000,000" in err and len(err) < 500, name
        assert secs < 2, (name, secs)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert grown_kb < 100_000


def test_binary_and_mis_encoded_lines_are_named(coop: Coop, tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_bytes(b"member_no,amount\nM00000013,10\nM\x00X,1\n\xff\xfe,2\n")
    for name, (code, err, _) in _run(coop, f).items():
        assert code == 2, (name, err)
        assert "bad.csv:3:file: binary data (NUL byte at column 2)" in err, name
        assert "bad.csv:4:file: not UTF-8 text (byte 0xff at column 1)" in err, name


def test_errors_are_capped_with_and_n_more(coop: Coop, tmp_path: Path) -> None:
    f = tmp_path / "many.csv"
    f.write_text("member_no,amount\n" + "".join(f"M{i:08d},abc\n" for i in range(130)))
    add_bank(coop)
    r = coop.cli(*_importers(coop, f)["postings import"], operator="admin")
    assert r.exit_code == 2
    shown = [ln for ln in r.stderr.splitlines() if ln.startswith("  many.csv:")]
    assert len(shown) == 50
    assert "… and " in r.stderr and " more" in r.stderr.splitlines()[-1]
    r = coop.cli(*_importers(coop, f)["postings import"], operator="admin",
                 COOPCTL_IMPORTS__MAX_ERRORS="5")  # fmt: skip
    assert len([ln for ln in r.stderr.splitlines() if ln.startswith("  many.csv:")]) == 5


def test_size_limit_is_configurable(coop: Coop, tmp_path: Path) -> None:
    f = tmp_path / "small.csv"
    f.write_text("member_no,amount\n" + "M00000013,10\n" * 20)
    r = coop.cli("members", "import", f, operator="admin", COOPCTL_IMPORTS__MAX_FILE_BYTES="100")
    assert r.exit_code == 2 and "the limit is 100 " in r.stderr
