"""Helpers for the standing-order tests: members with savings and shares, orders and
nightly runs through the real CLI."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import Coop
from tests.integration.deposits_support import add_member, deposit, open_account

D = Decimal


def target_product(coop: Coop) -> None:
    """TGT: a second savings product, for a member's savings target."""
    coop.ok("products", "add", "TGT", "--kind", "savings", "--name", "Savings target",
            "--rate", "0", operator="manager1")  # fmt: skip


def member_with(coop: Coop, first: str, savings: str, *, email: str | None = None) -> Any:
    """A member with a SAV account holding ``savings`` (deposited on 28 Nov 2026) and an
    empty SHR account; returns (member_no, savings account, shares account)."""
    m = add_member(coop, first, "Okafor")
    sav = open_account(coop, m, "SAV")
    shr = open_account(coop, m, "SHR")
    if D(savings) > 0:
        deposit(coop, sav, savings)
    if email:
        coop.sql("UPDATE members SET email = :e WHERE member_no = :m", e=email, m=m)
    return m, sav, shr


def so(coop: Coop, *args: Any, operator: str = "teller1", **env: str) -> Any:
    """``coopctl standing-orders …`` with JSON output, asserting success."""
    return coop.ok("standing-orders", *args, operator=operator, **env)


def nightly(coop: Coop, business_date: str) -> Any:
    """``jobs run nightly --date D`` as the batch operator on the morning after D."""
    after = (date.fromisoformat(business_date) + timedelta(days=1)).isoformat()
    r = coop.cli(
        "jobs",
        "run",
        "nightly",
        "--date",
        business_date,
        "--format",
        "json",
        operator="system",
        COOPCTL_TODAY=after,
    )
    assert r.exit_code == 0, f"exit {r.exit_code}\n{r.stdout}\n{r.stderr}"
    return r.json


def step_run(coop: Coop, order_id: int) -> dict[str, Any]:
    return {str(r["due_date"]): r for r in so(coop, "show", order_id, operator="auditor1")["runs"]}


def so_entries(coop: Coop) -> list[tuple[str, str]]:
    """(idempotency key, business date) of every standing-order entry, in order (a loan
    repayment's key is ``loan:{loan}:repay:`` + the order's key)."""
    rows = coop.sql(
        "SELECT idempotency_key, business_date FROM journal_entries"
        " WHERE idempotency_key LIKE '%standing-order:%' ORDER BY id"
    )
    return [(str(r[0]), str(r[1])) for r in rows]


def outbox(coop: Coop, template: str) -> list[tuple[str, str, str]]:
    """(recipient, subject, body) of the queued messages of ``template``."""
    rows = coop.sql(
        "SELECT recipient, subject, body FROM notify_outbox WHERE template = :t ORDER BY id",
        t=template,
    )
    return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


class Inbox:
    """Messages received by the loopback SMTP server."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def mail(coop: Coop) -> Iterator[Inbox]:
    """A real SMTP server on loopback; every command of ``coop`` sends through it."""
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    inbox = Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    coop.env_extra.update(
        {
            "COOPCTL_NOTIFY__SMTP_HOST": "127.0.0.1",
            "COOPCTL_NOTIFY__SMTP_PORT": str(port),
            "COOPCTL_NOTIFY__SMTP_TLS": "none",
            "COOPCTL_NOTIFY__SENDER": "office@unity-coop.example.org",
        }
    )
    try:
        yield inbox
    finally:
        ctl.stop()
