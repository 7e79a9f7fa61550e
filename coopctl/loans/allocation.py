"""Repayment allocation strategies: pure functions over installments' unpaid amounts.

The default ``standard`` strategy is Apache Fineract's: installment by
installment, the oldest past-due first, and within each installment penalties →
fees → interest → principal; then the current installment (the first one due on
or after the payment date) the same way. What is left is a *prepayment*, which
:func:`allocate_future_principal` applies to the next installments' principal in
order (the service then re-amortises what remains by the product's prepayment
policy). Nothing is taken beyond what an installment still owes, and the parts
always add up to the amount paid.

Other orders (``STRATEGIES``): the same walk with another component order, or
``horizontal_interest_first`` which first takes the interest of all past-due
installments, then their principal, then penalties, then fees (a component at a
time across installments, as some regulators prefer), and then the current
installment in that order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from coopctl.core.money import ZERO

#: name → (walk, component order). ``vertical``: installment by installment;
#: ``horizontal``: component by component across the past-due installments.
STRATEGIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "standard": ("vertical", ("penalty", "fees", "interest", "principal")),
    "principal_interest_penalties_fees": ("vertical", ("principal", "interest", "penalty", "fees")),
    "interest_principal_penalties_fees": ("vertical", ("interest", "principal", "penalty", "fees")),
    "horizontal_interest_first": ("horizontal", ("interest", "principal", "penalty", "fees")),
}


@dataclass(frozen=True)
class Due:
    """What an installment still owes, per component."""

    no: int
    due_date: date
    principal: Decimal = ZERO
    interest: Decimal = ZERO
    fees: Decimal = ZERO
    penalty: Decimal = ZERO

    def get(self, component: str) -> Decimal:
        return getattr(self, component)  # type: ignore[no-any-return]

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalty


@dataclass(frozen=True)
class Portion:
    """``amount`` of a payment went to ``component`` of installment ``no``."""

    no: int
    component: str
    amount: Decimal


@dataclass
class Allocation:
    portions: list[Portion] = field(default_factory=list)
    left: Decimal = ZERO  # not applied: a prepayment (or an overpayment)

    @property
    def applied(self) -> Decimal:
        return sum((p.amount for p in self.portions), ZERO)


def split(dues: Sequence[Due], as_of: date) -> tuple[list[Due], Due | None, list[Due]]:
    """(past due — due before ``as_of``, oldest first; the current installment — the
    first due on or after ``as_of``; the later ones)."""
    ordered = sorted((d for d in dues if d.total > 0), key=lambda d: (d.due_date, d.no))
    past = [d for d in ordered if d.due_date < as_of]
    rest = [d for d in ordered if d.due_date >= as_of]
    return past, (rest[0] if rest else None), rest[1:]


def _take(
    out: Allocation,
    remaining: Decimal,
    due: Due,
    component: str,
    taken: dict[tuple[int, str], Decimal],
) -> Decimal:
    owed = due.get(component) - taken.get((due.no, component), ZERO)
    amt = min(remaining, owed)
    if amt > 0:
        out.portions.append(Portion(due.no, component, amt))
        taken[(due.no, component)] = taken.get((due.no, component), ZERO) + amt
        remaining -= amt
    return remaining


Parts = tuple[list[Due], Due | None, list[Due]]


def allocate_due(
    dues: Sequence[Due],
    amount: Decimal,
    as_of: date,
    strategy: str = "standard",
    *,
    parts: Parts | None = None,
) -> Allocation:
    """Allocate ``amount`` to the past-due installments and the current one (``parts``:
    ``split(dues, as_of)`` when the caller already has it)."""
    if amount < 0:
        raise ValueError("amount must not be negative")
    try:
        walk, order = STRATEGIES[strategy]
    except KeyError:
        raise ValueError(f"unknown allocation strategy {strategy!r}") from None
    past, current, _ = parts or split(dues, as_of)
    out = Allocation()
    taken: dict[tuple[int, str], Decimal] = {}
    remaining = amount
    if walk == "horizontal":
        for component in order:
            for d in past:
                remaining = _take(out, remaining, d, component, taken)
        tail = [current] if current else []
    else:
        tail = [*past, *([current] if current else [])]
    for d in tail:
        for component in order:
            remaining = _take(out, remaining, d, component, taken)
    out.left = remaining
    return out


def allocate_future_principal(
    dues: Sequence[Due], amount: Decimal, as_of: date, *, parts: Parts | None = None
) -> Allocation:
    """Apply a prepayment to the principal of the installments after the current one,
    the next first; ``left`` is what exceeds all principal (an overpayment)."""
    _, _, future = parts or split(dues, as_of)
    out = Allocation()
    taken: dict[tuple[int, str], Decimal] = {}
    remaining = amount
    for d in future:
        remaining = _take(out, remaining, d, "principal", taken)
    out.left = remaining
    return out


def due_up_to(dues: Sequence[Due], as_of: date) -> Decimal:
    """Everything owed on installments due on or before ``as_of`` (arrears + today's)."""
    return sum((d.total for d in dues if d.due_date <= as_of), ZERO)


def payoff_amount(dues: Sequence[Due], as_of: date) -> Decimal:
    """What closes the loan on ``as_of``: past-due and current installments in full, plus
    the remaining principal of later installments (their interest is not yet earned)."""
    past, current, future = split(dues, as_of)
    total = sum((d.total for d in past), ZERO)
    if current is not None:
        total += current.total
    return total + sum((d.principal for d in future), ZERO)
