"""Concurrent withdrawals from one account never overdraw it: two workers, each with
its own units of work, race 50 withdrawals of 150.00 each against 10,000.00."""

from __future__ import annotations

import threading
from decimal import Decimal

from coopctl.core.errors import InsufficientFundsError
from coopctl.core.security import load_operator
from coopctl.deposits import teller
from tests.conftest import Coop
from tests.integration.deposits_support import add_member, balance, deposit, open_account, verify

D = Decimal


def test_two_tellers_cannot_overdraw_one_account(coop: Coop) -> None:
    m = add_member(coop)
    acct = open_account(coop, m)
    deposit(coop, acct, "10,000")
    ctx = coop.context()
    outcomes: dict[str, list[str]] = {"teller1": [], "teller2": []}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker(name: str) -> None:
        try:
            start.wait()
            for _ in range(50):
                u = ctx.uow(as_current=False)
                with u:
                    u.operator = load_operator(u.session, name)
                    try:
                        teller.withdraw(u, acct, D("150.00"))
                        u.commit()
                        outcomes[name].append("ok")
                    except InsufficientFundsError:
                        outcomes[name].append("refused")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in outcomes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    posted = sum(o.count("ok") for o in outcomes.values())
    refused = sum(o.count("refused") for o in outcomes.values())
    # 10,000 / 150 = 66 withdrawals fit (9,900.00); the other 34 are refused.
    assert (posted, refused) == (66, 34)
    assert balance(coop, acct) == D("100.00")
    lines = coop.sql(
        "SELECT COUNT(*) FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id "
        "JOIN accounts a ON a.id = l.account_id WHERE a.account_no = :a AND e.kind = 'withdrawal'",
        a=acct,
    )
    assert lines[0][0] == 66
    verify(coop)  # the stored balance equals the sum of the lines
