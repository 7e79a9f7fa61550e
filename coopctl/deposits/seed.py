"""Default deposit products created by ``coopctl init``."""

from __future__ import annotations

from decimal import Decimal

from coopctl.core.db import UnitOfWork
from coopctl.deposits.products import DepositOptions, add_product

DEFAULTS: list[tuple[str, str, str, str, DepositOptions]] = [
    (
        "SAV",
        "savings",
        "Ordinary savings",
        "4",
        DepositOptions(
            interest_method="daily_balance",
            days_in_year=365,
            posting_frequency="monthly",
            min_interest_balance=Decimal("1000.00"),
        ),
    ),
    (
        "SHR",
        "shares",
        "Members' shares",
        "0",
        DepositOptions(
            posting_frequency="annually", price_per_share=Decimal("1000.00"), min_shares=10
        ),
    ),
    (
        "FD90",
        "fixed_deposit",
        "Fixed deposit, 90 days",
        "10",
        DepositOptions(
            posting_frequency="annually",
            min_opening_balance=Decimal("50000.00"),
            term_days=90,
            early_withdrawal_penalty=Decimal("2"),
        ),
    ),
]


def seed(uow: UnitOfWork) -> str:
    """Create SAV (ordinary savings), SHR (shares) and FD90 (90-day fixed deposit)."""
    for code, kind, name, rate, opts in DEFAULTS:
        add_product(uow, code, kind, name, Decimal(rate), opts, check_loans=False)
    return "deposit products: " + ", ".join(d[0] for d in DEFAULTS)
