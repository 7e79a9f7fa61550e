"""Errors of the reconciliation context. Each docstring states the rule it protects."""

from __future__ import annotations

from coopctl.core.errors import BusinessRuleError, FileFormatError, ReviewNeededError


class StatementFormatError(FileFormatError):
    """A statement file is read whole or not at all: a malformed file (encoding, missing
    columns, impossible dates or amounts, empty, binary, oversized) imports nothing and
    the message names file:line and field."""


class StatementMismatchError(BusinessRuleError):
    """A statement must tie (opening + lines = closing) and continue the previous one
    (its opening = the previous closing), unless the operator records the gap."""


class CurrencyMismatchError(BusinessRuleError):
    """A statement is imported only into a bank account of the same currency."""


class ReconLinkError(BusinessRuleError):
    """A manual link joins a bank line to posted entries on the bank's GL account that are
    not matched elsewhere, and only an unmatched line may be linked or posted."""


class UnmatchedLinesError(ReviewNeededError):
    """``recon match --strict``: every bank line must be matched before month end."""


class BankAccountError(BusinessRuleError):
    """A bank account maps to one active, postable asset GL account of the cash category."""
