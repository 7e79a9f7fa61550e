"""Standing orders: weekly, a loan's amount due, priority and partial payment,
pause/resume/cancel, end date, hostile text, refusals (each on SQLite and PostgreSQL).

The nightly step is run alone (``jobs run standing_orders --date D``) as the batch
operator; the full nightly job is exercised in test_standing_orders.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest

from tests.conftest import Coop
from tests.integration.deposits_support import balance, open_account, verify
from tests.integration.loans_support import active_loan, cast
from tests.integration.standing_orders_support import (
    member_with,
    outbox,
    so,
    so_entries,
    target_product,
)

D = Decimal


def step(coop: Coop, business_date: str) -> Any:
    after = (date.fromisoformat(business_date) + timedelta(days=1)).isoformat()
    r = coop.cli(
        "jobs",
        "run",
        "standing_orders",
        "--date",
        business_date,
        "--format",
        "json",
        operator="system",
        COOPCTL_TODAY=after,
    )
    assert r.exit_code == 0, f"exit {r.exit_code}\n{r.stdout}\n{r.stderr}"
    return r.json


def days(first: str, last: str) -> list[str]:
    d, end, out = date.fromisoformat(first), date.fromisoformat(last), []
    while d <= end:
        out.append(d.isoformat())
        d += timedelta(days=1)
    return out


def count_orders(coop: Coop) -> int:
    return int(coop.sql("SELECT COUNT(*) FROM standing_orders")[0][0])


def test_weekly_order_to_a_savings_target_pays_every_friday(coop: Coop) -> None:
    """Bola saves 1,500.00 every Friday into a second savings account (her target):
    Fridays in December 2026 up to the 14th are the 4th and the 11th, so two transfers
    of 1,500.00 leave 10,000.00 − 3,000.00 = 7,000.00."""
    target_product(coop)
    _m, sav, _shr = member_with(coop, "Bola", "10000")
    target = open_account(coop, _m, "TGT")
    o = so(coop, "add", sav, "--to-account", target, "--amount", "1500", "--every", "weekly",
           "--day", "5", "--start", "2026-12-01")  # fmt: skip
    assert o["schedule"] == "weekly on Friday" and o["next_due"] == "2026-12-04"
    for d in days("2026-12-01", "2026-12-14"):
        step(coop, d)
    assert [k for k, _ in so_entries(coop)] == [
        f"standing-order:{o['id']}:2026-12-04",
        f"standing-order:{o['id']}:2026-12-11",
    ]
    assert (balance(coop, sav), balance(coop, target)) == (D("7000.00"), D("3000.00"))


def test_loan_amount_due_is_repaid_through_the_repayment_service(coop: Coop) -> None:
    """Adaeze borrows 60,000.00 over 3 months at 2 % a month (declining balance) on
    28 Nov 2026: installment = 60,000 × 0.02 / (1 − 1.02⁻³) = 20,805.28 on 28 Dec.
    Her order pays "the amount due" from savings on the 28th: exactly that, once."""
    c = cast(coop, borrower_savings="30000", guarantor_savings="100000")
    loan_no = active_loan(coop, c, "60000", 3, cover=["15000", "15000"])
    sav = c.borrower.account_no
    r = D("0.02")
    installment = (D(60000) * r / (1 - (1 + r) ** -3)).quantize(D("0.01"), ROUND_HALF_EVEN)
    assert installment == D("20805.28")
    before = balance(coop, sav)
    o = so(coop, "add", sav, "--loan", loan_no, "--amount-due", "--day", "28",
           "--start", "2026-12-01")  # fmt: skip
    assert o["loan_no"] == loan_no and o["amount"] is None and o["amount_due"] is True
    step(coop, "2026-12-27")  # not due yet
    assert so_entries(coop) == []
    step(coop, "2026-12-28")
    step(coop, "2026-12-28")  # again: nothing
    key = f"loan:{loan_no}:repay:standing-order:{o['id']}:2026-12-28"
    assert so_entries(coop) == [(key, "2026-12-28")]
    assert balance(coop, sav) == before - installment
    rep = coop.sql(
        "SELECT amount, channel, client_key FROM loan_repayments WHERE status = 'posted'"
    )
    assert [(int(x[0]), str(x[1]), str(x[2])) for x in rep] == [
        (int(installment * 100), "savings", f"standing-order:{o['id']}:2026-12-28")
    ]
    sched = coop.ok("loans", "schedule", loan_no, operator="auditor1")["installments"]
    assert D(sched[0]["total"]) == installment
    shown = coop.ok("standing-orders", "show", o["id"], operator="auditor1")
    assert [(x["status"], x["amount"]) for x in shown["runs"]] == [("paid", str(installment))]
    verify(coop)


def test_priority_one_is_served_first_and_partial_pays_what_is_left(coop: Coop) -> None:
    """Chinedu has 6,000.00. Order A (made first, priority 2, policy partial) buys
    5,000.00 of shares; order B (priority 1) saves 4,000.00 into his target account.
    B is served first (4,000.00); A gets the 2,000.00 left and he is told."""
    target_product(coop)
    m, sav, shr = member_with(coop, "Chinedu", "6000", email="chinedu@example.org")
    target = open_account(coop, m, "TGT")
    a = so(coop, "add", sav, "--to-account", shr, "--amount", "5000", "--day", "5",
           "--priority", "2", "--on-short", "partial", "--start", "2026-12-01")  # fmt: skip
    b = so(coop, "add", sav, "--to-account", target, "--amount", "4000", "--day", "5",
           "--priority", "1", "--start", "2026-12-01")  # fmt: skip
    assert [o["id"] for o in so(coop, "list", "--member", m, operator="auditor1")] == [
        b["id"],
        a["id"],
    ]
    step(coop, "2026-12-05")
    assert balance(coop, target) == D("4000.00")
    assert balance(coop, shr) == D("6000.00") - D("4000.00")
    assert balance(coop, sav) == D("0.00")
    runs = so(coop, "show", a["id"], operator="auditor1")["runs"]
    assert [(x["status"], x["wanted"], x["amount"]) for x in runs] == [
        ("partial", "5000.00", "2000.00")
    ]
    (notice,) = outbox(coop, "standing_order_partial")
    assert notice[0] == "chinedu@example.org" and "2,000.00 of 5,000.00" in notice[1]
    step(coop, "2026-12-06")  # a partial payment is final: no retry
    assert balance(coop, shr) == D("2000.00")


def test_pause_resume_cancel(coop: Coop) -> None:
    """Paused over 5 December, resumed on the 6th: December is not collected later;
    5 January is paid; cancelled, February is not; a cancelled order stays cancelled,
    even against a direct UPDATE (database trigger)."""
    _m, sav, shr = member_with(coop, "Dayo", "20000")
    o = so(coop, "add", sav, "--to-account", shr, "--amount", "5000", "--day", "5",
           "--start", "2026-12-01")  # fmt: skip
    oid = o["id"]
    assert so(coop, "pause", oid)["status"] == "paused"
    r = coop.cli("standing-orders", "pause", oid, operator="teller1")
    assert r.exit_code == 5
    step(coop, "2026-12-05")
    assert so(coop, "resume", oid, COOPCTL_TODAY="2026-12-06")["status"] == "active"
    for d in ("2026-12-06", "2026-12-07", "2026-12-08"):
        step(coop, d)
    assert so_entries(coop) == []
    step(coop, "2027-01-05")
    assert so_entries(coop) == [(f"standing-order:{oid}:2027-01-05", "2027-01-05")]
    assert so(coop, "cancel", oid, COOPCTL_TODAY="2027-01-10")["status"] == "cancelled"
    step(coop, "2027-02-05")
    assert len(so_entries(coop)) == 1
    assert balance(coop, shr) == D("5000.00")
    assert coop.cli("standing-orders", "resume", oid, operator="teller1").exit_code == 5
    with pytest.raises(Exception, match="cannot be reactivated"):
        coop.sql("UPDATE standing_orders SET status = 'active' WHERE id = :i", i=oid)
    assert so(coop, "show", oid, operator="auditor1")["status"] == "cancelled"
    assert coop.cli("standing-orders", "show", 999, operator="auditor1").exit_code == 3


def test_end_date_stops_the_order(coop: Coop) -> None:
    """Weekly on Friday from 1 to 12 December: 4 and 11 December only; the order is
    ``ended`` once its last due date is past the retry window (11 + 3 = 14 Dec)."""
    _m, sav, shr = member_with(coop, "Emeka", "10000")
    o = so(coop, "add", sav, "--to-account", shr, "--amount", "1000", "--every", "weekly",
           "--day", "5", "--start", "2026-12-01", "--end", "2026-12-12")  # fmt: skip
    for d in days("2026-12-01", "2026-12-26"):
        step(coop, d)
    assert [k.rsplit(":", 1)[1] for k, _ in so_entries(coop)] == ["2026-12-04", "2026-12-11"]
    assert so(coop, "show", o["id"], operator="auditor1")["status"] == "ended"
    assert balance(coop, shr) == D("2000.00")


def test_hostile_and_oversized_text_and_bad_options_write_nothing(coop: Coop) -> None:
    _m, sav, shr = member_with(coop, "Funmi", "10000")
    base = ["standing-orders", "add", sav, "--to-account", shr, "--amount", "100"]
    for extra in (
        ["--narration", "Rent\x1b[31m red"],  # control character
        ["--narration", "x\u202eevil"],  # bidi override
        ["--narration", "n" * 501],
        ["--day", "32"],
        ["--every", "weekly", "--day", "8"],
        ["--priority", "0"],
        ["--amount-due"],  # with --amount, and without a loan
        ["--start", "2026-12-10", "--end", "2026-12-01"],
    ):
        r = coop.cli(*base, *extra, operator="teller1")
        assert r.exit_code == 2, (extra, r.stdout, r.stderr)
    for bad_amount in ("-5", "1e3", "0.001", "100000000000.01"):
        r = coop.cli("standing-orders", "add", sav, "--to-account", shr, "--amount", bad_amount,
                     operator="teller1")  # fmt: skip
        assert r.exit_code == 2, (bad_amount, r.stderr)
    r = coop.cli("standing-orders", "add", shr, "--to-account", sav, "--amount", "100",
                 operator="teller1")  # fmt: skip
    assert r.exit_code == 5  # shares do not pay standing orders
    assert count_orders(coop) == 0
    # Markup is stored as text and shown as text, never interpreted.
    o = so(coop, *base[1:], "--narration", "[bold]Rent[/bold] [/]")
    assert o["narration"] == "[bold]Rent[/bold] [/]"
    shown = coop.cli("standing-orders", "show", o["id"], "--format", "table", operator="auditor1")
    assert shown.exit_code == 0 and "[bold]Rent[/bold] [/]" in shown.stdout


def test_permissions(coop: Coop) -> None:
    """Tellers record a member's own orders; paying another member's account needs a
    manager; auditors and accountants only read."""
    _m1, sav1, shr1 = member_with(coop, "Gbenga", "10000")
    _m2, _sav2, shr2 = member_with(coop, "Halima", "0")
    own = ["standing-orders", "add", sav1, "--to-account", shr1, "--amount", "100"]
    other = ["standing-orders", "add", sav1, "--to-account", shr2, "--amount", "100"]
    assert coop.cli(*own, operator="auditor1").exit_code == 4
    assert coop.cli(*own, operator="accountant1").exit_code == 4
    assert coop.cli(*other, operator="teller1").exit_code == 4
    assert count_orders(coop) == 0
    mine = so(coop, *own[1:])
    theirs = so(coop, *other[1:], operator="manager1")
    assert coop.cli("standing-orders", "pause", mine["id"], operator="auditor1").exit_code == 4
    assert coop.cli("standing-orders", "cancel", theirs["id"], operator="teller1").exit_code == 4
    assert so(coop, "cancel", theirs["id"], operator="manager1")["status"] == "cancelled"
    assert len(so(coop, "list", operator="auditor1")) == 2


def test_holds_and_dormancy_are_respected_through_the_deposits_guards(coop: Coop) -> None:
    """Ifeoma has 10,000.00 with a lien of 8,000.00 (a guarantee): available
    10,000.00 − 8,000.00 = 2,000.00 cannot pay 5,000.00, so nothing moves. Kelechi's
    savings account is dormant: the transfer service refuses it and the order records
    why; after the retry window it is given up."""
    from coopctl.deposits.accounts_lookup import get_account
    from coopctl.deposits.holds import place_hold

    _m1, sav1, shr1 = member_with(coop, "Ifeoma", "10000")
    with coop.uow("manager1") as u:
        place_hold(u, get_account(u, sav1), D("8000.00"), "guarantee of a loan")
        u.commit()
    held = so(coop, "add", sav1, "--to-account", shr1, "--amount", "5000", "--day", "5",
              "--start", "2026-12-01")  # fmt: skip
    _m2, sav2, shr2 = member_with(coop, "Kelechi", "10000")
    dormant = so(coop, "add", sav2, "--to-account", shr2, "--amount", "5000", "--day", "5",
                 "--start", "2026-12-01")  # fmt: skip
    # Test setup: the dormancy step's outcome, set directly.
    coop.sql("UPDATE accounts SET status = 'dormant' WHERE account_no = :a", a=sav2)
    for d in days("2026-12-05", "2026-12-08"):
        step(coop, d)
    assert so_entries(coop) == []
    (r1,) = so(coop, "show", held["id"], operator="auditor1")["runs"]
    assert (r1["status"], r1["attempts"]) == ("given_up", 4)
    assert "available 2,000.00, needs 5,000.00" in r1["reason"]
    (r2,) = so(coop, "show", dormant["id"], operator="auditor1")["runs"]
    assert r2["status"] == "given_up" and "dormant" in r2["reason"]
    assert (balance(coop, sav1), balance(coop, sav2)) == (D("10000.00"), D("10000.00"))
    verify(coop)


def test_an_operator_without_posting_rights_dead_letters_the_order_and_retry_pays(
    coop: Coop,
) -> None:
    """The accountant may run jobs but not post teller transfers: the order is
    dead-lettered (not counted as the member's failed attempt); `jobs retry` by the
    batch operator pays it, once."""
    _m, sav, shr = member_with(coop, "Jide", "10000")
    o = so(coop, "add", sav, "--to-account", shr, "--amount", "5000", "--day", "5",
           "--start", "2026-12-01")  # fmt: skip
    r = coop.cli("jobs", "run", "standing_orders", "--date", "2026-12-05", "--format", "json",
                 operator="accountant1", COOPCTL_TODAY="2026-12-06")  # fmt: skip
    assert r.exit_code == 6, r.stderr
    assert (r.json["failed"], r.json["posted"]) == (1, 0)
    assert so(coop, "show", o["id"], operator="auditor1")["runs"] == []
    dead = coop.sql("SELECT item, error FROM job_dead_letters WHERE status = 'open'")
    assert [(str(x[0]), "lacks permission teller.post" in str(x[1])) for x in dead] == [
        (f"standing-order:{o['id']}", True)
    ]
    retried = coop.cli("jobs", "retry", r.json["run_id"], "--format", "json", operator="system",
                       COOPCTL_TODAY="2026-12-06")  # fmt: skip
    assert retried.exit_code == 0, retried.stderr
    assert so_entries(coop) == [(f"standing-order:{o['id']}:2026-12-05", "2026-12-05")]
    step(coop, "2026-12-05")
    assert balance(coop, shr) == D("5000.00")


def test_an_order_at_the_transfer_threshold_waits_for_a_checker(coop: Coop) -> None:
    """With [approvals.transfer] threshold 1,000.00, the 5,000.00 transfer is stored
    pending like a teller's; re-running the date adds no second one; a manager's
    approval moves the money."""
    coop.env_extra["COOPCTL_APPROVALS__TRANSFER__THRESHOLD"] = "1000.00"
    _m, sav, shr = member_with(coop, "Kemi", "10000")
    o = so(coop, "add", sav, "--to-account", shr, "--amount", "5000", "--day", "5",
           "--start", "2026-12-01")  # fmt: skip
    step(coop, "2026-12-05")
    step(coop, "2026-12-05")
    (run,) = so(coop, "show", o["id"], operator="auditor1")["runs"]
    assert (run["status"], run["amount"]) == ("pending", "5000.00")
    assert balance(coop, shr) == D("0.00")
    pending = coop.ok("approvals", "list", "--state", "pending", "--kind", "transfer",
                      operator="manager1")  # fmt: skip
    assert [(a["kind"], a["amount"]) for a in pending] == [("transfer", "5000.00")]
    coop.ok("approvals", "approve", pending[0]["id"], operator="manager1",
            COOPCTL_TODAY="2026-12-06")  # fmt: skip
    assert (balance(coop, sav), balance(coop, shr)) == (D("5000.00"), D("5000.00"))
