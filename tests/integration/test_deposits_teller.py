"""Teller postings on both databases: the worked example, every rule that refuses a
posting (exit 5, nothing written), malformed input (exit 2, naming the field),
idempotency, bank channels and maker-checker with its approval-time re-checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import Coop
from tests.integration.deposits_support import (
    add_bank,
    add_member,
    approve_kyc_directly,
    balance,
    deposit,
    lines_of,
    open_account,
    snapshot,
    trial_balance,
    verify,
    withdraw,
)

D = Decimal


def test_member_saves_is_blocked_before_kyc_withdraws_and_transfers(coop: Coop) -> None:
    """Chidi joins (KYC pending) and opens savings and shares accounts. He pays in
    10,000.50 cash — allowed before KYC — but may not withdraw until KYC is approved.
    Then he withdraws 2,000 and moves 1,000 from savings into shares.

    Books:  Dr Cash 1110 10,000.50 / Cr Savings 2110 (A…) 10,000.50
            Dr Savings 2,000.00 / Cr Cash 2,000.00
            Dr Savings 1,000.00 / Cr Shares 3100 (A…) 1,000.00
    Cash 8,000.50 Dr; savings 7,000.50 Cr; shares 1,000.00 Cr."""
    m = add_member(coop, "Chidi", "Eze", kyc=False)
    sav = open_account(coop, m, "SAV")
    shr = open_account(coop, m, "SHR")
    e = deposit(coop, sav, "10,000.50", "--ref", "SLIP-1")
    assert e["status"] == "posted" and e["date"] == "2026-11-28"
    assert lines_of(e) == [("1110", None, "10000.50", "0.00"), ("2110", sav, "0.00", "10000.50")]

    before = snapshot(coop)
    r = coop.cli("postings", "withdraw", sav, "100", operator="teller1")
    assert r.exit_code == 5 and "KYC" in r.stderr
    assert snapshot(coop) == before

    approve_kyc_directly(coop, m)
    w = withdraw(coop, sav, "2000")
    assert lines_of(w) == [("1110", None, "0.00", "2000.00"), ("2110", sav, "2000.00", "0.00")]
    t = coop.ok("postings", "transfer", sav, shr, "1000", operator="teller1")
    assert t["kind"] == "transfer"
    assert lines_of(t) == [("2110", sav, "1000.00", "0.00"), ("3100", shr, "0.00", "1000.00")]
    assert balance(coop, sav) == D("7000.50") and balance(coop, shr) == D("1000.00")
    tb = trial_balance(coop)
    assert tb["1110"] == ("8000.50", "0.00")
    assert tb["2110"] == ("0.00", "7000.50")
    assert tb["3100"] == ("0.00", "1000.00")
    verify(coop)


def test_insufficient_funds_and_minimum_balance_write_nothing(coop: Coop) -> None:
    coop.ok(
        "products",
        "add",
        "SAVMIN",
        "--kind",
        "savings",
        "--name",
        "Savings with minimum",
        "--rate",
        "3",
        "--min-balance",
        "1000",
        operator="manager1",
    )
    m = add_member(coop)
    acct = open_account(coop, m, "SAVMIN")
    deposit(coop, acct, "5000")
    before = snapshot(coop)
    r = coop.cli("postings", "withdraw", acct, "6000", operator="teller1")
    assert r.exit_code == 5 and "available 4,000.00, needs 6,000.00" in r.stderr
    r = coop.cli("postings", "withdraw", acct, "4500", operator="teller1")
    assert r.exit_code == 5 and "minimum balance 1,000.00" in r.stderr
    assert snapshot(coop) == before
    withdraw(coop, acct, "4000")
    assert balance(coop, acct) == D("1000.00")
    verify(coop)


def test_shares_are_not_withdrawable_while_a_member(coop: Coop) -> None:
    m = add_member(coop)
    sav, shr = open_account(coop, m, "SAV"), open_account(coop, m, "SHR")
    deposit(coop, shr, "10000")
    before = snapshot(coop)
    r = coop.cli("postings", "withdraw", shr, "100", operator="teller1")
    assert r.exit_code == 5 and "not withdrawable while a member" in r.stderr
    r = coop.cli("postings", "transfer", shr, sav, "100", operator="teller1")
    assert r.exit_code == 5 and "shares" in r.stderr
    assert snapshot(coop) == before
    verify(coop)


def test_withdrawals_per_month_limit(coop: Coop) -> None:
    """A product allowing 2 withdrawals a month: the third in November is refused,
    transfers out count too; in December the count starts again."""
    coop.ok(
        "products",
        "add",
        "SAV2",
        "--kind",
        "savings",
        "--name",
        "Target savings",
        "--rate",
        "6",
        "--withdrawals-per-month",
        "2",
        operator="manager1",
    )
    m = add_member(coop)
    acct, other = open_account(coop, m, "SAV2"), open_account(coop, m, "SAV")
    deposit(coop, acct, "10000")
    withdraw(coop, acct, "100")
    coop.ok("postings", "transfer", acct, other, "100", operator="teller1")
    before = snapshot(coop)
    r = coop.cli("postings", "withdraw", acct, "100", operator="teller1")
    assert r.exit_code == 5 and "2 withdrawal(s) per month" in r.stderr
    assert snapshot(coop) == before
    assert withdraw(coop, acct, "100", COOPCTL_TODAY="2026-12-01")["date"] == "2026-12-01"
    verify(coop)


def test_closed_account_and_exited_member_take_no_postings(coop: Coop) -> None:
    m = add_member(coop)
    acct = open_account(coop, m, "SAV")
    coop.ok("accounts", "close", acct, operator="teller1")
    before = snapshot(coop)
    for args in (("deposit", acct, "100"), ("withdraw", acct, "100")):
        r = coop.cli("postings", *args, operator="teller1")
        assert r.exit_code == 5 and "closed" in r.stderr
    assert snapshot(coop) == before


def test_deposits_before_kyc_can_be_blocked_by_config(coop: Coop) -> None:
    m = add_member(coop, kyc=False)
    acct = open_account(coop, m)
    env = {"COOPCTL_MEMBERS__BLOCK_DEPOSITS_BEFORE_KYC": "true"}
    before = snapshot(coop)
    r = coop.cli("postings", "deposit", acct, "500", operator="teller1", **env)
    assert r.exit_code == 5 and "KYC" in r.stderr
    assert snapshot(coop) == before
    approve_kyc_directly(coop, m)
    assert deposit(coop, acct, "500", **env)["status"] == "posted"


def test_money_through_a_bank_account(coop: Coop) -> None:
    add_bank(coop, "GTB", "1121")
    m = add_member(coop)
    acct = open_account(coop, m)
    e = deposit(coop, acct, "25000", "--bank", "gtb")
    assert lines_of(e) == [("1121", None, "25000.00", "0.00"), ("2110", acct, "0.00", "25000.00")]
    w = withdraw(coop, acct, "5000", "--bank", "GTB")
    assert ("1121", None, "0.00", "5000.00") in lines_of(w)
    before = snapshot(coop)
    r = coop.cli("postings", "deposit", acct, "1", "--bank", "NOPE", operator="teller1")
    assert r.exit_code == 3 and "--bank" in r.stderr
    assert snapshot(coop) == before
    verify(coop)


def test_idempotency_key_posts_once(coop: Coop) -> None:
    m = add_member(coop)
    acct = open_account(coop, m)
    first = deposit(coop, acct, "700", "--key", "slip-77")
    r = coop.cli(
        "postings",
        "deposit",
        acct,
        "700",
        "--key",
        "slip-77",
        "--format",
        "json",
        operator="teller1",
    )
    assert r.exit_code == 0 and r.json["entry_no"] == first["entry_no"]
    assert "already" in r.stderr
    assert balance(coop, acct) == D("700.00")
    verify(coop)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("deposit", "{a}", "1.234"), "AMOUNT: '1.234' has more than two decimals"),
        (("deposit", "{a}", "-5"), "AMOUNT: '-5' must not be negative"),
        (("deposit", "{a}", "abc"), "AMOUNT: 'abc' is not an amount"),
        (("deposit", "{a}", "1e5"), "AMOUNT: '1e5' is not an amount"),
        (("deposit", "{a}", "0"), "AMOUNT: must be more than zero"),
        (("deposit", "{a}", "1,00"), "AMOUNT: '1,00' is not an amount"),
        (("withdraw", "{a}", "NaN"), "AMOUNT: 'NaN' is not an amount"),
        (("deposit", "{a}", "10", "--date", "2026-13-01"), "--date: '2026-13-01' is not a date"),
        (("deposit", "{a}", "10", "--date", "28/11/2026"), "--date: '28/11/2026' is not a date"),
        (("deposit", "A0000000012", "10"), "ACCOUNT_NO: 'A0000000012' has an invalid check digit"),
        (("deposit", "A12", "10"), "ACCOUNT_NO: 'A12' is not an account number"),
        (("transfer", "{a}", "A0000000031", "10"), "TO_ACCOUNT: 'A0000000031' has an invalid"),
        (("transfer", "A0000000014", "{a}", "10"), "FROM_ACCOUNT: 'A0000000014' has an invalid"),
        (("transfer", "{a}", "{a}", "10"), "TO_ACCOUNT: must differ from FROM_ACCOUNT"),
    ],
)
def test_malformed_input_exits_2_naming_the_field(
    coop: Coop, args: tuple[str, ...], needle: str
) -> None:
    m = add_member(coop)
    acct = open_account(coop, m)
    deposit(coop, acct, "100")
    before = snapshot(coop)
    r = coop.cli("postings", *[a.format(a=acct) for a in args], operator="teller1")
    assert r.exit_code == 2, r.stderr
    assert needle in r.stderr
    assert snapshot(coop) == before


def test_unknown_account_and_future_date(coop: Coop) -> None:
    before = snapshot(coop)
    r = coop.cli("postings", "deposit", "A0000000999", "10", operator="teller1")
    assert r.exit_code == 3 and "A0000000999 not found" in r.stderr
    m = add_member(coop)
    acct = open_account(coop, m)
    before = snapshot(coop)
    r = coop.cli("postings", "deposit", acct, "10", "--date", "2026-11-29", operator="teller1")
    assert r.exit_code == 5 and "after the business date" in r.stderr
    r = coop.cli("postings", "deposit", acct, "10", operator="auditor1")
    assert r.exit_code == 4
    assert snapshot(coop) == before


def test_large_withdrawal_waits_for_a_checker(coop: Coop) -> None:
    """Withdrawing 1,000,000.00 (the default threshold) is stored pending: no balance
    moves; the teller cannot approve; manager1 approves and it posts."""
    m = add_member(coop)
    acct = open_account(coop, m)
    deposit(coop, acct, "1,500,000")
    w = withdraw(coop, acct, "1,000,000")
    assert w["status"] == "pending"
    assert balance(coop, acct) == D("1500000.00")
    r = coop.cli("postings", "approve", w["entry_no"], operator="teller2")
    assert r.exit_code == 4
    done = coop.ok("postings", "approve", w["entry_no"], operator="manager1")
    assert done["status"] == "posted" and done["checker"] == "manager1"
    assert balance(coop, acct) == D("500000.00")
    verify(coop)


def test_approval_rechecks_kyc_and_account_status(coop: Coop) -> None:
    """A pending withdrawal is approved only if the member still passes KYC and the
    account is still active at that moment; a refused approval changes nothing."""
    m = add_member(coop)
    sav, sav2 = open_account(coop, m), open_account(coop, add_member(coop, "Bola", "Ade"))
    deposit(coop, sav, "3,000,000")
    w = withdraw(coop, sav, "1,000,000")
    t = coop.ok("postings", "transfer", sav, sav2, "1,200,000", operator="teller1")
    assert t["status"] == "pending"
    coop.sql("UPDATE members SET kyc_status = 'rejected' WHERE member_no = :n", n=m)
    before = snapshot(coop)
    for entry in (w, t):
        r = coop.cli("postings", "approve", entry["entry_no"], operator="manager1")
        assert r.exit_code == 5 and "KYC" in r.stderr
    assert snapshot(coop) == before
    approve_kyc_directly(coop, m)
    coop.sql("UPDATE accounts SET status = 'dormant' WHERE account_no = :a", a=sav)
    r = coop.cli("postings", "approve", w["entry_no"], operator="manager1")
    assert r.exit_code == 5 and "dormant" in r.stderr
    coop.sql("UPDATE accounts SET status = 'active' WHERE account_no = :a", a=sav)
    coop.ok("postings", "approve", t["entry_no"], operator="manager2")
    assert balance(coop, sav) == D("1800000.00") and balance(coop, sav2) == D("1200000.00")
    verify(coop)


def test_fixed_deposit_placement_maturity_and_early_penalty(coop: Coop) -> None:
    """FD90: one placement of at least 50,000; withdrawn early it pays out less 2 %
    (to fee income 4200); from the maturity date the full amount."""
    m = add_member(coop)
    fd = open_account(coop, m, "FD90")
    before = snapshot(coop)
    r = coop.cli("postings", "deposit", fd, "40000", operator="teller1")
    assert r.exit_code == 5 and "at least 50,000.00" in r.stderr
    assert snapshot(coop) == before
    deposit(
        coop,
        fd,
        "100000",
        COOPCTL_TODAY="2026-09-01",
    )
    shown = coop.ok("accounts", "show", fd)
    assert (shown["placed_on"], shown["maturity_date"]) == ("2026-09-01", "2026-11-30")
    r = coop.cli("postings", "deposit", fd, "1000", operator="teller1")
    assert r.exit_code == 5 and "already placed" in r.stderr
    early = withdraw(coop, fd, "50000", COOPCTL_TODAY="2026-11-29")
    assert lines_of(early) == [
        ("1110", None, "0.00", "49000.00"),
        ("2120", fd, "50000.00", "0.00"),
        ("4200", None, "0.00", "1000.00"),
    ]
    due = withdraw(coop, fd, "50000", COOPCTL_TODAY="2026-11-30")
    assert lines_of(due) == [("1110", None, "0.00", "50000.00"), ("2120", fd, "50000.00", "0.00")]
    assert balance(coop, fd) == D("0.00")
    verify(coop)
