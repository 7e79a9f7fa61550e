"""``doctor``: a job whose last completed business date is older than its schedule allows.

A daily job is late when it has not completed the day before yesterday (the run for
yesterday may still be ahead of its cron time); a month-end job when it has not
completed the month end before the latest one. A job that never ran is not
reported (a new installation), nor one that is disabled or not installed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from coopctl.core.checks import Problem, check


@check("jobs_late", group="jobs")
def jobs_late(session: Any) -> list[Problem]:
    from coopctl.core import clock
    from coopctl.jobs import registry
    from coopctl.jobs.catalogue import load
    from coopctl.jobs.models import JobState

    settings = session.info.get("settings")
    if settings is None:
        return []
    today = clock.today(settings["cooperative"]["timezone"])
    steps = registry.load()
    problems = []
    for job in load(settings).values():
        if not job.enabled or any(s not in steps for s in job.steps):
            continue
        st = session.get(JobState, job.name)
        if st is None:
            continue
        latest = job.snap(today - timedelta(days=1))
        allowed = job.snap(latest - timedelta(days=1))
        if st.last_date < allowed:
            problems.append(
                Problem(
                    "jobs_late",
                    f"job {job.name} last completed {st.last_date}; "
                    f"it should have reached {latest} (schedule {job.schedule})",
                )
            )
    return problems
