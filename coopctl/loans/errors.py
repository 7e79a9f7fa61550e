"""Errors of the loans context; each docstring states the rule it protects."""

from __future__ import annotations

from coopctl.core.errors import (
    BusinessRuleError,
    DuplicateError,
    InvalidStateError,
    LimitExceededError,
    MakerCheckerError,
    NotFoundError,
    ValidationError,
)


class LoanOptionError(ValidationError):
    """Loan product options and loan inputs must be well formed (the message names the field)."""


class LoanNotFoundError(NotFoundError):
    """A loan command must name an existing loan number."""


class LoanProductNotFoundError(NotFoundError):
    """A loan must be made under an existing, active loan product."""


class LoanStateError(InvalidStateError):
    """A loan moves only applied → approved → active → closed|written_off (or → rejected)."""


class EligibilityError(LimitExceededError):
    """An application must pass every eligibility rule of its product; all failures are listed."""


class SelfApprovalError(MakerCheckerError):
    """The officer who entered an application may not approve it (committee independence)."""


class DuplicateApprovalError(DuplicateError):
    """Each committee member approves an application once; approvals must be distinct people."""


class GuarantorError(BusinessRuleError):
    """A guarantor is an active member other than the borrower with enough free savings."""


class GuaranteeCoverageError(BusinessRuleError):
    """Accepted guarantees must meet the product's count and cover principal minus free savings."""


class BackdateError(BusinessRuleError):
    """Repayments are recorded in date order; an earlier date needs an explicit --backdate."""


class DisbursementError(BusinessRuleError):
    """Money goes out only to the borrower's own savings account, a bank or the till."""


class RepaymentSourceError(BusinessRuleError):
    """A repayment from savings comes from an open savings account of the borrower."""


class WriteoffPendingError(InvalidStateError):
    """A loan has at most one write-off request waiting for a checker."""
