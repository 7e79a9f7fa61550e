"""Pure validation of a draft journal entry (no database): one named error per rule.

These run before anything is written; the database triggers check the same
rules again on the flip to ``posted``, and ``ledger verify`` a third time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from coopctl.core.errors import BusinessRuleError, UnbalancedEntryError, ValidationError
from coopctl.core.money import ZERO, is_exact


class LineSideError(ValidationError):
    """Each journal line has exactly one of debit/credit, and it is positive."""


class AmountPrecisionError(ValidationError):
    """Posted amounts have at most two decimals (whole kobo)."""


class OneSidedEntryError(BusinessRuleError):
    """An entry needs at least one debit line and one credit line."""


class ControlAccountError(BusinessRuleError):
    """Lines on a control GL account must name a member account of that control (and only it)."""


class HeaderAccountError(BusinessRuleError):
    """Header (group) GL accounts only sum their children; nothing is posted to them."""


class UnknownGLAccountError(BusinessRuleError):
    """Every line names a GL account that exists."""

    exit_code = 3


@dataclass(frozen=True)
class LineDraft:
    gl_code: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    account_no: str | None = None  # member sub-ledger account, for control GL accounts
    memo: str = ""


@dataclass
class EntryDraft:
    business_date: date
    kind: str
    lines: list[LineDraft]
    narration: str = ""
    reference: str = ""
    idempotency_key: str | None = None
    approval_kind: str | None = None  # maker-checker policy name; None = never pending
    approval_amount: Decimal | None = None  # compared with the policy threshold
    manual: bool = False  # manual journal: manual-allowed GL accounts only
    reverses_id: int | None = None
    reason: str | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((ln.debit for ln in self.lines), ZERO)


def validate_lines(lines: Sequence[LineDraft]) -> Decimal:
    """Check sides, precision and balance; return the entry total (sum of debits)."""
    debits = credits = ZERO
    n_dr = n_cr = 0
    for i, ln in enumerate(lines, 1):
        for side, amt in (("debit", ln.debit), ("credit", ln.credit)):
            if not isinstance(amt, Decimal):
                raise LineSideError(f"line {i}: {side} must be a Decimal amount")
            if not amt.is_finite():
                raise LineSideError(f"line {i}: {side} is not a number")
            if not is_exact(amt):
                raise AmountPrecisionError(f"line {i}: {side} {amt} has more than two decimals")
        if (ln.debit > 0) == (ln.credit > 0) or ln.debit < 0 or ln.credit < 0:
            raise LineSideError(
                f"line {i} ({ln.gl_code}): exactly one of debit/credit must be positive"
            )
        if ln.debit > 0:
            debits += ln.debit
            n_dr += 1
        else:
            credits += ln.credit
            n_cr += 1
    if n_dr == 0 or n_cr == 0:
        raise OneSidedEntryError("an entry needs at least one debit and one credit")
    if debits != credits:
        raise UnbalancedEntryError(
            f"debits {debits:,.2f} ≠ credits {credits:,.2f} (difference {debits - credits:,.2f})"
        )
    return debits


def validate_draft(draft: EntryDraft) -> Decimal:
    if not draft.kind:
        raise ValidationError("entry kind is required")
    return validate_lines(draft.lines)
