"""Standing orders paid by the nightly job, told as a member's year.

Adaeze Okafor keeps 12,000.00 in savings (SAV) and asks the cooperative to buy her
5,000.00 of shares (SHR) on the 5th of every month from 1 December 2026. The nightly
job pays it in December and January; on 5 February only 2,000.00 is left, so the
order is retried on the 6th and paid on the 7th, after she pays in 3,000.00. On
5 March her savings are empty: the order is tried on the 5th, 6th, 7th and 8th
([standing_orders] retry_days = 3), then given up and she is told.

Expected books, written out: three transfers of 5,000.00 (Dr her savings, Cr her
shares) keyed on (order, due date) 5 Dec, 5 Jan, 5 Feb, the last posted on 7 Feb;
shares 3 × 5,000.00 = 15,000.00; savings 12,000.00 + 3,000.00 − 15,000.00 = 0.00.
"""

from __future__ import annotations

import email
from decimal import Decimal

from tests.conftest import Coop
from tests.integration.deposits_support import balance, deposit, verify
from tests.integration.standing_orders_support import (
    Inbox,
    mail,
    member_with,
    nightly,
    outbox,
    so,
    so_entries,
    step_run,
)

D = Decimal
EMAIL = "adaeze.okafor@example.org"
MONTHLY = D("5000.00")


__all__ = ["mail"]  # the loopback SMTP fixture


def test_monthly_savings_to_shares_runs_once_a_month_retries_and_gives_up(
    coop: Coop, mail: Inbox
) -> None:
    member_no, sav, shr = member_with(coop, "Adaeze", "12000", email=EMAIL)
    order = so(
        coop,
        "add",
        sav,
        "--to-account",
        shr,
        "--amount",
        "5,000.00",
        "--every",
        "monthly",
        "--day",
        "5",
        "--start",
        "2026-12-01",
    )
    oid = order["id"]
    assert (order["member_no"], order["status"]) == (member_no, "active")
    assert order["amount"] == "5000.00"
    assert order["next_due"] == "2026-12-05"

    # 5 December: paid; a second run of the same date posts nothing.
    nightly(coop, "2026-12-05")
    assert (balance(coop, sav), balance(coop, shr)) == (D("12000") - MONTHLY, MONTHLY)
    nightly(coop, "2026-12-05")
    assert (balance(coop, sav), balance(coop, shr)) == (D("12000") - MONTHLY, MONTHLY)
    assert so_entries(coop) == [(f"standing-order:{oid}:2026-12-05", "2026-12-05")]

    # The rest of December (caught up night by night) pays nothing; 5 January pays once.
    nightly(coop, "2027-01-04")
    assert len(so_entries(coop)) == 1
    nightly(coop, "2027-01-05")
    assert (balance(coop, sav), balance(coop, shr)) == (D("12000") - 2 * MONTHLY, 2 * MONTHLY)

    # 5 February: 2,000.00 cannot pay 5,000.00 (policy skip): nothing moves, retried.
    nightly(coop, "2027-02-05")
    feb = step_run(coop, oid)["2027-02-05"]
    assert (feb["status"], feb["attempts"], feb["amount"]) == ("short", 1, "0.00")
    assert "available 2,000.00, needs 5,000.00" in feb["reason"]
    nightly(coop, "2027-02-06")
    assert step_run(coop, oid)["2027-02-05"]["attempts"] == 2
    assert balance(coop, sav) == D("2000.00")
    # She pays in 3,000.00 on the 7th; that night the retry pays the February order.
    deposit(coop, sav, "3000", COOPCTL_TODAY="2027-02-07")
    nightly(coop, "2027-02-07")
    feb = step_run(coop, oid)["2027-02-05"]
    assert (feb["status"], feb["attempts"], feb["amount"]) == ("paid", 3, "5000.00")
    assert (balance(coop, sav), balance(coop, shr)) == (D("0.00"), 3 * MONTHLY)
    assert outbox(coop, "standing_order_failed") == []

    # 5 March: empty savings; tried 5, 6, 7, 8 March, then given up with one notice.
    nightly(coop, "2027-03-07")
    assert step_run(coop, oid)["2027-03-05"]["status"] == "short"
    assert outbox(coop, "standing_order_failed") == []
    nightly(coop, "2027-03-08")
    mar = step_run(coop, oid)["2027-03-05"]
    assert (mar["status"], mar["attempts"], mar["amount"]) == ("given_up", 4, "0.00")
    notices = outbox(coop, "standing_order_failed")
    assert len(notices) == 1
    recipient, subject, body = notices[0]
    assert recipient == EMAIL
    assert subject == f"Standing order {oid} not paid for 2027-03-05"
    assert "5,000.00" in body and sav in body and "4 attempt(s)" in body
    nightly(coop, "2027-03-08")  # again: no second notice, nothing posted
    assert len(outbox(coop, "standing_order_failed")) == 1
    sent = [email.message_from_bytes(raw) for _, rcpts, raw in mail.messages if EMAIL in rcpts]
    assert [m["Subject"] for m in sent if "Standing order" in str(m["Subject"])] == [subject]

    # The books: three transfers, keyed on the due dates, the last posted on 7 Feb.
    assert so_entries(coop) == [
        (f"standing-order:{oid}:2026-12-05", "2026-12-05"),
        (f"standing-order:{oid}:2027-01-05", "2027-01-05"),
        (f"standing-order:{oid}:2027-02-05", "2027-02-07"),
    ]
    assert (balance(coop, sav), balance(coop, shr)) == (
        D("12000.00") + D("3000.00") - 3 * MONTHLY,
        3 * MONTHLY,
    )
    lines = coop.sql(
        "SELECT a.account_no, l.debit, l.credit FROM journal_lines l"
        " JOIN journal_entries e ON e.id = l.entry_id JOIN accounts a ON a.id = l.account_id"
        " WHERE e.idempotency_key LIKE 'standing-order:%' ORDER BY e.id, l.id"
    )
    assert [(str(r[0]), int(r[1]), int(r[2])) for r in lines] == [
        (sav, 500000, 0),
        (shr, 0, 500000),
    ] * 3
    verify(coop)
