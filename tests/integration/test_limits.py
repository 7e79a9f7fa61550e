"""Amount and field-length limits (issue 9 items 3 and 4), on SQLite and PostgreSQL.

Amounts above ``[money] max_amount`` and text longer than its documented limit are
refused with exit 2 naming the field, before anything is written; the books stay
exact at the largest amounts the limits allow.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import click
import pytest

from tests.conftest import Coop
from tests.integration.deposits_support import add_member, open_account

MAX = "100,000,000,000.00"


def _entries(coop: Coop) -> int:
    return int(coop.sql("SELECT COUNT(*) FROM journal_entries")[0][0])


@pytest.mark.parametrize("amount", ["100000000000000000000", "50000000000000000", "5e16"])
def test_huge_amounts_exit_2_and_write_nothing(coop: Coop, amount: str) -> None:
    acct = open_account(coop, add_member(coop))
    before = _entries(coop)
    r = coop.cli("postings", "deposit", acct, amount, operator="teller1")
    assert r.exit_code == 2, r.stderr
    assert "AMOUNT" in r.stderr
    r = coop.cli("postings", "journal", "--line", f"5500:DR:{amount}", "--line",
                 f"1110:CR:{amount}", operator="accountant1")  # fmt: skip
    assert r.exit_code == 2, r.stderr
    assert _entries(coop) == before


def test_max_amount_is_configurable(coop: Coop) -> None:
    acct = open_account(coop, add_member(coop))
    r = coop.cli("postings", "deposit", acct, "5000.01", operator="teller1",
                 COOPCTL_MONEY__MAX_AMOUNT="5000")  # fmt: skip
    assert r.exit_code == 2 and "5,000.00" in r.stderr and "max_amount" in r.stderr
    coop.ok("postings", "deposit", acct, "5000", operator="teller1",
            COOPCTL_MONEY__MAX_AMOUNT="5000")  # fmt: skip


def test_every_report_is_exact_near_the_limit(coop: Coop) -> None:
    """Ten deposits at the largest amount, one kobo less each time: every aggregate
    (trial balance, verify, balance sheet, statements, GL) adds up to the kobo."""
    acct = open_account(coop, add_member(coop))
    top = Decimal("100000000000.00")
    amounts = [top - Decimal("0.01") * i for i in range(10)]
    for a in amounts:
        coop.ok("postings", "deposit", acct, str(a), operator="teller1")
    total = sum(amounts, Decimal(0))
    tb = {r["gl_code"]: r for r in coop.ok("ledger", "trial-balance")["rows"]}
    assert Decimal(tb["1110"]["debit"]) == total and Decimal(tb["2110"]["credit"]) == total
    assert coop.ok("ledger", "verify")["ok"] is True
    assert Decimal(coop.ok("accounts", "show", acct, operator="auditor1")["balance"]) == total
    for report in ("trial-balance", "balance-sheet", "income-statement", "general-ledger",
                   "cash-flow", "kpis"):  # fmt: skip
        r = coop.cli("reports", report, "--format", "json", operator="accountant1")
        assert r.exit_code == 0, (report, r.stderr)
    assert "999,999,999,999.55" in coop.cli("reports", "balance-sheet").ok().stdout
    coop.cli("ledger", "accounts").ok()
    coop.cli("accounts", "statement", acct, operator="auditor1").ok()


def test_a_1000_character_ref_exits_2_on_both_databases(coop: Coop) -> None:
    acct = open_account(coop, add_member(coop))
    before = _entries(coop)
    r = coop.cli("postings", "deposit", acct, "10", "--ref", "R" * 1000, operator="teller1")
    assert r.exit_code == 2
    assert "--ref: 1000 characters; the limit is 100" in r.stderr
    assert _entries(coop) == before
    coop.ok("postings", "deposit", acct, "10", "--ref", "R" * 100, operator="teller1")


def test_services_cannot_store_overlong_text(coop: Coop) -> None:
    """Below the command line, the flush-time check names the field (same on both)."""
    from coopctl.core.errors import ValidationError
    from coopctl.core.models import Operator

    with coop.uow("admin") as u:
        op = u.session.query(Operator).filter_by(username="teller1").one()
        op.full_name = "x" * 201
        with pytest.raises(ValidationError, match=r"--name: 201 characters; the limit is 200"):
            u.session.flush()


# --- every text option of every command, at the limit and one past it ---------------------
SAMPLE_ARGS = {
    "account_no": "A0000000013",
    "member_no": "M00000013",
    "loan_no": "L00000019",
    "entry_no": "JE00000001",
    "amount": "10",
    "code": "X1",
    "user": "zed",
    "month": "2026-11",
    "year": "2026",
    "request_id": "X00000013",
    "doc_id": "1",
    "from_account": "A0000000013",
    "to_account": "A0000000021",
    "name": "N",
    "line_id": "1",
}


def _text_cases() -> list[tuple[list[str], str, int, list[str]]]:
    """(command path, option or ARGUMENT, limit, the other required arguments)."""
    from coopctl.cli.common import text_params
    from coopctl.cli.main import COMMANDS, cli

    ctx = click.Context(cli)
    cases: list[tuple[list[str], str, int, list[str]]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        if isinstance(cmd, click.Group):
            for name, sub in sorted(cmd.commands.items()):
                walk(sub, [*path, name])
            return
        for param, label, limit in text_params(cmd):
            cases.append((path, label, limit, _required(cmd, exclude=param)))

    for name in sorted(COMMANDS):
        cmd = cli.get_command(ctx, name)
        if cmd is not None:
            walk(cmd, [name])
    return cases


SAMPLE_OPTIONS = {
    "--product": "SAV",
    "--year": "2026",
    "--type": "expense",
    "--reason": "r",
    "--amount": "10",
    "--term": "12",
    "--kind": "id_card",
    "--output": "out.bin",
    "--role": "teller",
    "--ref": "R1",
    "--bank": "GTB",
    "--total": "10",
    "--line": "5500:DR:1",
    "--name": "N",
    "--rate": "5",
}


def _required(cmd: click.Command, *, exclude: click.Parameter) -> list[str]:
    """Sample values for the other required arguments, then the other required options."""
    args: list[str] = []
    opts: list[str] = []
    for p in cmd.params:
        if p is exclude:
            continue
        if isinstance(p, click.Argument):
            choice = p.type.choices[0] if isinstance(p.type, click.Choice) else "1"
            args.append(SAMPLE_ARGS.get(p.name or "", str(choice)))
        elif p.required:
            opt = max(p.opts, key=len)
            kind = p.type.choices[0] if isinstance(p.type, click.Choice) else None
            opts += [opt, SAMPLE_OPTIONS.get(opt, str(kind) if kind else "1")]
    return [*args, *opts]


def _argv(path: list[str], label: str, value: str, required: list[str], cmd: Any) -> list[str]:
    if label.startswith("-"):
        return [*path, *required, label, value]
    # positional: put the value where the argument sits
    out, it = [*path], iter(required)
    for p in cmd.params:
        if isinstance(p, click.Argument):
            out.append(value if (p.name or "").upper() == label else next(it))
    return [*out, *it]


def _command(path: list[str]) -> Any:
    from coopctl.cli.main import cli

    ctx = click.Context(cli)
    cmd: Any = cli
    for part in path:
        cmd = cmd.get_command(ctx, part)
    return cmd


def test_text_option_table_covers_every_command() -> None:
    cases = _text_cases()
    labels = {c[1] for c in cases}
    assert {"--ref", "--narration", "--reason", "--name", "--first-name"} <= labels
    assert len(cases) > 40


SKIP = {("demo",), ("init",)}  # they build or refuse whole cooperatives: covered below


def test_every_text_option_at_the_limit_and_one_past(coop: Coop) -> None:
    m = add_member(coop)
    open_account(coop, m)
    failures = []
    for path, label, limit, required in _text_cases():
        if tuple(path) in SKIP:
            continue
        cmd = _command(path)
        past = coop.cli(*_argv(path, label, "a" * (limit + 1), required, cmd), operator="admin")
        expected = f"{label}: {limit + 1} characters; the limit is {limit}"
        if past.exit_code != 2 or expected not in past.stderr:
            failures.append(("past", path, label, past.exit_code, past.stderr[:200]))
        at = coop.cli(*_argv(path, label, "a" * limit, required, cmd), operator="admin")
        if at.exit_code == 1 or "the limit is" in at.stderr:
            failures.append(("at", path, label, at.exit_code, at.stderr[:200]))
    assert not failures, "\n".join(map(str, failures))


def test_init_name_limit(empty_db: Coop) -> None:
    r = empty_db.cli("init", "--name", "n" * 201, "--admin", "admin")
    assert r.exit_code == 2 and "--name: 201 characters; the limit is 200" in r.stderr
    empty_db.cli("init", "--name", "n" * 200, "--admin", "admin").ok()
