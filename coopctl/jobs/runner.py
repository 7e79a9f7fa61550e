"""The job runner: one run per (job, business date), one record per step, one
transaction per item (bulk steps: per chunk), dead letters for failed items.

Close of business like Fineract's: each catalogue job keeps the last business date
it completed (:class:`~coopctl.jobs.models.JobState`); a run for date D first runs
every missed date after it, in order, and stops at the first date whose run fails
(the date is not marked complete, so the next run starts there again). A date whose
steps finished but left dead-lettered items counts as complete (status ``partial``):
``jobs retry`` re-runs those items.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update

from coopctl.core import clock
from coopctl.core.errors import CoopError, NotFoundError, ValidationError
from coopctl.jobs import registry
from coopctl.jobs.catalogue import Job
from coopctl.jobs.errors import CatchUpTooLongError, JobBusyError
from coopctl.jobs.models import JobDeadLetter, JobRun, JobState, JobStepRun

log = logging.getLogger("coopctl.jobs")
STOP = threading.Event()  # set by SIGTERM: the running step finishes its chunk, then stops


class Interrupted(Exception):
    """Raised inside a step when a stop was requested between items/chunks."""


@dataclass
class Counts:
    items: int = 0
    posted: int = 0
    skipped: int = 0
    failed: int = 0

    def add(self, other: Counts) -> None:
        self.items += other.items
        self.posted += other.posted
        self.skipped += other.skipped
        self.failed += other.failed


class Reporter:
    """Progress sink: quiet line-per-step logs (the default); the CLI puts a bar on a TTY."""

    def start(self, step: str, business_date: date) -> None:
        pass

    def total(self, n: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def done(self, step: str, business_date: date, status: str, c: Counts) -> None:
        log.info(
            "%s %s %s items=%d posted=%d skipped=%d failed=%d",
            business_date,
            step,
            status,
            c.items,
            c.posted,
            c.skipped,
            c.failed,
        )


@dataclass
class StepRun:
    """What a step receives: the date, units of work, counters, dead letters."""

    ctx: Any
    step: str
    business_date: date
    run_id: int
    reporter: Reporter
    counts: Counts = field(default_factory=Counts)
    notes: list[str] = field(default_factory=list)
    only_items: set[str] | None = None  # ``jobs retry``: just these items

    @contextmanager
    def uow(self) -> Iterator[Any]:
        """A unit of work as the job's operator; commits when the block ends cleanly."""
        u = self.ctx.uow()
        with u:
            yield u
            u.commit()
        self.notes.extend(u.messages)

    def check_stop(self) -> None:
        if STOP.is_set():
            raise Interrupted(f"{self.step}: stopped on request")

    def pause(self) -> None:
        ms = int(self.ctx.settings["jobs"]["chunk_pause_ms"])
        if ms > 0:
            time.sleep(ms / 1000)

    def wanted(self, item: str) -> bool:
        return self.only_items is None or item in self.only_items

    def each(
        self, items: Iterable[Any], fn: Callable[[Any, Any], Any], key: Callable[[Any], str] = str
    ) -> None:
        """``fn(uow, item)`` for each item in its own transaction. ``fn`` returns
        ``"posted"``, ``"skipped"``, a :class:`Counts` or None (= skipped). A failure is
        rolled back, dead-lettered, and the next item goes on."""
        todo = [i for i in items if self.wanted(key(i))]
        self.reporter.total(len(todo))
        for item in todo:
            self.check_stop()
            self.counts.items += 1
            try:
                with self.uow() as u:
                    out = fn(u, item)
                self._count(out)
            except Interrupted:
                raise
            except Exception as exc:
                self.dead_letter(key(item), exc)
            self.reporter.advance()

    def _count(self, out: Any) -> None:
        if isinstance(out, Counts):
            self.counts.posted += out.posted
            self.counts.skipped += out.skipped
            self.counts.failed += out.failed
        elif out == "posted":
            self.counts.posted += 1
        else:
            self.counts.skipped += 1

    def dead_letter(self, item: str, exc: BaseException) -> None:
        self.counts.failed += 1
        text = _error_text(exc)
        log.warning("%s %s: item %s failed: %s", self.business_date, self.step, item, text)
        with self.ctx.uow() as u:
            u.session.add(
                JobDeadLetter(
                    run_id=self.run_id,
                    step=self.step,
                    business_date=self.business_date,
                    item=item[:128],
                    error=text,
                    status="open",
                    created_at=clock.utcnow(),
                )
            )
            u.commit()


def _error_text(exc: BaseException) -> str:
    msg = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {msg}"[:2000]


@dataclass
class RunResult:
    run_id: int
    job: str
    business_date: date
    status: str
    steps: list[dict[str, Any]]
    error: str | None = None

    def totals(self) -> Counts:
        c = Counts()
        for s in self.steps:
            c.add(Counts(s["items"], s["posted"], s["skipped"], s["failed"]))
        return c

    def as_dict(self) -> dict[str, Any]:
        t = self.totals()
        return {
            "run_id": self.run_id,
            "job": self.job,
            "business_date": self.business_date,
            "status": self.status,
            "items": t.items,
            "posted": t.posted,
            "skipped": t.skipped,
            "failed": t.failed,
            "error": self.error,
            "steps": self.steps,
        }


def default_date(ctx: Any) -> date:
    """The business date a run without ``--date`` is for: yesterday (cron fires after midnight)."""
    return clock.today(ctx.settings["cooperative"]["timezone"]) - timedelta(days=1)


def resolve(ctx: Any, name: str) -> Job:
    """A catalogue job, or a single registered step as a one-step job."""
    from coopctl.jobs.catalogue import load

    jobs = load(ctx.settings)
    if name in jobs:
        return jobs[name]
    steps = registry.load()
    if name in steps:
        s = steps[name]
        return Job(name, s.description, "", (name,), "month_end" if s.month_end_only else "daily")
    raise NotFoundError(
        f"no job or step named {name!r}; jobs: {', '.join(sorted(jobs))}; see `coopctl jobs list`"
    )


@contextmanager
def runner_lock(ctx: Any) -> Iterator[None]:
    from coopctl.jobs.locks import DbLock

    lock = DbLock(ctx.engine, "runner", ctx.settings.data_dir)
    if not lock.try_acquire():
        raise JobBusyError("another job run is in progress on this database; try again later")
    try:
        yield
    finally:
        lock.release()


def run(
    ctx: Any,
    name: str,
    business_date: date | None = None,
    *,
    trigger: str = "cli",
    reporter: Reporter | None = None,
) -> list[RunResult]:
    """Run ``name`` for ``business_date`` (default: yesterday), catching up missed dates."""
    from coopctl.core.security import require

    reporter = reporter or Reporter()
    job = resolve(ctx, name)
    with ctx.uow() as u:
        require(u.operator, "jobs.run")
        operator = u.operator.username
        state = u.session.get(JobState, job.name)
        last = state.last_date if state else None
    today = clock.today(ctx.settings["cooperative"]["timezone"])
    target = business_date or default_date(ctx)
    if target > today:
        raise ValidationError(f"--date: {target} is after the business date {today}")
    for s in job.steps:
        registry.get(s)  # unknown step: exit 3 before anything runs
    is_catalogue = name == job.name and job.name not in registry.load()
    dates = job.dates_due(last if is_catalogue else None, target)
    limit = int(ctx.settings["jobs"]["max_catch_up_days"])
    if len(dates) > limit:
        raise CatchUpTooLongError(
            f"{job.name}: {len(dates)} business dates are owed since {last} "
            f"(more than [jobs] max_catch_up_days = {limit}); run it for an earlier --date first"
        )
    results: list[RunResult] = []
    with runner_lock(ctx):
        _mark_interrupted(ctx)
        for d in dates:
            r = run_date(
                ctx,
                job,
                d,
                operator=operator,
                trigger=trigger,
                reporter=reporter,
                track=is_catalogue,
            )
            results.append(r)
            if r.status in ("failed", "interrupted"):
                break
    _after_runs(ctx, job, results)
    return results


def _mark_interrupted(ctx: Any) -> None:
    """Runs left ``running`` by a killed process (we hold the runner lock: none is live)."""
    with ctx.uow() as u:
        now = clock.utcnow()
        for model in (JobRun, JobStepRun):
            u.session.execute(
                update(model)
                .where(model.status == "running")
                .values(status="interrupted", finished_at=now, error="process ended mid-run")
            )
        u.commit()


def run_date(
    ctx: Any,
    job: Job,
    d: date,
    *,
    operator: str,
    trigger: str,
    reporter: Reporter,
    track: bool = True,
    only: dict[str, set[str]] | None = None,
) -> RunResult:
    """Every step of ``job`` for one business date."""
    from coopctl.jobs.catalogue import month_last_day

    with ctx.uow() as u:
        row = JobRun(
            job=job.name,
            business_date=d,
            status="running",
            trigger=trigger,
            operator=operator,
            started_at=clock.utcnow(),
        )
        u.session.add(row)
        u.commit()
        run_id = row.id
    steps_out: list[dict[str, Any]] = []
    status, error = "ok", None
    for name in job.steps:
        if only is not None and name not in only:
            continue
        step = registry.get(name)
        if step.month_end_only and d != month_last_day(d):
            continue
        out = _run_step(ctx, step, d, run_id, reporter, only.get(name) if only else None)
        steps_out.append(out)
        if out["status"] == "partial" and status == "ok":
            status = "partial"
        if out["status"] in ("failed", "interrupted"):
            status, error = out["status"], f"{name}: {out['error']}"
            break
    with ctx.uow() as u:
        row = u.session.get(JobRun, run_id)
        assert row is not None
        row.status, row.finished_at, row.error = status, clock.utcnow(), error
        if track and status in ("ok", "partial"):
            st = u.session.get(JobState, job.name)
            if st is None:
                u.session.add(JobState(job=job.name, last_date=d, last_success_at=clock.utcnow()))
            else:
                st.last_date = max(st.last_date, d)
                st.last_success_at = clock.utcnow()
        u.commit()
    return RunResult(run_id, job.name, d, status, steps_out, error)


def _run_step(
    ctx: Any,
    step: registry.Step,
    d: date,
    run_id: int,
    reporter: Reporter,
    only_items: set[str] | None,
) -> dict[str, Any]:
    with ctx.uow() as u:
        srow = JobStepRun(
            run_id=run_id, step=step.name, status="running", started_at=clock.utcnow()
        )
        u.session.add(srow)
        u.commit()
        step_id = srow.id
    sr = StepRun(ctx, step.name, d, run_id, reporter, only_items=only_items)
    reporter.start(step.name, d)
    status, error = "ok", None
    try:
        if step.itemised:
            step.fn(sr)
        else:
            sr.counts.items += 1
            with sr.uow() as u:
                out = step.fn(u, d)
            if isinstance(out, Counts):
                sr.counts = Counts(max(out.items, 1), out.posted, out.skipped, out.failed)
            elif isinstance(out, int) and not isinstance(out, bool):
                sr.counts.posted += out
            elif out is None or out == "skipped":
                sr.counts.skipped += 1
        if sr.counts.failed:
            status = "partial"
    except Interrupted as exc:
        status, error = "interrupted", str(exc)
    except Exception as exc:
        status, error = "failed", _error_text(exc)
        log.error("%s %s failed: %s", d, step.name, error)
        if os.environ.get("COOPCTL_DEBUG") and not isinstance(exc, CoopError):
            log.exception("traceback")
    c = sr.counts
    with ctx.uow() as u:
        srow2 = u.session.get(JobStepRun, step_id)
        assert srow2 is not None
        srow2.status, srow2.finished_at, srow2.error = status, clock.utcnow(), error
        srow2.items, srow2.posted, srow2.skipped, srow2.failed = (
            c.items,
            c.posted,
            c.skipped,
            c.failed,
        )
        u.commit()
    reporter.done(step.name, d, status, c)
    return {
        "step_run_id": step_id,
        "step": step.name,
        "status": status,
        "items": c.items,
        "posted": c.posted,
        "skipped": c.skipped,
        "failed": c.failed,
        "error": error,
        "notes": sr.notes,
    }


def _after_runs(ctx: Any, job: Job, results: list[RunResult]) -> None:
    """Metrics textfile and, on failure, a staff notification (never fails the run)."""
    try:
        from coopctl.jobs.metrics import write_metrics

        write_metrics(ctx)
    except Exception as exc:
        log.warning("metrics file not written: %s", exc)
    bad = [r for r in results if r.status in ("failed", "partial")]
    if not bad:
        return
    try:
        from coopctl.notify.outbox import notify_staff

        with ctx.uow() as u:
            for r in bad:
                notify_staff(
                    u,
                    "job_failure",
                    f"job:{r.job}:{r.business_date}:{r.run_id}",
                    {
                        "job": r.job,
                        "business_date": r.business_date,
                        "status": r.status,
                        "error": r.error or "items dead-lettered",
                        "run_id": r.run_id,
                    },
                )
            u.commit()
    except Exception as exc:
        log.warning("failure notification not queued: %s", exc)


def retry(ctx: Any, run_id: int, *, reporter: Reporter | None = None) -> RunResult:
    """Re-run a run's dead-lettered items (or, for a failed run, its date) once more."""
    from coopctl.core.security import require

    reporter = reporter or Reporter()
    with ctx.uow() as u:
        require(u.operator, "jobs.run")
        operator = u.operator.username
        row = u.session.get(JobRun, run_id)
        if row is None:
            raise NotFoundError(f"run {run_id} not found")
        dead = u.session.scalars(
            select(JobDeadLetter).where(
                JobDeadLetter.run_id == run_id, JobDeadLetter.status == "open"
            )
        ).all()
        job_name, d, status = row.job, row.business_date, row.status
        only: dict[str, set[str]] = {}
        for dl in dead:
            only.setdefault(dl.step, set()).add(dl.item)
    job = resolve(ctx, job_name)
    if status in ("ok",) and not only:
        raise NotFoundError(f"run {run_id} completed with nothing to retry")
    with runner_lock(ctx):
        _mark_interrupted(ctx)
        track = job_name not in registry.load()
        r = run_date(
            ctx,
            job,
            d,
            operator=operator,
            trigger="retry",
            reporter=reporter,
            track=track,
            only=only or None,
        )
        with ctx.uow() as u:
            if r.status in ("ok", "partial"):
                for dl in u.session.scalars(
                    select(JobDeadLetter).where(
                        JobDeadLetter.run_id == run_id, JobDeadLetter.status == "open"
                    )
                ):
                    dl.status, dl.resolved_at = "resolved", clock.utcnow()
            u.commit()
    _after_runs(ctx, job, [r])
    return r
