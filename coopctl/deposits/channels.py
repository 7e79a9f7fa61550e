"""The channel money comes in or goes out through: cash on hand or a bank account's GL."""

from __future__ import annotations

from coopctl.core.db import UnitOfWork
from coopctl.ledger.coa import GL


def channel_gl(uow: UnitOfWork, bank_code: str | None) -> str:
    """The GL code money moves through: cash on hand, or the named bank account's GL."""
    if not bank_code:
        return GL.CASH
    from coopctl.recon.banks import get_bank

    return get_bank(uow, bank_code).gl_account.code
