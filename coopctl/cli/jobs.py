"""``coopctl jobs list | run | history | show | retry | dead-letters``."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import click
import typer

from coopctl.cli.common import DateOpt, FormatOpt, app_context, emit, message, new_app, uow

app = new_app(
    "Batch jobs: list, run, history, retry.\n\nExample:\n\n"
    "    coopctl jobs run nightly --date 2026-11-30"
)

LogFormatOpt = Annotated[
    str,
    typer.Option(
        "--log-format",
        help="Log lines on stderr: text or json.",
        click_type=click.Choice(["text", "json"]),
    ),
]
LimitOpt = Annotated[int | None, typer.Option("--limit", help="At most N rows.")]
AllOpt = Annotated[bool, typer.Option("--all", help="Every row (no default limit).")]


@app.command("list")
def list_jobs(fmt: FormatOpt = "table") -> None:
    """The job catalogue (shipped jobs/catalogue.toml plus [jobs] catalogue) and every step.

    Example:

        coopctl jobs list --format json
    """
    from coopctl.jobs import registry
    from coopctl.jobs.catalogue import load
    from coopctl.jobs.models import JobState

    with uow("jobs.view") as u:
        jobs = load(u.settings)
        state = {s.job: s.last_date for s in u.session.query(JobState).all()}
        steps = registry.load()
    rows = []
    for j in jobs.values():
        d = j.as_dict()
        d["last_date"] = state.get(j.name)
        d["missing_steps"] = [s for s in j.steps if s not in steps]
        rows.append(d)
    emit(rows, fmt, columns=["name", "schedule", "calendar", "enabled", "last_date", "description"])
    if fmt == "table":
        message("steps: " + ", ".join(sorted(steps)))
        for r in rows:
            if r["missing_steps"]:
                message(f"{r['name']}: steps not installed: {', '.join(r['missing_steps'])}")


class _TtyReporter:
    """A progress bar per step on a terminal."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task: Any = None

    def start(self, step: str, business_date: Any) -> None:
        self.progress.start()
        self.task = self.progress.add_task(f"{business_date} {step}", total=None)

    def total(self, n: int) -> None:
        self.progress.update(self.task, total=n)

    def advance(self, n: int = 1) -> None:
        self.progress.advance(self.task, n)

    def done(self, step: str, business_date: Any, status: str, c: Any) -> None:
        self.progress.remove_task(self.task)
        self.progress.stop()
        message(
            f"{business_date} {step}: {status} — items {c.items}, posted {c.posted}, "
            f"skipped {c.skipped}, failed {c.failed}"
        )


def _reporter() -> Any:
    from coopctl.jobs.runner import Reporter

    if sys.stderr.isatty():
        return _TtyReporter()
    return Reporter()


def _summary(results: list[Any]) -> dict[str, Any]:
    runs = [r.as_dict() for r in results]
    order = ["ok", "partial", "interrupted", "failed"]
    status = max((r["status"] for r in runs), key=order.index) if runs else "ok"
    out: dict[str, Any] = {
        "run_id": runs[-1]["run_id"] if runs else None,
        "job": results[0].job if results else None,
        "business_date": runs[-1]["business_date"] if runs else None,
        "status": status,
        **{k: sum(r[k] for r in runs) for k in ("items", "posted", "skipped", "failed")},
        "runs": runs,
    }
    return out


def _finish(out: dict[str, Any], fmt: str) -> None:
    from coopctl.jobs.errors import JobFailedError

    if fmt == "json":
        emit(out, fmt)
    else:
        rows = [
            {"run_id": r["run_id"], "business_date": r["business_date"], **st}
            for r in out["runs"]
            for st in r["steps"]
        ]
        head = {k: v for k, v in out.items() if k != "runs"}
        emit(
            {**head, "steps": rows},
            fmt,
            rows_key="steps",
            columns=[
                "run_id",
                "business_date",
                "step",
                "status",
                "items",
                "posted",
                "skipped",
                "failed",
                "error",
            ],
        )
    for r in out["runs"]:
        for s in r["steps"]:
            for n in s.get("notes") or []:
                message(f"{s['step']}: {n}")
    if out["posted"] == 0 and out["status"] == "ok":
        message("nothing posted: every item was already done for the date(s)")
    if out["status"] != "ok":
        raise JobFailedError(
            f"job {out['job']} ended {out['status']} (run {out['run_id']}); "
            f"see `coopctl jobs show {out['run_id']}`"
        )


@app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="A job of the catalogue, or one step.")],
    date: DateOpt = None,
    fmt: FormatOpt = "table",
    log_format: LogFormatOpt = "text",
) -> None:
    """Run a job (or a single step) for a business date, first catching up missed dates.

    Without --date the run is for yesterday (timers fire after midnight); a month_end
    job runs for the last month end on or before the date. Each step records what it
    did; a failing item is dead-lettered and the others go on. Running a date again
    posts nothing and says so. Exit 6 when a step failed or items were dead-lettered.

    Example:

        coopctl jobs run month_end --date 2026-01-31
    """
    from coopctl.cli.common import business_date as parse_bd
    from coopctl.jobs import logs, runner

    logs.setup(log_format)
    ctx = app_context()
    d = parse_bd(date) if date else None
    results = runner.run(ctx, name, d, reporter=_reporter())
    _finish(_summary(results), fmt)


@app.command("retry")
def retry(
    run_id: Annotated[int, typer.Argument(help="RUN_ID from `jobs history`.")],
    fmt: FormatOpt = "table",
    log_format: LogFormatOpt = "text",
) -> None:
    """Run a run's dead-lettered items again (or the whole date of a failed run).

    Example:

        coopctl jobs retry 42
    """
    from coopctl.jobs import logs, runner

    logs.setup(log_format)
    r = runner.retry(app_context(), run_id, reporter=_reporter())
    _finish(_summary([r]), fmt)


@app.command("history")
def history(
    name: Annotated[str | None, typer.Option("--name", help="Only this job or step.")] = None,
    limit: LimitOpt = None,
    all_: AllOpt = False,
    fmt: FormatOpt = "table",
) -> None:
    """Step runs, newest first: job, step, business date, status and counts.

    Example:

        coopctl jobs history --name nightly --limit 20 --format json
    """
    from sqlalchemy import select

    from coopctl.jobs.models import JobRun, JobStepRun

    if limit is None and not all_ and fmt == "table":
        limit = 200
    with uow("jobs.view") as u:
        stmt = (
            select(JobRun, JobStepRun)
            .join(JobStepRun, JobStepRun.run_id == JobRun.id)
            .order_by(JobRun.id.desc(), JobStepRun.id)
        )
        if name:
            stmt = stmt.where((JobRun.job == name) | (JobStepRun.step == name))
        if limit:
            stmt = stmt.limit(limit)
        rows = [
            {
                "run_id": r.id,
                "job": r.job,
                "step": s.step,
                "business_date": r.business_date,
                "status": s.status,
                "items": s.items,
                "posted": s.posted,
                "skipped": s.skipped,
                "failed": s.failed,
                "started": s.started_at,
                "finished": s.finished_at,
                "error": s.error,
            }
            for r, s in u.session.execute(stmt).tuples()
        ]
    emit(
        rows,
        fmt,
        columns=[
            "run_id",
            "job",
            "step",
            "business_date",
            "status",
            "items",
            "posted",
            "skipped",
            "failed",
            "error",
        ],
    )


@app.command("show")
def show(
    run_id: Annotated[int, typer.Argument(help="RUN_ID from `jobs history`.")],
    fmt: FormatOpt = "table",
) -> None:
    """One run: its steps, counts, errors and dead-lettered items.

    Example:

        coopctl jobs show 42 --format json
    """
    from sqlalchemy import select

    from coopctl.core.errors import NotFoundError
    from coopctl.jobs.models import JobDeadLetter, JobRun, JobStepRun

    with uow("jobs.view") as u:
        r = u.session.get(JobRun, run_id)
        if r is None:
            raise NotFoundError(f"run {run_id} not found")
        steps = u.session.scalars(
            select(JobStepRun).where(JobStepRun.run_id == run_id).order_by(JobStepRun.id)
        ).all()
        dead = u.session.scalars(
            select(JobDeadLetter).where(JobDeadLetter.run_id == run_id).order_by(JobDeadLetter.id)
        ).all()
        out = {
            "run_id": r.id,
            "job": r.job,
            "business_date": r.business_date,
            "status": r.status,
            "trigger": r.trigger,
            "operator": r.operator,
            "started": r.started_at,
            "finished": r.finished_at,
            "error": r.error,
            "steps": [
                {
                    "step": s.step,
                    "status": s.status,
                    "items": s.items,
                    "posted": s.posted,
                    "skipped": s.skipped,
                    "failed": s.failed,
                    "error": s.error,
                }
                for s in steps
            ],
            "dead_letters": [
                {"id": d.id, "step": d.step, "item": d.item, "status": d.status, "error": d.error}
                for d in dead
            ],
        }
    emit(out, fmt, rows_key="steps")
    if fmt == "table" and out["dead_letters"]:
        emit(out["dead_letters"], fmt)


@app.command("dead-letters")
def dead_letters(all_: AllOpt = False, limit: LimitOpt = None, fmt: FormatOpt = "table") -> None:
    """Items a step could not process (open ones; --all includes resolved).

    Example:

        coopctl jobs dead-letters --format json
    """
    from sqlalchemy import select

    from coopctl.jobs.models import JobDeadLetter

    with uow("jobs.view") as u:
        stmt = select(JobDeadLetter).order_by(JobDeadLetter.id.desc())
        if not all_:
            stmt = stmt.where(JobDeadLetter.status == "open")
        if limit:
            stmt = stmt.limit(limit)
        rows = [
            {
                "id": d.id,
                "run_id": d.run_id,
                "step": d.step,
                "business_date": d.business_date,
                "item": d.item,
                "status": d.status,
                "error": d.error,
            }
            for d in u.session.scalars(stmt)
        ]
    emit(rows, fmt)
