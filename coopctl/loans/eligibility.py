"""Eligibility rules for a loan application: pure functions over plain facts.

:func:`check` runs EVERY rule and returns every failure (an empty list means
eligible), so an officer sees at once all that must change. Guarantor coverage
is not checked here: guarantors are added after the application and checked when
the committee's last approval comes in (:func:`guarantee_shortfall`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from coopctl.core.money import ZERO, round_money


@dataclass(frozen=True)
class Rules:
    """The product's limits and rules (``0`` disables the savings and active-loan rules)."""

    min_amount: Decimal
    max_amount: Decimal | None
    min_term: int
    max_term: int
    savings_multiple: Decimal = Decimal(3)
    min_membership_months: int = 0
    max_active_loans: int = 1


@dataclass(frozen=True)
class Facts:
    """What is known about the applicant and the request."""

    amount: Decimal
    term: int
    member_status: str
    kyc_status: str
    joined_on: date
    applied_on: date
    free_savings: Decimal
    open_loans: int
    has_savings_account: bool = True


def _num(d: Decimal) -> str:
    """``Decimal('100.0000')`` → ``100``; ``2.5000`` → ``2.5``."""
    return format(d.normalize(), "f")


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start`` to ``end`` (a month counts once its day is reached)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def max_by_savings(rules: Rules, free_savings: Decimal) -> Decimal | None:
    """The largest loan the savings rule allows (``None`` when the rule is off)."""
    if rules.savings_multiple <= 0:
        return None
    return round_money(max(free_savings, ZERO) * rules.savings_multiple)


def check(rules: Rules, facts: Facts) -> list[str]:
    """All failed rules, each as one line naming the field or rule."""
    failures: list[str] = []
    if facts.member_status != "active":
        failures.append(f"member: status is {facts.member_status}, must be active")
    if facts.kyc_status != "approved":
        failures.append(f"kyc: KYC is {facts.kyc_status}, must be approved before borrowing")
    if facts.amount < rules.min_amount:
        failures.append(
            f"--amount: {facts.amount:,.2f} is below the product minimum {rules.min_amount:,.2f}"
        )
    if rules.max_amount is not None and facts.amount > rules.max_amount:
        failures.append(
            f"--amount: {facts.amount:,.2f} is above the product maximum {rules.max_amount:,.2f}"
        )
    if not rules.min_term <= facts.term <= rules.max_term:
        failures.append(
            f"--term: {facts.term} is outside the product's "
            f"{rules.min_term}–{rules.max_term} installments"
        )
    months = months_between(facts.joined_on, facts.applied_on)
    if months < rules.min_membership_months:
        failures.append(
            f"membership: {months} month(s) of membership, the product needs "
            f"{rules.min_membership_months}"
        )
    if rules.max_active_loans > 0 and facts.open_loans >= rules.max_active_loans:
        failures.append(
            f"active loans: the member already has {facts.open_loans} open "
            f"loan(s) or application(s); the product allows {rules.max_active_loans}"
        )
    cap = max_by_savings(rules, facts.free_savings)
    if cap is not None:
        if not facts.has_savings_account:
            failures.append("savings: the member has no savings account")
        elif facts.amount > cap:
            failures.append(
                f"savings: {facts.amount:,.2f} is more than {_num(rules.savings_multiple)} × "
                f"free savings {facts.free_savings:,.2f} = {cap:,.2f}"
            )
    return failures


def required_cover(principal: Decimal, free_savings: Decimal, coverage_percent: Decimal) -> Decimal:
    """The guarantee total needed: coverage % of (principal − the borrower's free savings)."""
    base = max(principal - max(free_savings, ZERO), ZERO)
    return round_money(base * coverage_percent / 100)


def guarantee_shortfall(
    principal: Decimal,
    free_savings: Decimal,
    coverage_percent: Decimal,
    guarantors_required: int,
    accepted: list[Decimal],
) -> list[str]:
    """Failures of the guarantor rules for the accepted guarantees (empty: covered)."""
    failures: list[str] = []
    if len(accepted) < guarantors_required:
        failures.append(
            f"guarantors: {len(accepted)} accepted, the product needs {guarantors_required}"
        )
    need = required_cover(principal, free_savings, coverage_percent)
    have = sum(accepted, ZERO)
    if have < need:
        failures.append(
            f"guarantees: accepted guarantees total {have:,.2f}, they must cover "
            f"{need:,.2f} ({_num(coverage_percent)}% of principal − free "
            f"savings)"
        )
    return failures
