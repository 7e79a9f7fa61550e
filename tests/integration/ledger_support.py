"""Helpers shared by the ledger tests (not collected: no ``test_`` prefix)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from tests.conftest import Coop

D = Decimal
LEDGER_TABLES = ("journal_entries", "journal_lines", "audit_log")


def count(coop: Coop, table: str) -> int:
    return int(coop.sql(f"SELECT COUNT(*) FROM {table}")[0][0])


def counts(coop: Coop) -> dict[str, int]:
    """Rows in the journal and the audit log: a refused command changes none of them."""
    return {t: count(coop, t) for t in LEDGER_TABLES}


def tb(coop: Coop, **opts: str) -> dict[str, tuple[Decimal, Decimal]]:
    """The trial balance as {gl_code: (debit, credit)}; asserts it balances."""
    args = ["ledger", "trial-balance"]
    for k, v in opts.items():
        args += [f"--{k.replace('_', '-')}", v]
    data = coop.ok(*args)
    assert data["total_debit"] == data["total_credit"], data
    return {r["gl_code"]: (D(r["debit"]), D(r["credit"])) for r in data["rows"]}


def balances(coop: Coop) -> dict[str, Decimal]:
    """Every GL account's balance in its normal direction (headers roll up)."""
    return {r["code"]: D(r["balance"]) for r in coop.ok("ledger", "accounts")}


def journal(coop: Coop, *lines: str, operator: str = "accountant1", **opts: str) -> Any:
    """``postings journal --line … [--date …]`` → the CLI Result."""
    args: list[str] = ["postings", "journal"]
    for ln in lines:
        args += ["--line", ln]
    for k, v in opts.items():
        args += [f"--{k.replace('_', '-')}", v]
    return coop.cli(*args, "--format", "json", operator=operator)


def posted(coop: Coop, *lines: str, operator: str = "accountant1", **opts: str) -> dict[str, Any]:
    r = journal(coop, *lines, operator=operator, **opts)
    assert r.exit_code == 0, r.stderr
    return dict(r.json)


def assert_verified(coop: Coop) -> None:
    r = coop.cli("ledger", "verify", "--format", "json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert r.json == {"ok": True, "problems": []}


def make_account(
    coop: Coop,
    account_no: str,
    *,
    gl: str = "2110",
    floor: Decimal = D("0.00"),
    held: Decimal = D("0.00"),
    status: str = "active",
) -> int:
    """A member sub-ledger account straight through the ORM (the deposits context is not
    needed to test the ledger). Kind ``ledger_test`` keeps other contexts' checks away."""
    from sqlalchemy import select

    from coopctl.core import clock
    from coopctl.ledger.models import Account, GLAccount

    with coop.uow("admin") as u:
        gl_id = u.session.scalars(select(GLAccount.id).where(GLAccount.code == gl)).one()
        a = Account(
            account_no=account_no,
            member_id=None,
            kind="ledger_test",
            product_code="TEST",
            gl_account_id=gl_id,
            status=status,
            balance=D("0.00"),
            held=held,
            floor=floor,
            opened_on=date(2026, 1, 1),
            closed_on=date(2026, 6, 30) if status == "closed" else None,
            created_at=clock.utcnow(),
        )
        u.session.add(a)
        u.session.flush()
        aid = int(a.id)
        u.commit()
    return aid


def post_service(
    coop: Coop,
    lines: list[tuple[str, str, str] | tuple[str, str, str, str]],
    *,
    operator: str = "teller1",
    day: date = date(2026, 11, 28),
    kind: str = "deposit",
    key: str | None = None,
) -> str:
    """Post through the engine (what a teller command does): lines are
    (gl, "DR"|"CR", amount[, account_no]). Returns the entry number."""
    from coopctl.ledger.posting import post
    from coopctl.ledger.rules import EntryDraft, LineDraft

    drafts = []
    for spec in lines:
        gl, side, amt = spec[0], spec[1], D(spec[2])
        acct = spec[3] if len(spec) == 4 else None  # type: ignore[misc]
        if side == "DR":
            drafts.append(LineDraft(gl, debit=amt, account_no=acct))
        else:
            drafts.append(LineDraft(gl, credit=amt, account_no=acct))
    with coop.uow(operator) as u:
        res = post(u, EntryDraft(business_date=day, kind=kind, lines=drafts, idempotency_key=key))
        u.commit()
        return res.entry_no


def account_balance(coop: Coop, account_no: str) -> Decimal:
    rows = coop.sql("SELECT balance FROM accounts WHERE account_no = :n", n=account_no)
    return D(int(rows[0][0])) / 100
