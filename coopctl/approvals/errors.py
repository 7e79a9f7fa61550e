"""Errors of the approvals engine."""

from __future__ import annotations

from coopctl.core.errors import BusinessRuleError, InvalidStateError, MakerCheckerError


class ActionNotPendingError(InvalidStateError):
    """Only a pending action may be approved, rejected or expired."""


class ActionExpiredError(InvalidStateError):
    """An action past its expiry date can no longer be approved; the maker enters it again."""


class DutySeparationError(MakerCheckerError):
    """One operator approves at most one level of an action, and never their own."""


class ApprovalFailedError(BusinessRuleError):
    """An approved action is applied only if the business rules still hold at that moment;
    otherwise it is recorded ``failed`` with the reason (the record is kept)."""
