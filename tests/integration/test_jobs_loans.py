"""Nightly loan steps: an installment one day overdue e-mails the borrower once
(through a real SMTP server on loopback), and ``reports aging --as-of`` a past date
shows the classes recorded that night, after the loan has moved on."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Coop
from tests.integration.loans_support import active_loan, cast, repay

BORROWER_EMAIL = "adaeze.okafor@example.org"


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[_Inbox, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as s:  # a free loopback port
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    inbox = _Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        yield inbox, port
    finally:
        ctl.stop()


def _loan(coop: Coop) -> tuple[str, str]:
    """Adaeze borrows ₦60,000 over 3 months on 28 Nov 2026: 20,805.28 due on the 28th."""
    c = cast(coop, borrower_savings="30000", guarantor_savings="100000")
    loan_no = active_loan(coop, c, "60000", 3, cover=["15000", "15000"])
    return loan_no, c.borrower.member_no


def test_one_day_overdue_installment_emails_the_borrower_once(
    coop: Coop, smtp_server: tuple[_Inbox, int]
) -> None:
    inbox, port = smtp_server
    loan_no, member_no = _loan(coop)
    coop.sql("UPDATE members SET email = :e WHERE member_no = :m", e=BORROWER_EMAIL, m=member_no)
    mail = {
        "COOPCTL_NOTIFY__SMTP_HOST": "127.0.0.1",
        "COOPCTL_NOTIFY__SMTP_PORT": str(port),
        "COOPCTL_NOTIFY__SMTP_TLS": "none",
        "COOPCTL_NOTIFY__SENDER": "office@unity-coop.example.org",
    }
    # 29 Dec: installment 1 (due 28 Dec) is one day overdue.
    r = coop.cli(
        "jobs",
        "run",
        "nightly",
        "--date",
        "2026-12-29",
        "--format",
        "json",
        operator="system",
        COOPCTL_TODAY="2026-12-30",
        **mail,
    )
    assert r.exit_code == 0, r.stderr
    assert len(inbox.messages) == 1
    sender, rcpts, raw = inbox.messages[0]
    assert (sender, rcpts) == ("office@unity-coop.example.org", [BORROWER_EMAIL])
    msg = email.message_from_bytes(raw)
    assert msg["Subject"] == f"Loan {loan_no}: installment 1 is overdue"
    body = msg.get_payload(decode=True).decode()
    assert "due on 2026-12-28" in body and "20,805.28" in body

    again = coop.cli(
        "jobs",
        "run",
        "nightly",
        "--date",
        "2026-12-30",
        "--format",
        "json",
        operator="system",
        COOPCTL_TODAY="2026-12-31",
        **mail,
    )
    assert again.exit_code == 0, again.stderr
    assert len(inbox.messages) == 1  # still one: the notice is keyed on the installment
    listed = coop.ok("notify", "list", operator="manager1")
    assert [(m["template"], m["status"]) for m in listed] == [("installment_overdue", "sent")]


def test_aging_as_of_a_past_date_shows_that_nights_classes(coop: Coop) -> None:
    loan_no, _ = _loan(coop)
    # Night of 10 Jan 2027: installment 1 is 13 days overdue -> pass & watch.
    r = coop.cli(
        "jobs",
        "run",
        "loans.age",
        "--date",
        "2027-01-10",
        "--format",
        "json",
        operator="system",
        COOPCTL_TODAY="2027-01-11",
    )
    assert r.exit_code == 0, r.stderr
    assert r.json["posted"] == 1
    repay(coop, loan_no, "20805.28", "2027-01-11")  # the loan moves on: arrears cleared

    def classes(as_of: str) -> dict[str, int]:
        out = coop.ok(
            "reports", "aging", "--as-of", as_of, operator="accountant1", COOPCTL_TODAY="2027-02-10"
        )
        return {b["class"]: b["loans"] for b in out["buckets"] if b["loans"]}

    then = classes("2027-01-10")
    assert list(then.values()) == [1] and "watch" in next(iter(then)).lower()
    # A date without a snapshot is computed from today's installments: repaid, performing.
    assert "perform" in next(iter(classes("2027-01-09"))).lower()
    par = coop.ok(
        "reports",
        "par",
        "--as-of",
        "2027-01-10",
        operator="accountant1",
        COOPCTL_TODAY="2027-02-10",
    )
    assert par["par1"] == "100.00"


def test_the_days_loan_and_deposit_events_are_queued_once(coop: Coop) -> None:
    c = cast(coop, borrower_savings="30000", guarantor_savings="100000")
    coop.sql("UPDATE members SET email = :e WHERE member_no = :m", e=BORROWER_EMAIL,
             m=c.borrower.member_no)  # fmt: skip
    loan_no = active_loan(coop, c, "60000", 3, cover=["15000", "15000"])
    for _ in range(2):  # the second run for the same night queues nothing more
        r = coop.cli("jobs", "run", "notify.events", "--date", "2026-11-28", "--format", "json",
                     operator="system", COOPCTL_TODAY="2026-11-29")  # fmt: skip
        assert r.exit_code == 0, r.stderr
    rows = coop.sql("SELECT template, recipient, subject FROM notify_outbox ORDER BY template")
    assert [(t, rc) for t, rc, _ in rows] == [
        ("deposit_receipt", BORROWER_EMAIL),
        ("loan_approved", BORROWER_EMAIL),
        ("loan_disbursed", BORROWER_EMAIL),
    ]
    assert rows[1][2] == f"Loan {loan_no} approved"
