"""The job catalogue: the shipped ``jobs/catalogue.toml`` plus an operator's file.

``[jobs] catalogue`` in config names a TOML file of the same shape whose jobs
replace the shipped ones by name (or add new ones). Pure: no database.
"""

from __future__ import annotations

import calendar as cal
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from coopctl.core.errors import ConfigError

CALENDARS = ("daily", "month_end")


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    schedule: str
    steps: tuple[str, ...]
    calendar: str = "daily"
    retries: int = 0
    retry_delay_seconds: int = 300
    enabled: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "schedule": self.schedule,
            "enabled": self.enabled,
            "steps": list(self.steps),
            "calendar": self.calendar,
            "retries": self.retries,
            "retry_delay_seconds": self.retry_delay_seconds,
            "description": self.description,
        }

    def dates_due(self, last: date | None, until: date) -> list[date]:
        """Business dates this job still owes up to ``until`` (in order)."""
        target = self.snap(until)
        if last is None or last >= target:
            return [target]
        out: list[date] = []
        d = last + timedelta(days=1)
        while d <= target:
            if self.calendar == "daily" or d == month_last_day(d):
                out.append(d)
            d += timedelta(days=1)
        return out

    def snap(self, d: date) -> date:
        """The business date a run asked for ``d`` is for (month end: the last one ≤ d)."""
        if self.calendar == "month_end" and d != month_last_day(d):
            return d.replace(day=1) - timedelta(days=1)
        return d


def month_last_day(d: date) -> date:
    return d.replace(day=cal.monthrange(d.year, d.month)[1])


def _parse(path: Path) -> dict[str, Job]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the job catalogue: {exc}") from None
    jobs = data.get("jobs", {})
    if not isinstance(jobs, dict):
        raise ConfigError(f"{path}: [jobs] must be a table of jobs")
    out: dict[str, Job] = {}
    for name, spec in jobs.items():
        where = f"{path}: jobs.{name}"
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: must be a table")
        unknown = set(spec) - {
            "description",
            "schedule",
            "steps",
            "calendar",
            "retries",
            "retry_delay_seconds",
            "enabled",
        }
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        steps = spec.get("steps")
        if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps) or not steps:
            raise ConfigError(f"{where}.steps: a non-empty list of step names is needed")
        schedule = spec.get("schedule", "")
        if not isinstance(schedule, str) or len(schedule.split()) != 5:
            raise ConfigError(f"{where}.schedule: a 5-field cron line is needed, got {schedule!r}")
        calendar = spec.get("calendar", "daily")
        if calendar not in CALENDARS:
            raise ConfigError(f"{where}.calendar: one of {', '.join(CALENDARS)}")
        for key in ("retries", "retry_delay_seconds"):
            v = spec.get(key, 0)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ConfigError(f"{where}.{key}: a whole number ≥ 0 is needed")
        enabled = spec.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigError(f"{where}.enabled: true or false")
        out[name] = Job(
            name=name,
            description=str(spec.get("description", "")),
            schedule=schedule,
            steps=tuple(steps),
            calendar=calendar,
            retries=int(spec.get("retries", 0)),
            retry_delay_seconds=int(spec.get("retry_delay_seconds", 300)),
            enabled=enabled,
        )
    return out


def load(settings: Any) -> dict[str, Job]:
    """The shipped catalogue overlaid with ``[jobs] catalogue`` (if set)."""
    from coopctl.core.resources import asset_dir

    jobs = _parse(asset_dir("jobs") / "catalogue.toml")
    override = settings["jobs"]["catalogue"] if settings is not None else ""
    if override:
        jobs.update(_parse(Path(override)))
    return jobs
