"""Errors of the members context. Each docstring states the rule it protects."""

from __future__ import annotations

from coopctl.core.errors import BusinessRuleError, InvalidStateError, ValidationError


class MemberFieldError(ValidationError):
    """Every member field (names, phone, e-mail, BVN, NIN, dates) must be well formed;
    the error names the field so the operator (or the import report) can point at it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class KycRequiredError(BusinessRuleError):
    """A member may not withdraw or borrow until their KYC has been approved."""


class MemberInactiveError(BusinessRuleError):
    """Only an active member (not suspended, not exited) may transact."""


class MemberStatusError(InvalidStateError):
    """A member moves only along pending_kyc → active ↔ suspended → exited, each step by
    its own command (KYC approval, ``members update --status``, member exit)."""


class MissingDocumentsError(BusinessRuleError):
    """KYC is approved only when every required document kind is on file."""


class DocumentRejectedError(ValidationError):
    """A KYC document must be non-empty, within the size limit and of an allowed type."""


class DocumentIntegrityError(BusinessRuleError):
    """A stored document must still hash to the SHA-256 recorded when it was uploaded."""


class ErasureNotAllowedError(BusinessRuleError):
    """A member's personal data is destroyed only after they exited and the retention
    period (``[members] retention_years``) has passed, with no money left on their
    accounts — and only once."""
