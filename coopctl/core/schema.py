"""Imports every context's models so ``Base.metadata`` knows all tables.

Alembic's env.py and the schema-agreement test use this; application code
imports only the models it needs.
"""

from __future__ import annotations

from coopctl.core.db import Base
from coopctl.core.plugins import optional_import

MODEL_MODULES = (
    "coopctl.core.models",
    "coopctl.core.sequences",
    "coopctl.members.models",
    "coopctl.ledger.models",
    "coopctl.deposits.models",
    "coopctl.recon.models",
    "coopctl.loans.models",
    "coopctl.budgets.models",
    "coopctl.jobs.models",
    "coopctl.approvals.models",
    "coopctl.notify.models",
    "coopctl.backup.models",
    "coopctl.payments.models",
    "coopctl.golive.models",
    "coopctl.docs.models",
    "coopctl.standing_orders.models",
    "coopctl.dividends.models",
)


def load_all() -> type[Base]:
    for name in MODEL_MODULES:
        optional_import(name)
    return Base
