"""Member accounts on both databases: open, list, show, close (with transfer), holds,
and statements over any date range in every format."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from coopctl.core import ids
from coopctl.deposits import holds
from coopctl.deposits.accounts_lookup import get_account
from coopctl.deposits.errors import HoldError
from tests.conftest import Coop
from tests.integration.deposits_support import (
    add_member,
    balance,
    deposit,
    open_account,
    snapshot,
    verify,
    withdraw,
)

D = Decimal


def test_open_show_list(coop: Coop) -> None:
    m = add_member(coop, kyc=False)  # opening needs no KYC
    a = coop.ok("accounts", "open", m, "--product", "sav", operator="teller1")
    assert a == {
        **a,
        "account_no": "A0000000013",
        "member_no": m,
        "product": "SAV",
        "type": "savings",
        "status": "active",
        "balance": "0.00",
        "held": "0.00",
        "available": "0.00",
        "gl_code": "2110",
        "opened_on": "2026-11-28",
        "annual_rate": "4.00",
    }
    assert ids.check(a["account_no"], "A") == a["account_no"]
    assert coop.ok("accounts", "show", a["account_no"], operator="auditor1") == a
    fd1, fd2 = open_account(coop, m, "FD90"), open_account(coop, m, "FD90")  # many FDs
    assert fd1 != fd2
    other = add_member(coop, "Bola", "Ade")
    open_account(coop, other)
    mine = coop.ok("accounts", "list", "--member", m, operator="auditor1")
    assert [(x["account_no"], x["product"]) for x in mine] == [
        (a["account_no"], "SAV"),
        (fd1, "FD90"),
        (fd2, "FD90"),
    ]
    assert len(coop.ok("accounts", "list")) == 4
    assert coop.ok("accounts", "list", "--status", "closed") == []


def test_open_refusals_write_nothing(coop: Coop) -> None:
    m = add_member(coop)
    open_account(coop, m, "SAV")
    before = snapshot(coop)
    cases = [
        ((m, "--product", "SAV"), 5, "already has SAV account"),
        ((m, "--product", "NOPE"), 3, "product NOPE not found"),
        (("M00000012", "--product", "SAV"), 2, "invalid check digit"),
        (("M00000999", "--product", "SAV"), 3, "M00000999 not found"),
        ((m, "--product", "SAV", "--date", "2026-02-30"), 2, "--date"),
    ]
    for args, code, needle in cases:
        r = coop.cli("accounts", "open", *args, operator="teller1")
        assert (r.exit_code, needle in r.stderr) == (code, True), (args, r.stderr)
    assert coop.cli("accounts", "open", m, "--product", "SHR", operator="auditor1").exit_code == 4
    assert snapshot(coop) == before


def test_show_validates_the_check_digit(coop: Coop) -> None:
    r = coop.cli("accounts", "show", "A0000000014")
    assert r.exit_code == 2 and "ACCOUNT_NO: 'A0000000014' has an invalid check digit" in r.stderr
    r = coop.cli("accounts", "show", "A0000000013")
    assert r.exit_code == 3 and "not found" in r.stderr


def test_close_at_zero_or_with_transfer(coop: Coop) -> None:
    """An account with money refuses to close; --transfer-to moves the balance and
    closes it in one transaction; a closed account closes no more."""
    m = add_member(coop)
    sav, sav2 = open_account(coop, m), open_account(coop, add_member(coop, "Bola", "Ade"))
    deposit(coop, sav, "2500")
    before = snapshot(coop)
    r = coop.cli("accounts", "close", sav, operator="teller1")
    assert r.exit_code == 5 and "holds 2,500.00" in r.stderr
    assert snapshot(coop) == before
    closed = coop.ok("accounts", "close", sav, "--transfer-to", sav2, operator="teller1")
    assert (closed["status"], closed["balance"], closed["closed_on"]) == (
        "closed",
        "0.00",
        "2026-11-28",
    )
    entry = coop.ok("postings", "show", closed["transfer_entry_no"])
    assert entry["kind"] == "transfer" and entry["total"] == "2500.00"
    assert balance(coop, sav2) == D("2500.00")
    r = coop.cli("accounts", "close", sav, operator="teller1")
    assert r.exit_code == 5 and "already closed" in r.stderr
    # a new SAV account may be opened once the old one is closed
    assert open_account(coop, m) != sav
    verify(coop)


def test_close_refuses_shares_pending_entries_and_large_transfers(coop: Coop) -> None:
    m = add_member(coop)
    sav, shr = open_account(coop, m), open_account(coop, m, "SHR")
    deposit(coop, shr, "5000")
    deposit(coop, sav, "2,000,000")
    before = snapshot(coop)
    r = coop.cli("accounts", "close", shr, "--transfer-to", sav, operator="teller1")
    assert r.exit_code == 5 and "shares" in r.stderr
    sav2 = open_account(coop, m, "FD90")
    before = snapshot(coop)
    r = coop.cli("accounts", "close", sav, "--transfer-to", sav2, operator="teller1")
    assert r.exit_code == 5 and "needs a checker" in r.stderr
    assert snapshot(coop) == before
    w = withdraw(coop, sav, "1,000,000")
    assert w["status"] == "pending"
    before = snapshot(coop)
    r = coop.cli("accounts", "close", sav, "--transfer-to", sav2, operator="teller1")
    assert r.exit_code == 5 and "pending entries" in r.stderr
    assert snapshot(coop) == before
    verify(coop)


def test_holds_reduce_the_available_balance(coop: Coop) -> None:
    """10,000 saved; a guarantee hold of 6,000 leaves 4,000 available; withdrawing 5,000
    fails; a partial release of 2,500 lets 5,000 through; the hold can't be
    over-released; after a full release the account closes."""
    m = add_member(coop)
    sav = open_account(coop, m)
    deposit(coop, sav, "10000")
    with coop.uow("officer1") as u:
        acct = get_account(u, sav)
        with pytest.raises(HoldError, match=r"cannot hold 10,000\.01"):
            holds.place_hold(u, acct, D("10000.01"), "guarantee", "L0000001")
        hold = holds.place_hold(u, acct, D("6000.00"), "guarantee", "L0000001")
        u.commit()
        hold_id = hold.id
    shown = coop.ok("accounts", "show", sav)
    assert (shown["held"], shown["available"]) == ("6000.00", "4000.00")
    before = snapshot(coop)
    r = coop.cli("postings", "withdraw", sav, "5000", operator="teller1")
    assert r.exit_code == 5 and "available 4,000.00" in r.stderr
    assert snapshot(coop) == before
    verify(coop)
    with coop.uow("officer1") as u:
        h = holds.get_hold(u, hold_id)
        holds.release_hold(u, h, D("2500.00"))
        with pytest.raises(HoldError, match=r"cannot release 3,500\.01"):
            holds.release_hold(u, h, D("3500.01"))
        u.commit()
    withdraw(coop, sav, "5000")
    shown = coop.ok("accounts", "show", sav)
    assert (shown["balance"], shown["held"], shown["available"]) == (
        "5000.00",
        "3500.00",
        "1500.00",
    )
    r = coop.cli(
        "accounts", "close", sav, "--transfer-to", open_account(coop, m, "SHR"), operator="teller1"
    )
    assert r.exit_code == 5 and "active holds" in r.stderr
    with coop.uow("officer1") as u:
        h = holds.release_hold(u, holds.get_hold(u, hold_id))
        assert (h.status, h.amount) == ("released", D("0.00"))
        u.commit()
    assert coop.ok("accounts", "show", sav)["held"] == "0.00"
    verify(coop)


def _saver(coop: Coop) -> str:
    """A member saving over three months: opening balances come from earlier lines."""
    m = add_member(coop)
    sav = open_account(coop, m, "SAV", COOPCTL_TODAY="2026-09-01")
    deposit(coop, sav, "50,000", COOPCTL_TODAY="2026-09-05")
    withdraw(coop, sav, "12,500.25", COOPCTL_TODAY="2026-09-20")
    deposit(coop, sav, "7,000", COOPCTL_TODAY="2026-10-03")
    withdraw(coop, sav, "4,000", COOPCTL_TODAY="2026-11-10")
    return sav


def test_statement_any_range_with_running_balance(coop: Coop) -> None:
    sav = _saver(coop)
    full = coop.ok("accounts", "statement", sav, operator="teller1")
    assert (full["opening_balance"], full["closing_balance"]) == ("0.00", "40499.75")
    assert [(ln["date"], ln["debit"], ln["credit"], ln["balance"]) for ln in full["lines"]] == [
        ("2026-09-05", "0.00", "50000.00", "50000.00"),
        ("2026-09-20", "12500.25", "0.00", "37499.75"),
        ("2026-10-03", "0.00", "7000.00", "44499.75"),
        ("2026-11-10", "4000.00", "0.00", "40499.75"),
    ]
    assert all(ln["entry_no"].startswith("JE") and ln["narration"] for ln in full["lines"])
    octo = coop.ok("accounts", "statement", sav, "--from", "2026-10-01", "--to", "2026-10-31")
    assert (octo["account_no"], octo["opening_balance"], octo["closing_balance"]) == (
        sav,
        "37499.75",
        "44499.75",
    )
    assert [ln["date"] for ln in octo["lines"]] == ["2026-10-03"]
    empty = coop.ok("accounts", "statement", sav, "--from", "2026-11-11", "--to", "2026-11-20")
    assert (empty["opening_balance"], empty["closing_balance"], empty["lines"]) == (
        "40499.75",
        "40499.75",
        [],
    )
    assert Decimal(full["closing_balance"]) == balance(coop, sav)


def test_statement_formats_and_bad_input(coop: Coop, tmp_path: Path) -> None:
    sav = _saver(coop)
    r = coop.cli("accounts", "statement", sav, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.ok().stdout)))
    assert rows[0]["narration"] == "Opening balance" and rows[-1]["balance"] == "40499.75"
    assert [r_["balance"] for r_ in rows[1:-1]] == ["50000.00", "37499.75", "44499.75", "40499.75"]
    table = coop.cli("accounts", "statement", sav).ok().stdout
    assert "Closing balance" in table and "40,499.75" in table
    xlsx = tmp_path / "st.xlsx"
    coop.cli("accounts", "statement", sav, "--format", "xlsx", "-o", xlsx).ok()
    assert xlsx.read_bytes()[:2] == b"PK"
    cases = [
        (("--from", "2026-11-30", "--to", "2026-11-01"), 2, "--from"),
        (("--from", "2026-1-1"), 2, "--from: '2026-1-1' is not a date"),
        (("--to", "yesterday"), 2, "--to: 'yesterday' is not a date"),
        (("--format", "pdf"), 2, "needs -o"),
    ]
    for args, code, needle in cases:
        r = coop.cli("accounts", "statement", sav, *args)
        assert (r.exit_code, needle in r.stderr) == (code, True), (args, r.stderr)


@pytest.mark.slow
def test_statement_pdf(sqlite_coop: Coop, tmp_path: Path) -> None:
    sav = _saver(sqlite_coop)
    pdf = tmp_path / "st.pdf"
    sqlite_coop.cli("accounts", "statement", sav, "--format", "pdf", "-o", pdf).ok()
    assert pdf.read_bytes()[:5] == b"%PDF-"
