"""Prometheus textfile (node_exporter textfile-collector convention), written
atomically (temporary file in the same folder, fsync, rename) after each run and on
every daemon heartbeat. Alert rules reading it ship in ``deploy/prometheus/``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from coopctl.jobs.models import DaemonHeartbeat, JobRun, JobState, JobStepRun


def metrics_path(settings: Any) -> Path:
    configured = settings["jobs"]["metrics_file"]
    return Path(configured) if configured else settings.data_dir / "metrics" / "coopctl.prom"


def _esc(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def render(ctx: Any) -> str:
    """The metrics text for the database's current job history."""
    lines: list[str] = []

    def metric(name: str, kind: str, help_: str, rows: list[tuple[dict[str, str], float]]) -> None:
        lines.append(f"# HELP {name} {help_}")
        lines.append(f"# TYPE {name} {kind}")
        for labels, value in rows:
            lab = ",".join(f'{k}="{_esc(v)}"' for k, v in labels.items())
            lines.append(f"{name}{{{lab}}} {value}" if lab else f"{name} {value}")

    with ctx.uow(as_current=False) as u:
        s = u.session
        states = s.scalars(select(JobState)).all()
        last_runs: dict[str, JobRun] = {}
        for r in s.scalars(
            select(JobRun).where(JobRun.finished_at.is_not(None)).order_by(JobRun.id)
        ):
            last_runs[r.job] = r
        steps: list[tuple[str, JobStepRun]] = []
        for job, r in last_runs.items():
            for st in s.scalars(select(JobStepRun).where(JobStepRun.run_id == r.id)):
                steps.append((job, st))
        fails = dict(
            s.execute(
                select(JobRun.job, func.count())
                .where(JobRun.status.in_(("failed", "interrupted")))
                .group_by(JobRun.job)
            ).all()
        )
        beats = s.scalars(select(DaemonHeartbeat)).all()
        _emit_all(metric, states, last_runs, steps, fails, beats)
    return "\n".join(lines) + "\n"


def _emit_all(metric: Any, states: Any, last_runs: Any, steps: Any, fails: Any, beats: Any) -> None:
    metric(
        "coopctl_job_last_success_timestamp_seconds",
        "gauge",
        "Unix time the job last completed a business date",
        [({"job": st.job}, st.last_success_at.timestamp()) for st in states],
    )
    metric(
        "coopctl_job_last_business_date_timestamp_seconds",
        "gauge",
        "The last business date the job completed (midnight UTC of that date)",
        [({"job": st.job}, _day(st.last_date)) for st in states],
    )
    metric(
        "coopctl_job_last_run_ok",
        "gauge",
        "1 when the job's last run ended ok or partial",
        [({"job": j}, 1.0 if r.status in ("ok", "partial") else 0.0) for j, r in last_runs.items()],
    )
    metric(
        "coopctl_job_last_run_duration_seconds",
        "gauge",
        "Duration of the job's last run",
        [
            ({"job": j}, (r.finished_at - r.started_at).total_seconds())
            for j, r in last_runs.items()
            if r.finished_at
        ],
    )
    metric(
        "coopctl_job_failed_runs_total",
        "counter",
        "Runs that failed or were interrupted",
        [({"job": j}, float(n)) for j, n in fails.items()],
    )
    for field, help_ in (
        ("items", "Items the step saw"),
        ("posted", "Items posted"),
        ("skipped", "Items already done"),
        ("failed", "Items dead-lettered"),
    ):
        metric(
            f"coopctl_step_{field}",
            "gauge",
            f"{help_} in the job's last run",
            [({"job": j, "step": st.step}, float(getattr(st, field))) for j, st in steps],
        )
    metric(
        "coopctl_step_ok",
        "gauge",
        "1 when the step ended ok in the job's last run",
        [({"job": j, "step": st.step}, 1.0 if st.status == "ok" else 0.0) for j, st in steps],
    )
    metric(
        "coopctl_daemon_heartbeat_timestamp_seconds",
        "gauge",
        "Last daemon heartbeat",
        [({"daemon": b.name, "host": b.host}, b.beat_at.timestamp()) for b in beats],
    )


def _day(d: Any) -> float:
    from datetime import UTC, datetime

    return datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".coopctl-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_metrics(ctx: Any) -> Path:
    path = metrics_path(ctx.settings)
    write_atomic(path, render(ctx))
    return path
