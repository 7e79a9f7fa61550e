"""``payments report``: received, applied, in suspense, settled, fees and what is left
in gateway clearing over a period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, func, select, type_coerce

from coopctl.core.db import UnitOfWork
from coopctl.core.money import from_minor
from coopctl.core.security import require
from coopctl.core.sums import exact_sum
from coopctl.ledger.coa import GL
from coopctl.payments.models import Payment
from coopctl.payments.service import CURRENCY, REVIEW


def report(uow: UnitOfWork, start: date, end: date) -> dict[str, Any]:
    """Received, applied, in suspense, settled, fees and what is left in clearing."""
    from coopctl.ledger.models import GLAccount, JournalEntry, JournalLine
    from coopctl.payments.models import Settlement

    require(uow.operator, "payments.manage")
    s = uow.session
    rows = s.scalars(
        select(Payment).where(
            Payment.paid_on >= start, Payment.paid_on <= end, Payment.status != "requested"
        )
    ).all()

    def total(items: list[Payment]) -> Decimal:
        return sum((p.amount for p in items if p.currency == CURRENCY), Decimal("0.00"))

    sets = s.scalars(
        select(Settlement).where(
            Settlement.settled_on >= start,
            Settlement.settled_on <= end,
            Settlement.status == "settled",
        )
    ).all()
    gl = s.scalar(select(GLAccount.id).where(GLAccount.code == GL.GATEWAY_CLEARING))
    clearing = s.scalar(
        select(
            func.coalesce(
                exact_sum(
                    type_coerce(JournalLine.debit, BigInteger)
                    - type_coerce(JournalLine.credit, BigInteger)
                ),
                0,
            )
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalLine.gl_account_id == gl,
            JournalEntry.status == "posted",
            JournalEntry.business_date <= end,
        )
    )
    return {
        "from": start,
        "to": end,
        "received": total(list(rows)),
        "received_count": len(rows),
        "applied": total([p for p in rows if p.status == "applied"]),
        "in_suspense": total([p for p in rows if p.status in REVIEW]),
        "refunded": sum((p.refunded for p in rows), Decimal("0.00")),
        "settled": sum((x.gross for x in sets), Decimal("0.00")),
        "fees": sum((x.fee for x in sets), Decimal("0.00")),
        "outstanding_in_clearing": from_minor(int(clearing or 0)),
    }
