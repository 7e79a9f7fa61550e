"""Helpers shared by the loans tests: a borrower with guarantors, a loan taken through the
real CLI from application to disbursement, and readers of the books."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.conftest import Coop
from tests.integration.deposits_support import add_member, deposit, open_account

DAY0 = "2026-11-28"  # the pinned business date: applications and disbursements happen here


@dataclass
class Party:
    member_no: str
    account_no: str


@dataclass
class Cast:
    borrower: Party
    guarantors: list[Party]


def party(coop: Coop, first: str, last: str, savings: str) -> Party:
    m = add_member(coop, first, last)
    a = open_account(coop, m)
    if Decimal(savings.replace(",", "")) > 0:
        deposit(coop, a, savings)
    return Party(m, a)


def cast(
    coop: Coop,
    *,
    borrower_savings: str = "50000",
    guarantor_savings: str = "100000",
    guarantors: int = 2,
) -> Cast:
    b = party(coop, "Adaeze", "Okafor", borrower_savings)
    names = [("Bola", "Adeyemi"), ("Chinedu", "Eze"), ("Dayo", "Bello")]
    gs = [party(coop, f, la, guarantor_savings) for f, la in names[:guarantors]]
    return Cast(b, gs)


def apply(
    coop: Coop, member_no: str, amount: str, term: int, product: str = "LN-DEI", **env: str
) -> dict[str, Any]:
    return coop.ok(
        "loans",
        "apply",
        member_no,
        "--product",
        product,
        "--amount",
        amount,  # type: ignore[no-any-return]
        "--term",
        term,
        "--purpose",
        "Working capital",
        operator="officer1",
        **env,
    )


def guarantee(coop: Coop, loan_no: str, member_no: str, amount: str, **env: str) -> None:
    coop.ok(
        "loans",
        "guarantors",
        "add",
        loan_no,
        member_no,
        "--amount",
        amount,
        operator="officer1",
        **env,
    )
    coop.ok("loans", "guarantors", "accept", loan_no, member_no, operator="officer1", **env)


def approve(coop: Coop, loan_no: str, **env: str) -> dict[str, Any]:
    coop.ok("loans", "approve", loan_no, "--comment", "ok", operator="officer2", **env)
    return coop.ok("loans", "approve", loan_no, operator="manager1", **env)  # type: ignore[no-any-return]


def active_loan(
    coop: Coop,
    c: Cast,
    amount: str,
    term: int,
    product: str = "LN-DEI",
    cover: list[str] | None = None,
    date: str = DAY0,
) -> str:
    """Apply, guarantee (each guarantor ``cover[i]``), approve twice, disburse on ``date``
    into the borrower's savings; return the loan number."""
    env = {"COOPCTL_TODAY": date}
    loan_no = str(apply(coop, c.borrower.member_no, amount, term, product, **env)["loan_no"])
    for g, amt in zip(c.guarantors, cover or [], strict=False):
        guarantee(coop, loan_no, g.member_no, amt, **env)
    approve(coop, loan_no, **env)
    coop.ok("loans", "disburse", loan_no, "--date", date, operator="manager1", **env)
    return loan_no


def repay(coop: Coop, loan_no: str, amount: str, date: str, *args: str) -> dict[str, Any]:
    return coop.ok(
        "loans",
        "repay",
        loan_no,
        amount,
        "--date",
        date,
        *args,  # type: ignore[no-any-return]
        operator="teller1",
        COOPCTL_TODAY=date,
    )


def show(coop: Coop, loan_no: str, date: str = DAY0) -> dict[str, Any]:
    return coop.ok("loans", "show", loan_no, operator="auditor1", COOPCTL_TODAY=date)  # type: ignore[no-any-return]


def schedule(coop: Coop, loan_no: str) -> list[dict[str, Any]]:
    return coop.ok("loans", "schedule", loan_no, operator="auditor1")["installments"]  # type: ignore[no-any-return]


def gl(coop: Coop, code: str) -> Decimal:
    """Posted balance of a GL account, debit positive."""
    rows = coop.sql(
        "SELECT COALESCE(SUM(l.debit), 0) - COALESCE(SUM(l.credit), 0) FROM journal_lines l "
        "JOIN journal_entries e ON e.id = l.entry_id JOIN gl_accounts g ON g.id = l.gl_account_id "
        "WHERE e.status = 'posted' AND g.code = :c",
        c=code,
    )
    return (Decimal(int(rows[0][0])) / 100).quantize(Decimal("0.01"))


def account(coop: Coop, account_no: str) -> tuple[Decimal, Decimal, str]:
    """(balance, held, status) of a member account."""
    ((bal, held, status),) = coop.sql(
        "SELECT balance, held, status FROM accounts WHERE account_no = :n", n=account_no
    )
    return Decimal(int(bal)) / 100, Decimal(int(held)) / 100, str(status)


def lines(entry: dict[str, Any]) -> list[tuple[str, str | None, str, str]]:
    return sorted(
        (ln["gl_code"], ln["account_no"], ln["debit"], ln["credit"]) for ln in entry["lines"]
    )


def entry(coop: Coop, entry_no: str) -> dict[str, Any]:
    return coop.ok("postings", "show", entry_no, operator="auditor1")  # type: ignore[no-any-return]


def paid(rows: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(principal_paid, interest_paid, fees_paid, penalty_paid) per installment."""
    return [
        (r["principal_paid"], r["interest_paid"], r["fees_paid"], r["penalty_paid"]) for r in rows
    ]
