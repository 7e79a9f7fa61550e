"""Savings interest through the CLI on both databases: the month's credits equal the
scalar reference, WHT goes to 2220, a second run posts nothing, dry-run writes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from coopctl.deposits.interest import month_interest, withholding
from tests.conftest import Coop
from tests.integration.deposits_support import (
    add_member,
    balance,
    deposit,
    open_account,
    snapshot,
    trial_balance,
    verify,
    withdraw,
)

D = Decimal


def _sav(opening: str, moves: list[tuple[date, str]]) -> Decimal:
    """The SAV product (4 %, daily balance, 365 days, earns from 1,000.00), October 2026."""
    return month_interest(
        D(opening), [(d, D(a)) for d, a in moves], 2026, 10,
        annual_rate=D("4"), method="daily_balance", days_in_year=365, min_balance=D("1000"),
    )  # fmt: skip


def test_october_interest_posted_once_net_of_wht(coop: Coop) -> None:
    """Ada saves 100,000 in September, withdraws 30,000 on 11 Oct and pays in 5,000 on
    21 Oct; Bayo pays in 800 (below the 1,000 minimum) then 500 on 25 Oct; Chika pays
    in 50,000 on 31 Oct.

    Ada:   100,000 × 10 days + 70,000 × 10 + 75,000 × 11 = 2,525,000 naira-days
           × 0.04 / 365 = 276.712… → 276.71; WHT 27.67; net 249.04
    Bayo:  1,300 × 7 days = 9,100 × 0.04 / 365 = 0.997… → 1.00; WHT 0.10; net 0.90
    Chika: 50,000 × 1 day × 0.04 / 365 = 5.479… → 5.48; WHT 0.55; net 4.93
    Books: Dr 5100 283.19 / Cr savings 254.87 / Cr WHT 2220 28.32."""
    ada, bayo, chika = (add_member(coop, f, "Okoro") for f in ("Ada", "Bayo", "Chika"))
    sep = {"COOPCTL_TODAY": "2026-09-15"}
    a, b, c = (open_account(coop, m, "SAV", **sep) for m in (ada, bayo, chika))
    deposit(coop, a, "100000", "--date", "2026-09-20")
    withdraw(coop, a, "30000", "--date", "2026-10-11")
    deposit(coop, a, "5000", "--date", "2026-10-21")
    deposit(coop, b, "800", "--date", "2026-10-05")
    deposit(coop, b, "500", "--date", "2026-10-25")
    deposit(coop, c, "50000", "--date", "2026-10-31")
    deposit(coop, a, "1000", "--date", "2026-11-02")  # after the month: not counted

    expected = {
        a: _sav("100000", [(date(2026, 10, 11), "-30000"), (date(2026, 10, 21), "5000")]),
        b: _sav("0", [(date(2026, 10, 5), "800"), (date(2026, 10, 25), "500")]),
        c: _sav("0", [(date(2026, 10, 31), "50000")]),
    }
    assert expected == {a: D("276.71"), b: D("1.00"), c: D("5.48")}

    before = snapshot(coop)
    preview = coop.ok("accounts", "interest", "--month", "2026-10", "--dry-run",
                      operator="accountant1")  # fmt: skip
    assert snapshot(coop) == before
    assert {r["account_no"]: r["gross"] for r in preview["accounts"]} == {
        k: str(v) for k, v in expected.items()
    }
    assert all(r["status"] == "preview" and r["entry_no"] is None for r in preview["accounts"])

    bal = {k: balance(coop, k) for k in expected}
    run = coop.ok("accounts", "interest", "--month", "2026-10", operator="accountant1")
    assert run["posted"] == 3 and run["date"] == "2026-10-31"
    for acct, gross in expected.items():
        wht, net = withholding(gross, D("10"))
        assert balance(coop, acct) - bal[acct] == net
        row = next(r for r in run["accounts"] if r["account_no"] == acct)
        assert (row["gross"], row["wht"], row["net"], row["status"]) == (
            str(gross),
            str(wht),
            str(net),
            "posted",
        )
    assert (run["total_gross"], run["total_wht"], run["total_net"]) == ("283.19", "28.32", "254.87")
    tb = trial_balance(coop)
    assert tb["5100"] == ("283.19", "0.00")
    assert tb["2220"] == ("0.00", "28.32")
    entry = coop.ok("postings", "show", run["accounts"][0]["entry_no"], operator="auditor1")
    assert entry["date"] == "2026-10-31"
    verify(coop)

    after = snapshot(coop)
    again = coop.cli("accounts", "interest", "--month", "2026-10", "--format", "json",
                     operator="accountant1")  # fmt: skip
    assert again.exit_code == 0, again.stderr
    assert "nothing posted for 2026-10: 3 account(s) already credited" in again.stderr
    assert again.json["posted"] == 0 and again.json["skipped_existing"] == 3
    assert {r["status"] for r in again.json["accounts"]} == {"already_posted"}
    assert snapshot(coop) == after
    verify(coop)


def test_quarterly_product_posts_at_quarter_end_only(coop: Coop) -> None:
    """SAVQ: 6 %, average daily balance, quarterly. 36,500 from 1 July all quarter:
    July 36500 × 0.06 × 31/365 = 186.00, August 186.00, September × 30/365 = 180.00;
    posted once at the end of September: 552.00, WHT 55.20, net 496.80."""
    coop.ok("products", "add", "SAVQ", "--kind", "savings", "--name", "Quarterly saver",
            "--rate", "6", "--interest-method", "average_daily_balance",
            "--posting-frequency", "quarterly", operator="manager1")  # fmt: skip
    m = add_member(coop, "Dayo", "Bello")
    acct = open_account(coop, m, "SAVQ", COOPCTL_TODAY="2026-06-30")
    deposit(coop, acct, "36500", "--date", "2026-06-30")
    aug = coop.ok("accounts", "interest", "--month", "2026-08", operator="accountant1")
    assert [r for r in aug["accounts"] if r["product"] == "SAVQ"] == []
    sep = coop.ok("accounts", "interest", "--month", "2026-09", operator="accountant1")
    row = next(r for r in sep["accounts"] if r["product"] == "SAVQ")
    assert (row["gross"], row["wht"], row["net"]) == ("552.00", "55.20", "496.80")
    assert balance(coop, acct) == D("36996.80")
    verify(coop)


def test_refusals_write_nothing(coop: Coop) -> None:
    before = snapshot(coop)
    r = coop.cli("accounts", "interest", "--month", "2026-11", operator="accountant1")
    assert r.exit_code == 5 and "2026-11 has not ended" in r.stderr
    for bad in ("2026-13", "2026/10", "oct"):
        r = coop.cli("accounts", "interest", "--month", bad, operator="accountant1")
        assert r.exit_code == 2 and "--month" in r.stderr, (bad, r.stderr)
    r = coop.cli("accounts", "interest", "--month", "2026-10", operator="teller1")
    assert r.exit_code == 4
    assert snapshot(coop) == before


def test_random_month_through_the_database_equals_the_scalar_reference(coop: Coop) -> None:
    """Seeded random deposits and withdrawals, read back through the raw-cursor path
    (SQLite fetchmany / PostgreSQL COPY TO), give the scalar reference to the kobo."""
    import random

    rnd = random.Random(20261031)
    sep = {"COOPCTL_TODAY": "2026-09-15"}
    accts = [
        open_account(coop, add_member(coop, f"Saver{i}", "Bello"), "SAV", **sep) for i in "ABC"
    ]
    opening: dict[str, Decimal] = {}
    moves: dict[str, list[tuple[date, str]]] = {a: [] for a in accts}
    for a in accts:
        amt = D(rnd.randint(50_000, 20_000_000)).scaleb(-2)
        deposit(coop, a, str(amt), "--date", "2026-09-20")
        opening[a] = amt
    held = dict(opening)
    for _ in range(7):
        a = rnd.choice(accts)
        day = date(2026, 10, rnd.randint(1, 31))
        amt = D(rnd.randint(100, 5_000_000)).scaleb(-2)
        if rnd.random() < 0.4 and held[a] - amt >= 0:
            withdraw(coop, a, str(amt), "--date", day.isoformat())
            moves[a].append((day, str(-amt)))
            held[a] -= amt
        else:
            deposit(coop, a, str(amt), "--date", day.isoformat())
            moves[a].append((day, str(amt)))
            held[a] += amt
    expected = {a: _sav(str(opening[a]), sorted(moves[a])) for a in accts}
    preview = coop.ok("accounts", "interest", "--month", "2026-10", "--dry-run",
                      operator="accountant1")  # fmt: skip
    assert {r["account_no"]: r["gross"] for r in preview["accounts"]} == {
        k: str(v) for k, v in expected.items()
    }


def test_a_late_run_counts_the_months_before_and_after_the_window_exactly(coop: Coop) -> None:
    """The opening balance is the account's balance less every line from the window's
    first day on: movements in August and September (before October) and in November
    (after it, the run being late) leave October's interest exactly the scalar
    reference's, computed from the whole history; WHT to the kobo."""
    import random

    rnd = random.Random(20261128)
    aug = {"COOPCTL_TODAY": "2026-08-03"}
    accts = [
        open_account(coop, add_member(coop, f"Late{i}", "Bello"), "SAV", **aug) for i in "ABCD"
    ]
    history: dict[str, list[tuple[date, Decimal]]] = {a: [] for a in accts}
    held = {a: D(0) for a in accts}
    days = [date(2026, m, d) for m in (8, 9, 10, 11) for d in (3, 14, 28)]
    days += [date(2026, 10, 1), date(2026, 10, 31), date(2026, 11, 1)]
    for day in sorted(days * 2):
        a = rnd.choice(accts)
        amt = D(rnd.randint(100, 3_000_000)).scaleb(-2)
        if rnd.random() < 0.35 and held[a] - amt >= 0:
            withdraw(coop, a, str(amt), "--date", day.isoformat())
            history[a].append((day, -amt))
            held[a] -= amt
        else:
            deposit(coop, a, str(amt), "--date", day.isoformat())
            history[a].append((day, amt))
            held[a] += amt
    start, end = date(2026, 10, 1), date(2026, 10, 31)
    expected = {}
    for a in accts:
        opening = sum((x for d, x in history[a] if d < start), D(0))
        window = [(d, str(x)) for d, x in history[a] if start <= d <= end]
        expected[a] = _sav(str(opening), window)
    assert {a: balance(coop, a) for a in accts} == held
    out = coop.ok("accounts", "interest", "--month", "2026-10", operator="accountant1")
    got = {r["account_no"]: r for r in out["accounts"]}
    for a in accts:
        wht, net = withholding(expected[a], D("10"))
        assert (got[a]["gross"], got[a]["wht"], got[a]["net"]) == (
            str(expected[a]),
            str(wht),
            str(net),
        ), a
    assert any(v > 0 for v in expected.values())
    verify(coop)
