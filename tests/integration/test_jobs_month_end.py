"""Month end through the job runner: January's savings interest on a 12 % daily-balance
product, idempotent on a second run, catching up missed nights in order."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import Coop
from tests.integration.deposits_support import balance, trial_balance
from tests.integration.jobs_support import (
    daily_balance_interest,
    hi_yield_product,
    interest_entries,
    jobs,
    saver,
)

D = Decimal


def test_month_end_credits_januarys_interest_once(coop: Coop) -> None:
    """Ngozi deposits ₦100,000 on 1 January into a 12 % p.a. daily-balance account.

    31 days × 100,000 × 0.12 / 365 = 1,019.178… → gross 1,019.18;
    WHT 10 % = 101.918 → 101.92; net credit 1,019.18 − 101.92 = 917.26.
    Books: Dr 5100 interest expense 1,019.18 / Cr savings 917.26 / Cr 2220 WHT 101.92.
    """
    hi_yield_product(coop)
    acct = saver(coop, "Ngozi", "100000")
    gross = daily_balance_interest(D("100000"), D("12"), 31)
    wht = (gross * D("0.10")).quantize(D("0.01"))
    assert (gross, wht, gross - wht) == (D("1019.18"), D("101.92"), D("917.26"))

    r = jobs(coop, "run", "month_end", "--date", "2026-01-31", today="2026-02-01")
    assert r.exit_code == 0, r.stderr
    out = r.json
    assert out["job"] == "month_end" and out["business_date"] == "2026-01-31"
    assert out["status"] == "ok"
    steps = {s["step"]: s for s in out["runs"][0]["steps"]}
    assert steps["deposits.interest"]["posted"] == 1
    assert balance(coop, acct) == D("100000") + gross - wht
    tb = trial_balance(coop)
    assert tb["5100"] == (str(gross), "0.00")
    assert tb["2220"] == ("0.00", str(wht))
    assert interest_entries(coop) == [(acct, "917.26")]

    again = jobs(coop, "run", "month_end", "--date", "2026-01-31", today="2026-02-01")
    assert again.exit_code == 0, again.stderr
    assert again.json["posted"] == 0
    steps2 = {s["step"]: s for s in again.json["runs"][0]["steps"]}
    assert steps2["deposits.interest"]["skipped"] == 1
    assert "nothing posted" in again.stderr
    assert interest_entries(coop) == [(acct, "917.26")]
    assert balance(coop, acct) == D("100917.26")

    hist = jobs(coop, "history", "--name", "deposits.interest", today="2026-02-01").json
    assert [(h["business_date"], h["status"], h["posted"]) for h in hist] == [
        ("2026-01-31", "ok", 0),
        ("2026-01-31", "ok", 1),
    ]


def test_three_missed_nights_run_in_order(coop: Coop) -> None:
    """The nightly job last completed 1 March; on the morning of 5 March a run for
    4 March first runs the 2nd and 3rd, then the 4th."""
    first = jobs(coop, "run", "nightly", "--date", "2026-03-01", today="2026-03-02")
    assert first.exit_code == 0, first.stderr
    r = jobs(coop, "run", "nightly", today="2026-03-05")  # no --date: yesterday
    assert r.exit_code == 0, r.stderr
    assert [x["business_date"] for x in r.json["runs"]] == [
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
    ]
    hist = jobs(coop, "history", "--name", "nightly", today="2026-03-05").json
    runs = sorted({(h["run_id"], h["business_date"]) for h in hist})
    assert [d for _, d in runs] == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
    assert {h["status"] for h in hist} == {"ok"}
    assert {h["step"] for h in hist} >= {"loans.age", "ledger.verify", "approvals.expire"}
    listed = {j["name"]: j for j in jobs(coop, "list", today="2026-03-05").json}
    assert listed["nightly"]["last_date"] == "2026-03-04"


def test_doctor_warns_when_a_job_is_late(coop: Coop) -> None:
    assert jobs(coop, "run", "nightly", "--date", "2026-03-01", today="2026-03-02").exit_code == 0
    ok = coop.cli("doctor", "--format", "json", COOPCTL_TODAY="2026-03-03")
    assert ok.exit_code == 0, ok.stdout + ok.stderr  # the run for the 2nd is not due yet
    late = coop.cli("doctor", "--format", "json", COOPCTL_TODAY="2026-03-06")
    assert late.exit_code == 6
    assert {
        "check": "jobs_late",
        "detail": "job nightly last completed 2026-03-01; it should have reached 2026-03-05 "
        "(schedule 0 1 * * *)",
    } in late.json["problems"]
