"""The check-off import checks credits on plain rows (``guards.check_credit_to`` on what
``workflows.checkoff_plan.resolve`` reads); every account and member state, amount and
activity flag must give exactly what ``guards.check_credit`` gives on the ORM objects:
the same refusal (class and message) or none. Where ``guards.needs_activity`` says the
activity cannot matter (the import then does not read it), both flags give the same."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core.errors import CoopError
from coopctl.deposits import guards
from coopctl.ledger.models import Account
from coopctl.members.models import Member
from coopctl.workflows import checkoff_plan as workflow
from tests.conftest import Coop
from tests.integration.deposits_support import add_member, deposit, open_account

D = Decimal
PRODUCTS = ("SAV", "SHR", "FD90")


def _outcome(check: Callable[..., Any], *args: Any, **kw: Any) -> tuple[str, str] | None:
    try:
        check(*args, **kw)
    except CoopError as exc:
        return type(exc).__name__, exc.message
    return None


def test_plain_rows_refuse_exactly_what_check_credit_refuses(coop: Coop) -> None:
    rng = random.Random(20261202)
    numbers = [add_member(coop, "Row", "Case" + "abcdef"[i], kyc=i % 3 != 1) for i in range(6)]
    coop.sql("UPDATE deposit_products SET min_opening_balance = 1000 WHERE code = 'SAV'")
    accounts = [open_account(coop, m, p) for m in numbers for p in PRODUCTS]
    deposit(coop, accounts[0], "2500")  # member 0's savings: active before
    coop.sql("UPDATE members SET status = 'exited' WHERE member_no = :n", n=numbers[2])
    coop.sql("UPDATE accounts SET status = 'dormant' WHERE account_no = :a", a=accounts[3])
    coop.sql("UPDATE accounts SET status = 'pending' WHERE account_no = :a", a=accounts[4])
    amounts = [D("0.01"), D("999.99"), D("1000.00"), D("5000.00")]
    compared = refused = unused = 0
    kinds: set[str] = set()
    with coop.uow() as uow:
        orm = {
            (a.member_id, a.product_code): a
            for a in uow.session.scalars(select(Account).where(Account.member_id.is_not(None)))
        }
        members, rows = workflow.resolve(uow, sorted(numbers), PRODUCTS)
        used = guards.active_accounts(uow, sorted(t.id for t in rows.values()))
        assert used == {a.id for a in orm.values() if guards.has_activity(uow, a)}
        assert len(used) == 1  # member 0's savings
        assert {(m, p) for m, p in rows} == {k for k in orm if k[1] in PRODUCTS}
        assert rows, "no account read"
        for block in (False, True):
            uow.settings["members"]["block_deposits_before_kyc"] = block
            for row in members.values():
                member = uow.session.get(Member, row.id)
                assert member is not None
                assert (member.member_no, member.status, member.kyc_status) == row[1:]
                for product in PRODUCTS:
                    acct, target = orm[(row.id, product)], rows[(row.id, product)]
                    assert target.gl_code == acct.gl_account.code
                    assert (target.account_no, target.kind, target.status) == (
                        acct.account_no,
                        acct.kind,
                        acct.status,
                    )
                    for active in (None, True, False):
                        amount = rng.choice(amounts)
                        flag: bool | Callable[[], bool] = (
                            (lambda a=acct: guards.has_activity(uow, a))
                            if active is None
                            else active
                        )
                        want = _outcome(
                            guards.check_credit, uow, acct, member, amount, active_before=active
                        )
                        got = _outcome(
                            guards.check_credit_to, uow, target, row, amount, active_before=flag
                        )
                        assert got == want, (row, product, amount, active, block)
                        if not guards.needs_activity(target, amount):
                            unused += 1
                            either = [
                                _outcome(guards.check_credit_to, uow, target, row, amount,
                                         active_before=flag)
                                for flag in (True, False)
                            ]  # fmt: skip
                            assert either[0] == either[1] == want, (row, product, amount)
                        compared += 1
                        refused += want is not None
                        kinds.update([want[0]] if want else [])
    assert compared == 2 * 6 * 3 * 3
    assert 0 < unused < compared
    assert 0 < refused < compared  # both outcomes exercised
    assert kinds == {  # every refusal exercised
        "MemberExitedError",
        "AccountNotActiveError",
        "KycRequiredError",
        "FixedDepositRuleError",
        "MinimumOpeningBalanceError",
    }
