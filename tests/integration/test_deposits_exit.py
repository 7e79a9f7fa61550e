"""Member exit on both databases: maker-checker, settlement entry, refund channels,
fixed-deposit penalty, and the refusals (loan offsets with real loans:
tests/integration/test_loans_deposits.py)."""

from __future__ import annotations

from decimal import Decimal

from coopctl.deposits.accounts_lookup import get_account
from coopctl.deposits.holds import place_hold
from tests.conftest import Coop
from tests.integration.deposits_support import (
    add_bank,
    add_member,
    deposit,
    lines_of,
    open_account,
    snapshot,
    trial_balance,
    verify,
)

D = Decimal


def _saver(coop: Coop) -> tuple[str, str, str]:
    m = add_member(coop, "Ngozi", "Umeh")
    sav, shr = open_account(coop, m, "SAV"), open_account(coop, m, "SHR")
    deposit(coop, sav, "30,000")
    deposit(coop, shr, "10,000")
    return m, sav, shr


def test_exit_is_requested_then_approved_by_another_manager(coop: Coop) -> None:
    """Ngozi leaves with 30,000 savings and 10,000 shares and no loans. manager1 requests
    the exit: nothing moves, withdrawals stop. manager2 approves: one entry
    Dr Savings 30,000 / Dr Shares 10,000 / Cr Members' refunds payable 2260 40,000;
    both accounts closed; Ngozi exited."""
    m, sav, shr = _saver(coop)
    before = snapshot(coop)
    req = coop.ok("members", "exit", m, operator="manager1")
    assert req == {
        **req,
        "member_no": m,
        "status": "pending",
        "request_id": "X00000013",
        "channel": "payable",
        "loans_offset": "0.00",
        "refund": "40000.00",
        "entry_no": None,
        "accounts": [
            {
                "account_no": sav,
                "product": "SAV",
                "type": "savings",
                "balance": "30000.00",
                "penalty": "0.00",
            },
            {
                "account_no": shr,
                "product": "SHR",
                "type": "shares",
                "balance": "10000.00",
                "penalty": "0.00",
            },
        ],
    }
    after_request = snapshot(coop)
    assert after_request["balances"] == before["balances"]
    assert after_request["journal_entries"] == before["journal_entries"]
    r = coop.cli("postings", "withdraw", sav, "100", operator="teller1")
    assert r.exit_code == 5 and "exit awaiting approval" in r.stderr
    r = coop.cli("members", "exit", m, operator="manager2")
    assert r.exit_code == 5 and "X00000013 pending" in r.stderr
    r = coop.cli("members", "exit-approve", "X00000013", operator="manager1")
    assert r.exit_code == 4 and "cannot also approve" in r.stderr
    assert coop.cli("members", "exit-approve", "X00000013", operator="teller1").exit_code == 4
    assert snapshot(coop) == after_request

    done = coop.ok("members", "exit-approve", "X00000013", operator="manager2")
    assert (done["status"], done["refund"]) == ("exited", "40000.00")
    entry = coop.ok("postings", "show", done["entry_no"])
    assert entry["kind"] == "member_exit"
    assert lines_of(entry) == [
        ("2110", sav, "30000.00", "0.00"),
        ("2260", None, "0.00", "40000.00"),
        ("3100", shr, "10000.00", "0.00"),
    ]
    assert {a["status"] for a in coop.ok("accounts", "list", "--member", m)} == {"closed"}
    member = coop.ok("members", "show", m)
    assert (member["status"], member["exited_on"]) == ("exited", "2026-11-28")
    assert trial_balance(coop)["2260"] == ("0.00", "40000.00")
    for args in (("deposit", sav, "1"), ("withdraw", sav, "1")):
        assert coop.cli("postings", *args, operator="teller1").exit_code == 5
    r = coop.cli("members", "exit", m, operator="manager1")
    assert r.exit_code == 5 and "exited" in r.stderr
    r = coop.cli("accounts", "open", m, "--product", "SAV", operator="teller1")
    assert r.exit_code == 5 and "exited" in r.stderr
    verify(coop)


def test_dry_run_and_channels(coop: Coop) -> None:
    """Dry run writes nothing. Without maker-checker the exit happens at once; --cash
    pays from the till (1110), --to-account-bank through the bank's GL."""
    add_bank(coop)
    m, _, _ = _saver(coop)
    before = snapshot(coop)
    prev = coop.ok("members", "exit", m, "--cash", "--dry-run", operator="manager1")
    assert (prev["status"], prev["refund"], prev["channel"]) == ("preview", "40000.00", "cash")
    assert snapshot(coop) == before
    env = {"COOPCTL_APPROVALS__MEMBER_EXIT__ENABLED": "false"}
    out = coop.ok("members", "exit", m, "--cash", operator="manager1", **env)
    assert out["status"] == "exited"
    assert ("1110", None, "0.00", "40000.00") in lines_of(
        coop.ok("postings", "show", out["entry_no"])
    )
    m2, _, _ = _saver(coop)
    out = coop.ok("members", "exit", m2, "--to-account-bank", "GTB", operator="manager1", **env)
    assert ("1121", None, "0.00", "40000.00") in lines_of(
        coop.ok("postings", "show", out["entry_no"])
    )
    assert trial_balance(coop)["1110"] == ("40000.00", "0.00")  # 80,000 in, 40,000 out
    verify(coop)


def test_refusals_write_nothing(coop: Coop) -> None:
    m, sav, _ = _saver(coop)
    before = snapshot(coop)
    cases = [
        ((m, "--cash", "--to-account-bank", "GTB"), 2, "choose one"),
        ((m, "--to-account-bank", "NOPE"), 3, "NOPE"),
        (("M00000012",), 2, "invalid check digit"),
        (("M00000999",), 3, "not found"),
    ]
    for args, code, needle in cases:
        r = coop.cli("members", "exit", *args, operator="manager1")
        assert (r.exit_code, needle in r.stderr) == (code, True), (args, r.stderr)
    assert coop.cli("members", "exit", m, operator="teller1").exit_code == 4
    with coop.uow("officer1") as u:
        place_hold(u, get_account(u, sav), D("5000.00"), "guarantee", "L1")
        u.commit()
    before = snapshot(coop)
    r = coop.cli("members", "exit", m, operator="manager1")
    assert r.exit_code == 5 and "holds" in r.stderr
    assert snapshot(coop) == before
    for bad in ("X00000012", "X12"):
        assert coop.cli("members", "exit-approve", bad, operator="manager2").exit_code == 2
    assert coop.cli("members", "exit-approve", "X00000999", operator="manager2").exit_code == 3


def test_rejected_exit_moves_nothing_and_frees_the_accounts(coop: Coop) -> None:
    m, sav, _ = _saver(coop)
    coop.ok("members", "exit", m, operator="manager1")
    r = coop.cli("members", "exit-reject", "X00000013", operator="manager2")
    assert r.exit_code == 2  # --reason is required
    out = coop.ok(
        "members", "exit-reject", "X00000013", "--reason", "changed mind", operator="manager2"
    )
    assert out["status"] == "rejected"
    assert coop.cli("members", "exit-approve", "X00000013", operator="manager2").exit_code == 5
    coop.ok("postings", "withdraw", sav, "100", operator="teller1")
    assert coop.ok("members", "show", m)["status"] == "active"
    verify(coop)


def test_fixed_deposit_closed_early_pays_the_penalty(coop: Coop) -> None:
    """100,000 placed in FD90 on 2026-11-01 (matures 2027-01-30): the exit on 2026-11-28
    pays 2 % (2,000) to fee income 4200 and refunds 98,000."""
    m = add_member(coop)
    fd = open_account(coop, m, "FD90")
    deposit(coop, fd, "100,000", COOPCTL_TODAY="2026-11-01")
    env = {"COOPCTL_APPROVALS__MEMBER_EXIT__ENABLED": "false"}
    out = coop.ok("members", "exit", m, operator="manager1", **env)
    assert (out["penalties"], out["refund"]) == ("2000.00", "98000.00")
    assert lines_of(coop.ok("postings", "show", out["entry_no"])) == [
        ("2120", fd, "100000.00", "0.00"),
        ("2260", None, "0.00", "98000.00"),
        ("4200", None, "0.00", "2000.00"),
    ]
    verify(coop)


def test_approval_uses_the_balances_of_that_moment(coop: Coop) -> None:
    """A check-off credit lands between request and approval: the refund follows it."""
    m, sav, _ = _saver(coop)
    coop.ok("members", "exit", m, operator="manager1")
    deposit(coop, sav, "500")
    r = coop.cli("members", "exit-approve", "X00000013", "--format", "json", operator="manager2")
    assert r.ok().json["refund"] == "40500.00"
    assert "refund now 40,500.00 (was 40,000.00)" in r.stderr
    verify(coop)
