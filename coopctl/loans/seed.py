"""Default loan products created by ``coopctl init``: one per interest method."""

from __future__ import annotations

from decimal import Decimal

from coopctl.core.db import UnitOfWork
from coopctl.loans.products import LoanOptions, create_product, find_product

DEFAULTS: tuple[tuple[str, str, str, str], ...] = (
    (
        "LN-DEI",
        "Member loan (declining balance, equal installments)",
        "declining_equal_installment",
        "24",
    ),
    (
        "LN-DEP",
        "Member loan (declining balance, equal principal)",
        "declining_equal_principal",
        "24",
    ),
    ("LN-FLAT", "Member loan (flat rate)", "flat", "18"),
)


def seed(uow: UnitOfWork) -> str:
    """Create the default loan products that do not exist yet; return a summary line."""
    made = []
    for code, name, method, rate in DEFAULTS:
        if find_product(uow, code) is None:
            create_product(
                uow,
                code,
                name,
                Decimal(rate),
                LoanOptions(method=method, frequency="monthly", min_term=1, max_term=36),
            )
            made.append(code)
    return f"loan products: {', '.join(made) if made else 'none new'}"
