"""Go-live errors."""

from __future__ import annotations

from coopctl.core.errors import BusinessRuleError


class GoliveFinishedError(BusinessRuleError):
    """After ``golive finish`` no opening entry may be added: the go-live is locked."""


class GoliveDateError(BusinessRuleError):
    """Every opening entry of one go-live carries the same date, the go-live date."""
