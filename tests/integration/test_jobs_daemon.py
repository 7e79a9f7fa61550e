"""The daemon: ``--once`` runs what is due and exits 0; exactly one daemon is active
per database (a second one stands by until the first stops on SIGTERM)."""

from __future__ import annotations

import base64
import os
import select
import signal
import subprocess
import sys
import time
from typing import Any

from tests.conftest import Coop

TODAY = "2026-03-05"
# The shipped month_end renders the PDF pack (seconds of weasyprint); these tests are
# about scheduling, so their catalogue's month_end stops before the pack.
LEAN = """
[jobs.month_end]
schedule = "30 2 1 * *"
calendar = "month_end"
steps = ["deposits.interest", "loans.provision", "ledger.verify", "ledger.close_period"]
"""


def _lean(coop: Coop) -> None:
    path = coop.workdir / "lean-catalogue.toml"
    path.write_text(LEAN, encoding="utf-8")
    coop.env_extra["COOPCTL_JOBS__CATALOGUE"] = str(path)
    # the shipped backup job is due too: it needs a backup key (a cooperative without
    # one gets a failed backup job, by design)
    coop.env_extra["COOPCTL_BACKUP_KEY"] = base64.b64encode(bytes(range(32))).decode()


def _daemon(coop: Coop, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        **coop.env("system", COOPCTL_TODAY=TODAY, COOPCTL_DAEMON__LOCK_POLL_SECONDS="1"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "coopctl", "daemon", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=coop.workdir,
    )


def _wait_line(proc: subprocess.Popen[str], needle: str, seconds: float = 90) -> list[str]:
    """Read the process's stderr until a line contains ``needle`` (bounded in time)."""
    assert proc.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.5)
        if ready:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
            seen.append(line)
            if needle in line:
                return seen
        elif proc.poll() is not None:
            break
    raise AssertionError(f"no {needle!r} on stderr; saw:\n{''.join(seen)}")


def _runs(coop: Coop) -> list[tuple[Any, ...]]:
    return [
        tuple(r) for r in coop.sql("SELECT job, business_date, status FROM job_runs ORDER BY id")
    ]


def test_daemon_once_runs_the_due_jobs_and_exits_0(coop: Coop) -> None:
    _lean(coop)
    key = base64.b64encode(bytes(range(32))).decode()
    r = coop.cli("daemon", "--once", operator="system", COOPCTL_TODAY=TODAY, COOPCTL_BACKUP_KEY=key)
    assert r.exit_code == 0, r.stderr
    runs = [(j, str(d)[:10], s) for j, d, s in _runs(coop)]
    assert ("nightly", "2026-03-04", "ok") in runs
    assert ("month_end", "2026-02-28", "ok") in runs
    assert ("backup", "2026-03-04", "ok") in runs  # created, verified, pruned
    beat = coop.sql("SELECT status FROM daemon_heartbeat WHERE name = 'daemon'")
    assert [b[0] for b in beat] == ["stopped"]
    again = coop.cli("daemon", "--once", operator="system", COOPCTL_TODAY=TODAY)
    assert again.exit_code == 0, again.stderr
    assert "job nightly is up to date" in again.stderr
    assert len(_runs(coop)) == len(runs)


def test_second_daemon_stands_by_until_the_first_stops(coop: Coop) -> None:
    _lean(coop)
    first = _daemon(coop)
    second = None
    try:
        _wait_line(first, "daemon lock taken")
        second = _daemon(coop, "--once")
        _wait_line(second, "another daemon is active on this database: standing by")
        _wait_line(first, "2026-03-04 notify.dispatch")  # the first one did the catch-up
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 0
        lines = _wait_line(second, "daemon lock taken")
        assert not any("approvals.expire" in ln for ln in lines)  # it ran nothing while waiting
        assert second.wait(timeout=120) == 0
    finally:
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
    nightly = [(str(d)[:10], s) for j, d, s in _runs(coop) if j == "nightly"]
    assert nightly == [("2026-03-04", "ok")]  # run once, by the first daemon
