"""Errors of the job runner and daemon."""

from __future__ import annotations

from coopctl.core.errors import BusinessRuleError, ReviewNeededError


class JobBusyError(BusinessRuleError):
    """One job run at a time per database: another run holds the runner lock."""


class CatchUpTooLongError(BusinessRuleError):
    """A run catches up at most ``[jobs] max_catch_up_days`` missed dates, so a long
    outage is resumed deliberately (``--date`` in steps), not in one unbounded batch."""


class JobFailedError(ReviewNeededError):
    """A job run that did not complete (a step failed or items were dead-lettered)
    exits non-zero so timers and monitoring see it."""


class StepProblemsError(ReviewNeededError):
    """A verify step found problems: the job stops before closing anything."""
