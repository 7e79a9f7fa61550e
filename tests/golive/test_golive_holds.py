"""Go-live restores each guarantee as a hold written in bulk: the amounts, accounts and
links are what the loans context's own rule gives (``guarantors.target_hold`` on the
loan and guarantee as the ORM reads them back), and ``held`` adds up, on random loans."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from tests.conftest import Coop
from tests.golive.test_golive_worked import GOLIVE, LOAN_HEADER, MEMBERS, write_csv

D = Decimal


def test_bulk_holds_equal_the_loans_rule_on_random_loans(coop: Coop, tmp_path: Path) -> None:
    from coopctl.core.models import AuditLog
    from coopctl.ledger.models import Account, Hold
    from coopctl.loans.guarantors import HOLD_REASON, target_hold
    from coopctl.loans.models import Loan, LoanGuarantor

    rng = random.Random(28)
    n = 12
    members = [MEMBERS[0]] + [
        (f"OLD-{i:03d}", "Ada", "Bello", f"0803{i:07d}", "", "", "", "", "2019-03-01")
        for i in range(1, n + 1)
    ]
    accounts = [("member", "product", "opening_balance", "opened_on", "placed_on",
                 "maturity_date", "rate")]  # fmt: skip
    for i in range(1, n + 1):
        accounts.append((f"OLD-{i:03d}", "SAV", f"{rng.randint(200, 900) * 1000}.00",
                         "2019-03-01", "", "", ""))  # fmt: skip
        if i % 3 == 0:  # a fixed deposit too: holds go on the savings account only
            accounts.append((f"OLD-{i:03d}", "FD90", "50000.00", "2026-10-01", "2026-10-01",
                             "2026-12-30", "10"))  # fmt: skip
    loans = [LOAN_HEADER]
    for i in range(1, 7):
        principal = rng.randint(10, 60) * 10_000
        outstanding = round(principal * rng.uniform(0.05, 1.0), -2)
        others = rng.sample([k for k in range(1, n + 1) if k != i], rng.randint(1, 2))
        guarantors = ";".join(f"OLD-{k:03d}:{rng.randint(1, 30) * 3333}" for k in others)
        loans.append((f"OLD-{i:03d}", "LN-DEI", str(principal), "24", "12", "2026-03-19", "2",
                      f"{outstanding:.2f}", "0", "0", "0", "", guarantors))  # fmt: skip
    for kind, rows in (("members", members), ("accounts", accounts), ("loans", loans)):
        r = coop.cli("golive", "import", kind, write_csv(tmp_path / f"{kind}.csv", rows),
                     "--as-of", GOLIVE)  # fmt: skip
        assert r.exit_code == 0, r.stderr
    with coop.uow("auditor1") as u:
        s = u.session
        guarantees = s.scalars(select(LoanGuarantor).order_by(LoanGuarantor.id)).all()
        assert len(guarantees) >= 6
        expected_held: dict[int, Decimal] = {}
        for g in guarantees:
            loan = s.get(Loan, g.loan_id)
            assert loan is not None and g.status == "accepted"
            target = target_hold(g, loan)
            oldest = s.scalars(
                select(Account).where(Account.member_id == g.member_id, Account.kind == "savings")
                .order_by(Account.id)
            ).first()  # fmt: skip
            assert oldest is not None and target > 0
            hold = s.get(Hold, g.hold_id)
            assert hold is not None and g.account_id == oldest.id == hold.account_id
            assert (hold.amount, hold.reason, hold.reference, hold.status) == (
                target,
                HOLD_REASON,
                loan.loan_no,
                "active",
            )
            expected_held[oldest.id] = expected_held.get(oldest.id, D(0)) + target
        for acct in s.scalars(select(Account).where(Account.kind == "savings")):
            assert acct.held == expected_held.get(acct.id, D(0)), acct.account_no
        audit = s.scalars(select(AuditLog.after).where(AuditLog.action == "hold.place_many")).all()
        assert len(audit) == 1 and f'"holds": {len(guarantees)}' in audit[0]
    verify = coop.cli("ledger", "verify", "--format", "json", operator="auditor1")
    assert verify.exit_code == 0, verify.stdout + verify.stderr
