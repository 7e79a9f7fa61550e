"""Errors of the payments context."""

from __future__ import annotations

from coopctl.core.errors import BusinessRuleError, ValidationError


class PaymentFileError(ValidationError):
    """A provider export is malformed: names file, line and field (no partial import)."""


class PaymentStateError(BusinessRuleError):
    """A payment may be assigned only from suspense, and only once."""
