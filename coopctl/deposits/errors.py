"""Errors of the deposits context. Each docstring states the rule it protects."""

from __future__ import annotations

from coopctl.core.errors import (
    BusinessRuleError,
    DuplicateError,
    FileFormatError,
    InactiveAccountError,
    InsufficientFundsError,
    InvalidStateError,
    LimitExceededError,
    ValidationError,
)
from coopctl.recon.errors import BankAccountError  # noqa: F401  (moved to recon; kept importable here)


class ProductOptionError(ValidationError):
    """A deposit product's options must be valid for its kind (rates 0–100 %, known methods)."""


class AccountNumberError(ValidationError):
    """An account number is ``A`` + 9 digits + a Damm check digit."""


class AccountNotActiveError(InactiveAccountError):
    """Money moves only through active member accounts (and into active or dormant ones)."""


class MemberExitedError(BusinessRuleError):
    """An exited member's accounts are closed: nothing is opened, paid in or paid out."""


class DuplicateAccountError(DuplicateError):
    """A member holds at most one open account of each savings or shares product."""


class SharesNotWithdrawableError(BusinessRuleError):
    """Share capital is not withdrawable while the holder is a member; it is refunded at exit."""


class BelowMinimumBalanceError(InsufficientFundsError):
    """A withdrawal may not leave an account below its product's minimum balance."""


class MinimumOpeningBalanceError(LimitExceededError):
    """The first payment into an account must reach the product's minimum opening balance."""


class WithdrawalLimitError(LimitExceededError):
    """A product may cap the number of withdrawals (and transfers out) per calendar month."""


class FixedDepositRuleError(BusinessRuleError):
    """A fixed deposit takes one placement; it is paid out at maturity (or early with a penalty)."""


class AccountNotEmptyError(InvalidStateError):
    """An account closes only at a zero balance, with no holds and nothing pending."""


class HoldError(BusinessRuleError):
    """A hold (lien) may not exceed the available balance, and releases at most what it holds."""


class PendingExitError(InvalidStateError):
    """While a member's exit awaits approval, no money leaves their accounts by other routes."""


class ExitBlockedError(BusinessRuleError):
    """A member exits only when savings and shares cover every loan and nothing is held."""


class CheckoffFileError(FileFormatError):
    """A check-off file must be entirely valid: every bad line is named and nothing is imported."""


class WithdrawalNoticeError(BusinessRuleError):
    """A withdrawal from a product with ``notice_days`` needs an open notice, given at least
    that many days before and for at least the amount, which the withdrawal uses up."""


class DormantAccountError(AccountNotActiveError):
    """No withdrawal or transfer leaves a dormant account until a checker has approved its
    reactivation (``accounts reactivate``): an idle account is where fraud hides."""


class AccountNotDormantError(InvalidStateError):
    """Only a dormant account is reactivated."""
