"""The arithmetic of a dividend run: pure, Decimal only, no database.

A run shares part of a fiscal year's surplus:

1. the **statutory reserve** first: ``reserve_percent`` of the surplus;
2. a **dividend** on share capital: ``dividend_rate`` percent a year of each
   member's share base. With ``monthly`` weighting the base is the average of
   the twelve month-end share balances (a naira held from March earns 10/12 of
   the rate); with ``none`` it is the year-end balance;
3. an **interest rebate**: ``rebate_rate`` percent of the loan interest each
   member paid in the year.

Each total is computed once from the whole (``rate × Σ bases``, rounded once)
and split among the members by :func:`coopctl.core.money.allocate` (largest
remainder on kobo), so the members' parts sum exactly to the declared total.
Withholding tax is ``wht_percent`` of each member's dividend, rounded per
member (the tax is the member's own); the rebate is a refund of interest, not
income from shares, and bears none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from coopctl.core.money import ZERO, allocate, round_money

HUNDRED = Decimal(100)
WEIGHTINGS = ("monthly", "none")


@dataclass(frozen=True)
class MemberBasis:
    """What one member brings to the run: the share base and the interest paid.

    ``share_base`` is the sum of the month-end share balances (monthly weighting)
    or the year-end balance (none), in naira; ``months`` divides it (12 or 1)."""

    member_no: str
    share_base: Decimal
    interest_paid: Decimal


@dataclass(frozen=True)
class MemberShare:
    member_no: str
    dividend: Decimal
    rebate: Decimal
    wht: Decimal

    @property
    def gross(self) -> Decimal:
        return self.dividend + self.rebate

    @property
    def net(self) -> Decimal:
        return self.dividend + self.rebate - self.wht


@dataclass(frozen=True)
class Declaration:
    surplus: Decimal
    reserve: Decimal
    total_dividend: Decimal
    total_rebate: Decimal
    total_wht: Decimal
    members: list[MemberShare]
    bases: list[MemberBasis]

    @property
    def appropriated(self) -> Decimal:
        return self.reserve + self.total_dividend + self.total_rebate


def divisor(weighting: str) -> int:
    """Months the share base is divided by: 12 for month-end averaging, 1 for none."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"unknown weighting {weighting!r}")
    return 12 if weighting == "monthly" else 1


def month_end_balances(
    opening: Decimal, movements: Sequence[tuple[int, Decimal]], months: int = 12
) -> list[Decimal]:
    """The balance at the end of each of ``months`` fiscal months, from the balance
    before the year and ``(month index 0..months-1, net movement)`` pairs."""
    per_month = [ZERO] * months
    for idx, amount in movements:
        if not 0 <= idx < months:
            raise ValueError(f"month index {idx} outside the year")
        per_month[idx] += amount
    out: list[Decimal] = []
    running = opening
    for delta in per_month:
        running += delta
        out.append(running)
    return out


def share_base(month_ends: Sequence[Decimal], weighting: str) -> Decimal:
    """Sum of the month-end balances (``monthly``) or the last one (``none``);
    negative balances count as zero."""
    if weighting == "monthly":
        return sum((max(b, ZERO) for b in month_ends), ZERO)
    divisor(weighting)
    return max(month_ends[-1], ZERO) if month_ends else ZERO


def declare(
    bases: Sequence[MemberBasis],
    *,
    surplus: Decimal,
    dividend_rate: Decimal,
    rebate_rate: Decimal,
    reserve_percent: Decimal,
    wht_percent: Decimal,
    weighting: str,
) -> Declaration:
    """Split a year's surplus; every member's part and every total exact to the kobo.

    The caller refuses when :attr:`Declaration.appropriated` exceeds ``surplus``."""
    months = Decimal(divisor(weighting))
    reserve = round_money(max(surplus, ZERO) * reserve_percent / HUNDRED)
    sum_base = sum((b.share_base for b in bases), ZERO)
    sum_interest = sum((b.interest_paid for b in bases), ZERO)
    total_dividend = round_money(sum_base * dividend_rate / HUNDRED / months)
    total_rebate = round_money(sum_interest * rebate_rate / HUNDRED)
    dividends = _split(total_dividend, [b.share_base for b in bases])
    rebates = _split(total_rebate, [b.interest_paid for b in bases])
    shares = [
        MemberShare(b.member_no, d, r, round_money(d * wht_percent / HUNDRED))
        for b, d, r in zip(bases, dividends, rebates, strict=True)
    ]
    return Declaration(
        surplus=surplus,
        reserve=reserve,
        total_dividend=total_dividend,
        total_rebate=total_rebate,
        total_wht=sum((s.wht for s in shares), ZERO),
        members=shares,
        bases=list(bases),
    )


def _split(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    if not weights:
        return []
    if total == 0 or sum(weights, ZERO) == 0:
        return [ZERO] * len(weights)
    return allocate(total, weights)
