"""Errors of the standing-orders context."""

from __future__ import annotations

from coopctl.core.errors import BusinessRuleError, NotFoundError


class StandingOrderNotFoundError(NotFoundError):
    """A standing-order command must name an order that exists."""


class StandingOrderStateError(BusinessRuleError):
    """An order moves only active → paused → active, and active or paused → cancelled;
    a cancelled or ended order never pays again (a new instruction is a new order)."""


class StandingOrderRuleError(BusinessRuleError):
    """An order pays from the member's own savings account into an open savings or shares
    account (the member's or, with the third-party permission, another member's) or into
    the member's own active loan."""
