"""Fixed deposits through the real CLI and the job runner, on SQLite and PostgreSQL.

Chiamaka places 100,000.00 on FD90 (10 % a year, 365-day year, 90 days) on
1 March 2026; it matures on 30 May 2026 (1 March + 90 days). The month ends accrue
what she has earned so far to interest payable (2210); the night of 30 May pays it.
"""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import Coop
from tests.integration.deposits_support import balance, verify, withdraw
from tests.integration.fd_support import (
    PLACED,
    gl_net,
    jobs,
    member_with_fd,
    month_ends,
    simple_interest,
    step,
    ten_percent,
)

D = Decimal


def test_fd90_pays_out_at_maturity_through_the_nightly_job(coop: Coop) -> None:
    """Interest for 90 days: 100,000 × 10 % × 90 / 365 = 2,465.7534… → 2,465.75.

    31 March (31 days held): cumulative 849.3150… → 849.32 accrued
        Dr 5100 849.32 / Cr 2210 849.32
    30 April (61 days): cumulative 1,671.2328… → 1,671.23; accrued 1,671.23 − 849.32 = 821.91
    30 May, maturity: the rest 2,465.75 − 1,671.23 = 794.52 to expense, and
        Dr 5100 794.52, Dr 2210 1,671.23, Dr 2120 100,000.00
        Cr 2220 WHT 246.58 (10 % of 2,465.75 = 246.575 → 246.58)
        Cr savings 102,219.17 (100,000 + 2,465.75 − 246.58)
    """
    _, sav, fd = member_with_fd(coop)
    total = simple_interest("100000", "10", 90)
    march = simple_interest("100000", "10", 31)
    april = simple_interest("100000", "10", 61) - march
    wht = ten_percent(total)
    assert (total, march, april, wht) == (D("2465.75"), D("849.32"), D("821.91"), D("246.58"))
    shown = coop.ok("accounts", "show", fd)
    assert (shown["placed_on"], shown["maturity_date"]) == (PLACED, "2026-05-30")
    assert shown["maturity_instruction"] == "payout"
    assert D(shown["amount_at_maturity"]) == D("102219.17")

    month_ends(coop, "2026-03-31")
    assert gl_net(coop, "5100") == march
    assert gl_net(coop, "2210") == -march
    month_ends(coop, "2026-04-30")
    assert gl_net(coop, "5100") == march + april
    assert D(coop.ok("accounts", "show", fd)["interest_accrued"]) == march + april
    pack = coop.ok("reports", "run", "interest-accruals", "--as-of", "2026-04-30")
    assert [(r["account_no"], r["accrued"]) for r in pack["deposits"]] == [(fd, "1671.23")]
    assert (pack["fixed_deposits"], pack["gl_2210"]) == ("1671.23", "1671.23")
    verify(coop)

    out = jobs(coop, "run", "nightly", "--date", "2026-05-30", today="2026-05-31")
    assert out["status"] == "ok", out
    assert step(out, "fd.mature")["posted"] == 1
    assert gl_net(coop, "5100") == D("2465.75")
    assert gl_net(coop, "2220") == -D("246.58")
    assert gl_net(coop, "2210") == D("0")
    assert gl_net(coop, "2120") == D("0")
    assert balance(coop, sav) == D("102219.17")
    shown = coop.ok("accounts", "show", fd)
    assert (shown["status"], shown["balance"], shown["matured_on"]) == (
        "closed",
        "0.00",
        "2026-05-30",
    )
    verify(coop)

    again = jobs(coop, "run", "nightly", "--date", "2026-05-30", today="2026-05-31")
    assert step(again, "fd.mature")["posted"] == 0
    assert balance(coop, sav) == D("102219.17")
    assert gl_net(coop, "5100") == D("2465.75")
    # May's month end: the matured deposit accrues nothing more; the savings account
    # (SAV, 4 %, daily balance) earns on 102,219.17 for 30 and 31 May:
    # 102,219.17 × 4 % × 2 / 365 = 22.4041… → 22.40
    month_ends(coop, "2026-05-31")
    savings_interest = simple_interest("102219.17", "4", 2)
    assert savings_interest == D("22.40")
    assert gl_net(coop, "5100") == D("2465.75") + savings_interest
    verify(coop)


def test_rollover_places_principal_and_net_interest_again(coop: Coop) -> None:
    """Rollover: 102,219.17 becomes a new FD90 placed 30 May at the product's rate that
    day (raised to 12 % on 1 May), maturing 28 August; nothing reaches savings."""
    m, sav, fd = member_with_fd(coop, "Tunde", maturity="rollover")
    coop.sql("UPDATE deposit_products SET annual_rate = 120000 WHERE code = 'FD90'")
    out = jobs(coop, "run", "nightly", "--date", "2026-05-30", today="2026-05-31")
    assert step(out, "fd.mature")["posted"] == 1
    assert balance(coop, sav) == D("0")
    accounts = coop.ok("accounts", "list", "--member", m)
    new = [a for a in accounts if a["type"] == "fixed_deposit" and a["account_no"] != fd]
    assert len(new) == 1
    shown = coop.ok("accounts", "show", new[0]["account_no"])
    assert D(shown["balance"]) == D("102219.17")
    assert (shown["placed_on"], shown["maturity_date"]) == ("2026-05-30", "2026-08-28")
    assert (shown["annual_rate"], shown["rolled_from"]) == ("12.00", fd)
    assert shown["maturity_instruction"] == "rollover"
    assert gl_net(coop, "2120") == -D("102219.17")
    assert gl_net(coop, "5100") == D("2465.75")  # the old deposit's rate (10 %) applies
    verify(coop)


def test_rollover_principal_pays_the_interest_out(coop: Coop, tmp_path: object) -> None:
    """rollover_principal: 100,000.00 into a new deposit, 2,219.17 net interest to savings;
    the certificate and the maturity advice are PDFs."""
    from pathlib import Path

    m, sav, fd = member_with_fd(coop, "Bisi", maturity="rollover_principal")
    folder = Path(str(tmp_path))
    cert = coop.cli("accounts", "certificate", fd, "-o", folder / "cd.pdf")
    assert cert.exit_code == 0, cert.stderr
    assert (folder / "cd.pdf").read_bytes().startswith(b"%PDF")
    early = coop.cli("accounts", "advice", fd, "-o", folder / "adv.pdf")
    assert early.exit_code == 5 and "has not matured" in early.stderr

    jobs(coop, "run", "nightly", "--date", "2026-05-30", today="2026-05-31")
    assert balance(coop, sav) == D("2219.17")
    fds = [
        a
        for a in coop.ok("accounts", "list", "--member", m)
        if a["type"] == "fixed_deposit" and a["status"] == "active"
    ]
    assert [D(a["balance"]) for a in fds] == [D("100000.00")]
    adv = coop.cli("accounts", "advice", fd, "-o", folder / "adv.pdf")
    assert adv.exit_code == 0, adv.stderr
    assert (folder / "adv.pdf").read_bytes().startswith(b"%PDF")
    verify(coop)


def test_instruction_changes_until_maturity(coop: Coop) -> None:
    _, sav, fd = member_with_fd(coop, "Emeka")
    changed = coop.ok(
        "accounts", "maturity", fd, "--instruction", "rollover", "--payout-account", sav,
        operator="teller1", COOPCTL_TODAY="2026-05-29",
    )  # fmt: skip
    assert (changed["maturity_instruction"], changed["payout_account"]) == ("rollover", sav)
    bad = coop.cli("accounts", "maturity", fd, "--instruction", "[/bold]spend", operator="teller1")
    assert bad.exit_code == 2 and "--maturity" in bad.stderr
    late = coop.cli(
        "accounts", "maturity", fd, "--instruction", "payout",
        operator="teller1", COOPCTL_TODAY="2026-05-30",
    )  # fmt: skip
    assert late.exit_code == 5 and "matured on 2026-05-30" in late.stderr
    not_fd = coop.cli("accounts", "maturity", sav, "--instruction", "payout", operator="teller1")
    assert not_fd.exit_code == 5


def test_early_withdrawal_without_interest_releases_the_accrual(coop: Coop) -> None:
    """Withdrawn on 15 April (default: no interest before maturity): the 2 % penalty
    (2,000.00) to fee income, 98,000.00 paid, and March's accrual of 849.32 released
    (Dr 2210 / Cr 5100), so the expense for the deposit is nil."""
    _, _, fd = member_with_fd(coop, "Kemi")
    month_ends(coop, "2026-03-31")
    assert gl_net(coop, "5100") == D("849.32")
    out = withdraw(coop, fd, "100000", "--date", "2026-04-15", COOPCTL_TODAY="2026-04-15")
    assert out["status"] == "posted"
    assert gl_net(coop, "5100") == D("0")
    assert gl_net(coop, "2210") == D("0")
    assert gl_net(coop, "4200") == -D("2000")
    assert gl_net(coop, "1110") == D("-98000") + D("100000")  # cash in, then out
    month_ends(coop, "2026-04-30")
    jobs(coop, "run", "nightly", "--date", "2026-05-30", today="2026-05-31")
    assert gl_net(coop, "5100") == D("0")
    verify(coop)


def test_early_withdrawal_at_a_reduced_rate(coop: Coop) -> None:
    """With [fixed_deposits] early_withdrawal_rate = 4: 45 days held (1 March to
    15 April) earn 100,000 × 4 % × 45 / 365 = 493.1506… → 493.15; WHT 49.315 → 49.32;
    paid 100,000 − 2,000 penalty + 443.83 = 98,443.83; the accrual of 849.32 is released
    and 849.32 − 493.15 = 356.17 comes back off interest expense."""
    env = {"COOPCTL_FIXED_DEPOSITS__EARLY_WITHDRAWAL_RATE": "4"}
    coop.env_extra.update(env)
    _, _, fd = member_with_fd(coop, "Sade")
    month_ends(coop, "2026-03-31")
    earned = simple_interest("100000", "4", 45)
    assert (earned, ten_percent(earned)) == (D("493.15"), D("49.32"))
    out = withdraw(coop, fd, "100000", "--date", "2026-04-15", COOPCTL_TODAY="2026-04-15")
    paid = sum(D(ln["credit"]) for ln in out["lines"] if ln["gl_code"] == "1110")
    assert paid == D("98443.83")
    assert gl_net(coop, "5100") == earned
    assert gl_net(coop, "2220") == -D("49.32")
    assert gl_net(coop, "2210") == D("0")
    partial = coop.cli(
        "postings", "withdraw", fd, "10", operator="teller1", COOPCTL_TODAY="2026-04-16"
    )
    assert partial.exit_code != 0
    verify(coop)


def test_partial_early_withdrawal_releases_its_share(coop: Coop) -> None:
    """Ngozi takes 40,000.00 of her 100,000.00 out on 15 April (no interest before
    maturity). March accrued 849.32; the 40 % withdrawn releases 849.32 × 0.4 =
    339.728 → 339.73 and pays 40,000 − 800 penalty = 39,200.00. The 60,000.00 left
    earns to maturity: by 30 April 60,000 × 10 % × 61 / 365 = 1,002.7397… → 1,002.74
    cumulative, accrued 1,002.74 − (849.32 − 339.73) = 493.15; at maturity 90 days
    → 1,479.4520… → 1,479.45, WHT 147.945 → 147.94 (half-even), paid
    60,000 + 1,479.45 − 147.94 = 61,331.51. Interest expense: exactly 1,479.45."""
    _, sav, fd = member_with_fd(coop, "Ngozi")
    month_ends(coop, "2026-03-31")
    out = withdraw(coop, fd, "40000", "--date", "2026-04-15", COOPCTL_TODAY="2026-04-15")
    paid = sum(D(ln["credit"]) for ln in out["lines"] if ln["gl_code"] == "1110")
    assert paid == D("39200.00")
    assert gl_net(coop, "5100") == D("849.32") - D("339.73")
    month_ends(coop, "2026-04-30")
    assert gl_net(coop, "5100") == simple_interest("60000", "10", 61)
    jobs(coop, "run", "nightly", "--date", "2026-05-30", today="2026-05-31")
    total = simple_interest("60000", "10", 90)
    assert (total, ten_percent(total)) == (D("1479.45"), D("147.94"))
    assert gl_net(coop, "5100") == total
    assert gl_net(coop, "2210") == D("0")
    assert balance(coop, sav) == D("61331.51")
    verify(coop)


def test_member_exit_before_maturity_releases_the_accrual(coop: Coop) -> None:
    """Ada exits on 10 April: her FD90 (100,000.00, March accrued 849.32) is paid with
    the 2 % penalty (2,000.00) and no interest; the accrual goes back off expense, so
    nothing stays in interest payable for a closed deposit."""
    m, _, fd = member_with_fd(coop, "Ada")
    month_ends(coop, "2026-03-31")
    assert gl_net(coop, "2210") == -D("849.32")
    env = {"COOPCTL_TODAY": "2026-04-10"}
    req = coop.ok("members", "exit", m, operator="manager1", **env)
    coop.ok("members", "exit-approve", req["request_id"], operator="manager2", **env)
    assert gl_net(coop, "2210") == D("0")
    assert gl_net(coop, "5100") == D("0")
    assert gl_net(coop, "2260") == -D("98000")  # refund payable: 100,000 − 2,000
    assert coop.ok("accounts", "show", fd)["interest_accrued"] == "0.00"
    verify(coop)


def test_early_withdrawal_waiting_for_a_checker(coop: Coop) -> None:
    """From a 50,000.00 threshold the early withdrawal waits for a manager: April's
    month end accrues nothing more on the deposit meanwhile, and once approved the
    March accrual (849.32) is released with it."""
    coop.env_extra.update({"COOPCTL_APPROVALS__WITHDRAWAL__THRESHOLD": "50000"})
    _, _, fd = member_with_fd(coop, "Obi")
    month_ends(coop, "2026-03-31")
    out = withdraw(coop, fd, "100000", "--date", "2026-04-15", COOPCTL_TODAY="2026-04-15")
    assert out["status"] == "pending"
    month_ends(coop, "2026-04-30")
    assert gl_net(coop, "5100") == D("849.32")  # no April accrual while it waits
    assert coop.ok("accounts", "show", fd)["interest_accrued"] == "849.32"
    coop.ok("postings", "approve", out["entry_no"], operator="manager1",
            COOPCTL_TODAY="2026-05-01")  # fmt: skip
    assert gl_net(coop, "5100") == D("0") and gl_net(coop, "2210") == D("0")
    assert coop.ok("accounts", "show", fd)["interest_accrued"] == "0.00"
    jobs(coop, "run", "nightly", "--date", "2026-05-30", today="2026-05-31")
    assert gl_net(coop, "5100") == D("0")
    verify(coop)


def test_bad_instructions_and_payout_accounts_are_refused(coop: Coop) -> None:
    coop.today = "2026-04-01"
    m, sav, fd = member_with_fd(coop, "Uche")
    other, other_sav, _ = member_with_fd(coop, "Zainab")
    r = coop.cli("accounts", "maturity", fd, "--instruction", "payout",
                 "--payout-account", other_sav, operator="teller1")  # fmt: skip
    assert r.exit_code == 5 and "not a savings account of the deposit's member" in r.stderr
    r = coop.cli("accounts", "maturity", fd, "--instruction", "payout",
                 "--payout-account", fd, operator="teller1")  # fmt: skip
    assert r.exit_code == 5
    r = coop.cli("accounts", "open", m, "--product", "SHR", "--maturity", "rollover",
                 operator="teller1")  # fmt: skip
    assert r.exit_code == 2 and "only for fixed-deposit" in r.stderr
    r = coop.cli("accounts", "open", m, "--product", "FD90", "--maturity", "roll\x1b[2Jover",
                 operator="teller1")  # fmt: skip
    assert r.exit_code == 2 and "\x1b" not in r.stderr
    r = coop.cli("accounts", "maturity", fd, "--instruction", "rollover", operator="auditor1")
    assert r.exit_code == 4
    assert coop.ok("accounts", "show", fd)["maturity_instruction"] == "payout"
    assert coop.ok("accounts", "show", sav)["status"] == "active"
    assert other
