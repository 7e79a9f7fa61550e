"""Concurrent writers on one member account serialise: two processes (spawned, each
with its own engine) hammer the same account and can never take it below its floor.
PostgreSQL: row locks (``SELECT … FOR UPDATE``); SQLite: ``BEGIN IMMEDIATE`` + busy
timeout. Two checkers approving the same pending entries at once post each exactly once.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from decimal import Decimal
from typing import Any

from tests.conftest import Coop
from tests.integration.ledger_support import (
    D,
    account_balance,
    assert_verified,
    make_account,
    post_service,
)

N_EACH = 200
AMOUNT = "300.00"


def _context(url: str, today: str) -> Any:
    os.environ["COOPCTL_TODAY"] = today
    from coopctl.core import config
    from coopctl.core.context import AppContext

    return AppContext(settings=config.load(None, db_url=url))


def _uow(ctx: Any, operator: str) -> Any:
    from coopctl.core.security import load_operator

    u = ctx.uow(as_current=False)
    u.__enter__()
    u.operator = load_operator(u.session, operator)
    return u


def withdraw_worker(url: str, today: str, account_no: str, n: int, barrier: Any, out: Any) -> None:
    """``n`` teller withdrawals of ₦300 (Dr 2110 account / Cr 1110), one commit each."""
    from coopctl.core.errors import InsufficientFundsError
    from coopctl.ledger.posting import post
    from coopctl.ledger.rules import EntryDraft, LineDraft

    ctx = _context(url, today)
    amt = Decimal(AMOUNT)
    ok = refused = 0
    barrier.wait()
    for _ in range(n):
        u = _uow(ctx, "teller1")
        try:
            draft = EntryDraft(
                business_date=ctx_today(today),
                kind="withdrawal",
                lines=[
                    LineDraft("2110", debit=amt, account_no=account_no),
                    LineDraft("1110", credit=amt),
                ],
            )
            post(u, draft)
            u.commit()
            ok += 1
        except InsufficientFundsError:
            refused += 1
        finally:
            u.__exit__(None, None, None)
    out.put((ok, refused))


def approve_worker(
    url: str, today: str, operator: str, entries: list[str], barrier: Any, out: Any
) -> None:
    """Try to approve every entry of ``entries``; count wins and 'not pending' refusals."""
    from coopctl.core.errors import InvalidStateError
    from coopctl.ledger.approvals import approve

    ctx = _context(url, today)
    won = lost = 0
    barrier.wait()
    for no in entries:
        u = _uow(ctx, operator)
        try:
            approve(u, no)
            u.commit()
            won += 1
        except InvalidStateError:
            lost += 1
        finally:
            u.__exit__(None, None, None)
    out.put((won, lost))


def ctx_today(today: str) -> Any:
    from datetime import date

    return date.fromisoformat(today)


def _run_two(target: Any, args_a: tuple[Any, ...], args_b: tuple[Any, ...]) -> list[Any]:
    """Start both workers together (barrier); fail fast if either dies."""
    import queue

    spawn = mp.get_context("spawn")
    barrier, out = spawn.Barrier(2, timeout=120), spawn.Queue()
    procs = [spawn.Process(target=target, args=(*a, barrier, out)) for a in (args_a, args_b)]
    for p in procs:
        p.start()
    results: list[Any] = []
    try:
        while len(results) < len(procs):
            try:
                results.append(out.get(timeout=1))
            except queue.Empty:
                dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
                assert not dead, f"a worker died (exit codes {dead}); see its stderr"
        for p in procs:
            p.join(timeout=60)
            assert p.exitcode == 0
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
    return results


def test_two_processes_cannot_overdraw_one_account(coop: Coop) -> None:
    """SV-RACE holds ₦100,000 with a ₦1,000 minimum balance: ₦99,000 is available, so
    of 400 concurrent ₦300 withdrawals exactly 330 succeed and 70 are refused; the
    account ends at its floor and equals the sum of its lines."""
    make_account(coop, "SV-RACE", floor=D("1000.00"))
    post_service(coop, [("1110", "DR", "100000"), ("2110", "CR", "100000", "SV-RACE")])
    res = _run_two(
        withdraw_worker,
        (coop.url, coop.today, "SV-RACE", N_EACH),
        (coop.url, coop.today, "SV-RACE", N_EACH),
    )
    ok = sum(r[0] for r in res)
    refused = sum(r[1] for r in res)
    assert (ok, refused) == (330, 70), res
    assert account_balance(coop, "SV-RACE") == D("1000.00")
    lines = coop.sql(
        "SELECT SUM(l.credit) - SUM(l.debit) FROM journal_lines l JOIN accounts a "
        "ON a.id = l.account_id WHERE a.account_no = 'SV-RACE'"
    )[0][0]
    assert D(int(lines)) / 100 == D("1000.00")
    n = coop.sql("SELECT COUNT(*) FROM journal_entries WHERE kind = 'withdrawal'")[0][0]
    assert n == 330
    assert_verified(coop)


def test_two_checkers_approving_the_same_entries_post_each_once(coop: Coop) -> None:
    """20 pending ₦1,000 deposits to SV-APP; manager1 and manager2 approve the same list
    at the same time: each entry is approved exactly once, the loser is told it is no
    longer pending, and the account holds ₦20,000."""
    from coopctl.ledger.posting import post
    from coopctl.ledger.rules import EntryDraft, LineDraft

    make_account(coop, "SV-APP")
    entries = []
    for _ in range(20):
        with coop.uow("teller1") as u:
            amt = D("1000.00")
            res = post(
                u,
                EntryDraft(
                    business_date=ctx_today(coop.today),
                    kind="deposit",
                    lines=[
                        LineDraft("1110", debit=amt),
                        LineDraft("2110", credit=amt, account_no="SV-APP"),
                    ],
                ),
                force_pending=True,
            )
            u.commit()
            entries.append(res.entry_no)
    assert account_balance(coop, "SV-APP") == D("0.00")
    res = _run_two(
        approve_worker,
        (coop.url, coop.today, "manager1", entries),
        (coop.url, coop.today, "manager2", entries),
    )
    assert sum(r[0] for r in res) == 20 and sum(r[1] for r in res) == 20, res
    assert account_balance(coop, "SV-APP") == D("20000.00")
    assert_verified(coop)
