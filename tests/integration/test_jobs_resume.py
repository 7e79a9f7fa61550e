"""A month-end run killed with SIGKILL half-way resumes to exactly the books of an
uninterrupted run: each chunk of accounts commits on its own, and every interest
posting carries the key interest:{product}:{month}:{account}."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal

from tests.conftest import Coop
from tests.integration.deposits_support import verify
from tests.integration.jobs_support import (
    daily_balance_interest,
    hi_yield_product,
    interest_entries,
    jobs,
    saver,
)

D = Decimal
SAVERS = 12
CHUNK = {"COOPCTL_JOBS__CHUNK_SIZE": "2", "COOPCTL_JOBS__CHUNK_PAUSE_MS": "300"}


def _count_interest(coop: Coop) -> int:
    return int(coop.sql("SELECT COUNT(*) FROM journal_entries WHERE kind = 'interest'")[0][0])


def test_sigkill_midway_then_rerun_gives_the_uninterrupted_books(coop: Coop) -> None:
    hi_yield_product(coop)
    amounts = [D(10_000 * (i + 1)) for i in range(SAVERS)]
    accounts = [
        saver(coop, "Saver" + "abcdefghijklmnopqrstuvwxyz"[i], str(a))
        for i, a in enumerate(amounts)
    ]
    expected = []
    for acct, amt in zip(accounts, amounts, strict=True):
        gross = daily_balance_interest(amt, D("12"), 31)
        wht = (gross * D("0.10")).quantize(D("0.01"))
        expected.append((acct, str(gross - wht)))
    expected.sort()

    env = {**os.environ, **coop.env("system", COOPCTL_TODAY="2026-02-01", **CHUNK)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "coopctl", "jobs", "run", "month_end", "--date", "2026-01-31"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=coop.workdir,
    )
    deadline = time.monotonic() + 120
    seen = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            seen = _count_interest(coop)
            if seen >= 4:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()
    partial = _count_interest(coop)
    assert 4 <= partial < SAVERS, partial
    assert partial % 2 == 0  # whole chunks only: the killed chunk left nothing behind
    status = coop.sql("SELECT status FROM job_runs WHERE job = 'month_end'")
    assert [r[0] for r in status] == ["running"]

    r = jobs(coop, "run", "month_end", "--date", "2026-01-31", today="2026-02-01", **CHUNK)
    assert r.exit_code == 0, r.stderr
    step = next(s for s in r.json["runs"][0]["steps"] if s["step"] == "deposits.interest")
    assert (step["posted"], step["skipped"]) == (SAVERS - partial, partial)
    assert interest_entries(coop) == expected
    assert _count_interest(coop) == SAVERS
    verify(coop)
    runs = coop.sql("SELECT status FROM job_runs WHERE job = 'month_end' ORDER BY id")
    assert [x[0] for x in runs] == ["interrupted", "ok"]
