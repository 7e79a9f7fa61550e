"""The catalogue's ``backup`` job steps, registered with the job runner.

Each backup step works on files and scratch databases rather than in one unit of
work, so it is registered as an itemised step: it receives the runner's
:class:`~coopctl.jobs.runner.StepRun` and calls :mod:`coopctl.backup.job` with the
run's application context and business date. Re-running a date does nothing the
second time (the backup of a date is found again through its sidecar).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coopctl.backup import job
from coopctl.jobs.registry import register
from coopctl.jobs.runner import Counts

_DESCRIPTIONS = {
    "backup.create": "Create the business date's encrypted backup (once)",
    "backup.verify": "Verify that backup by restoring it into a scratch database",
    "backup.copy": "Copy the verified backup to the second location",
    "backup.prune": "Apply the retention rules (daily, weekly, monthly)",
}


def _adapt(fn: Callable[..., dict[str, Any]]) -> Callable[[Any], Counts]:
    def step(run: Any) -> Counts:
        out = fn(run.ctx, run.business_date)
        c = Counts(items=int(out["items"]), posted=int(out["posted"]), skipped=int(out["skipped"]))
        run.counts.add(c)
        return c

    step.__doc__ = fn.__doc__
    return step


for _name, _fn in job.STEPS.items():
    register(_name, _adapt(_fn), _DESCRIPTIONS[_name], itemised=True)
