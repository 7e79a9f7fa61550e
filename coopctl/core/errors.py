"""The one error hierarchy. Every subclass states the rule it protects.

The CLI maps the five families to exit codes in one place (``coopctl.cli.errors``):
ValidationError → 2, NotFoundError → 3, PermissionDeniedError → 4,
BusinessRuleError → 5, ReviewNeededError → 6.
"""

from __future__ import annotations


class CoopError(Exception):
    """Root of every error coopctl raises on purpose; anything else is a bug (exit 1)."""

    exit_code = 1

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


# --- exit 2 -----------------------------------------------------------------
class ValidationError(CoopError):
    """Input must be well formed: amounts, dates, phones, ids, files, options."""

    exit_code = 2


class ConfigError(ValidationError):
    """The configuration must name only known keys, each of its documented type."""


class MoneyFormatError(ValidationError):
    """Amounts are decimal strings with at most two decimals; no NaN, exponents or stray signs."""


class CheckDigitError(ValidationError):
    """Member and account numbers carry a check digit; a mistyped number is refused, not missed."""


class FileFormatError(ValidationError):
    """An input file must parse completely; the message names file, line and field."""


# --- exit 3 -----------------------------------------------------------------
class NotFoundError(CoopError):
    """An operation must name something that exists."""

    exit_code = 3


# --- exit 4 -----------------------------------------------------------------
class PermissionDeniedError(CoopError):
    """Every command runs as a known, enabled operator holding the needed permission."""

    exit_code = 4


class MakerCheckerError(PermissionDeniedError):
    """The checker of an item must be a different operator from its maker."""


class OtpError(PermissionDeniedError):
    """Approvals that require a second factor need a valid, current TOTP code."""


# --- exit 5 -----------------------------------------------------------------
class BusinessRuleError(CoopError):
    """A well-formed request that the cooperative's rules refuse."""

    exit_code = 5


class AlreadyInitialisedError(BusinessRuleError):
    """``init`` runs once per database; a second run changes nothing."""


class UnbalancedEntryError(BusinessRuleError):
    """A journal entry's debits must equal its credits."""


class ClosedPeriodError(BusinessRuleError):
    """Nothing may be posted with a date inside a closed period."""


class FutureDateError(BusinessRuleError):
    """Nothing may be posted with a date after the business date."""


class InactiveAccountError(BusinessRuleError):
    """Postings go only to active GL accounts and open member accounts."""


class ManualPostingNotAllowedError(BusinessRuleError):
    """Manual journals may only touch GL accounts marked manual-allowed."""


class InsufficientFundsError(BusinessRuleError):
    """A withdrawal may not take an account below its available balance or product minimum."""


class NotInitialisedError(BusinessRuleError):
    """Commands other than ``init`` need an initialised cooperative; none is created
    by accident (no empty database file is left behind). Exit 5, as an empty
    database already is."""


class DuplicateError(BusinessRuleError):
    """Something unique (an imported file, a BVN, a code) may exist only once."""


class DuplicateImportError(DuplicateError):
    """A file (by SHA-256) and a bank receipt (by bank and reference) are imported once."""


class InvalidStateError(BusinessRuleError):
    """An object moves only along its allowed state transitions."""


class LimitExceededError(BusinessRuleError):
    """Product limits and eligibility rules cap what may be done."""


# --- exit 6 -----------------------------------------------------------------
class ReviewNeededError(CoopError):
    """A check finished but found problems a person must look at."""

    exit_code = 6
