"""``coopctl daemon``: the catalogue's cron lines under APScheduler 3, one active
daemon per database.

- The ``daemon`` lock (PostgreSQL advisory lock / lock file beside the SQLite
  file) is taken first; a second daemon — a standby on another host — waits,
  polling every ``[daemon] lock_poll_seconds``, and takes over when the holder dies.
- Cron triggers in the cooperative's time zone, one instance per job
  (``max_instances=1``), ``coalesce=True`` (a backlog of missed fires runs once)
  and ``misfire_grace_time``; whatever the fires missed the runner's catch-up
  runs anyway, date by date.
- On start, and with ``--once``, every enabled job that owes a business date runs.
- SIGTERM/SIGINT: the running step finishes its chunk, the run is recorded
  ``interrupted`` (the next start resumes it), the daemon exits 0.
- A heartbeat row (``daemon_heartbeat``) and the metrics textfile are refreshed
  every ``[daemon] heartbeat_seconds``.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from datetime import date, timedelta
from typing import Any

from coopctl.core import clock
from coopctl.jobs import runner
from coopctl.jobs.catalogue import Job
from coopctl.jobs.locks import DbLock
from coopctl.jobs.models import DaemonHeartbeat, JobState

log = logging.getLogger("coopctl.daemon")
NAME = "daemon"


def heartbeat(ctx: Any, status: str, started: Any) -> None:
    with ctx.uow(as_current=False) as u:
        row = u.session.get(DaemonHeartbeat, NAME)
        now = clock.utcnow()
        if row is None:
            row = DaemonHeartbeat(
                name=NAME,
                host=socket.gethostname()[:255],
                pid=os.getpid(),
                started_at=started,
                beat_at=now,
                status=status,
            )
            u.session.add(row)
        row.host, row.pid, row.started_at = socket.gethostname()[:255], os.getpid(), started
        row.beat_at, row.status = now, status
        u.session.commit()
    try:
        from coopctl.jobs.metrics import write_metrics

        write_metrics(ctx)
    except Exception as exc:
        log.warning("metrics file not written: %s", exc)


def runnable_jobs(ctx: Any) -> list[Job]:
    """Enabled catalogue jobs whose steps are all installed."""
    from coopctl.jobs import registry
    from coopctl.jobs.catalogue import load

    steps = registry.load()
    out = []
    for job in load(ctx.settings).values():
        if not job.enabled:
            continue
        missing = [s for s in job.steps if s not in steps]
        if missing:
            log.warning("job %s skipped: steps not installed: %s", job.name, ", ".join(missing))
            continue
        out.append(job)
    return out


def owes(ctx: Any, job: Job) -> date | None:
    """The business date ``job`` should reach now, or None when it is up to date."""
    target = job.snap(runner.default_date(ctx))
    with ctx.uow(as_current=False) as u:
        st = u.session.get(JobState, job.name)
        last = st.last_date if st else None
    return None if last is not None and last >= target else target


def run_job(ctx: Any, name: str) -> str:
    """One scheduled (or catch-up) run; returns the worst status. Never raises."""
    from coopctl.core.errors import CoopError

    try:
        results = runner.run(ctx, name, None, trigger="daemon")
    except CoopError as exc:
        log.error("job %s not run: %s", name, exc.message)
        return "failed"
    except Exception as exc:
        log.error("job %s crashed: %s: %s", name, type(exc).__name__, exc)
        return "failed"
    order = ["ok", "partial", "interrupted", "failed"]
    return max((r.status for r in results), key=order.index, default="ok")


def run_due(ctx: Any) -> dict[str, str]:
    """Run every enabled job that owes a date (catch-up included); {job: status}."""
    out: dict[str, str] = {}
    for job in runnable_jobs(ctx):
        if runner.STOP.is_set():
            break
        if owes(ctx, job) is None:
            log.info("job %s is up to date", job.name)
            continue
        out[job.name] = run_job(ctx, job.name)
    return out


def _install_signals() -> dict[int, Any]:
    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %s: finishing the current chunk, then stopping", signum)
        runner.STOP.set()

    return {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}


def wait_for_lock(ctx: Any) -> DbLock | None:
    lock = DbLock(ctx.engine, NAME, ctx.settings.data_dir)
    poll = max(1, int(ctx.settings["daemon"]["lock_poll_seconds"]))
    said = False
    while not lock.try_acquire():
        if not said:
            log.info("another daemon is active on this database: standing by")
            said = True
        if runner.STOP.wait(poll):
            return None
    log.info("daemon lock taken (pid %s on %s)", os.getpid(), socket.gethostname())
    return lock


def serve(ctx: Any, *, once: bool) -> int:
    """Run the daemon until SIGTERM (or, with ``once``, until the due jobs ran)."""
    runner.STOP.clear()
    previous = _install_signals()
    try:
        return _serve(ctx, once=once)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(ctx: Any, *, once: bool) -> int:
    lock = wait_for_lock(ctx)
    if lock is None:
        return 0
    started = clock.utcnow()
    try:
        heartbeat(ctx, "running", started)
        if once:
            statuses = run_due(ctx)
            return 0 if all(s in ("ok",) for s in statuses.values()) else 6
        _schedule(ctx, lock, started)
        return 0
    finally:
        try:
            heartbeat(ctx, "stopped", started)
        finally:
            lock.release()


def _schedule(ctx: Any, lock: DbLock, started: Any) -> None:
    from zoneinfo import ZoneInfo

    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    tz = ZoneInfo(ctx.settings["cooperative"]["timezone"])
    grace = int(ctx.settings["daemon"]["misfire_grace_seconds"])
    from apscheduler.executors.pool import ThreadPoolExecutor

    # Jobs run one at a time (they share the runner lock); the heartbeat has its own
    # thread so a long month end never looks like a dead daemon.
    sched = BackgroundScheduler(
        timezone=tz,
        executors={"default": ThreadPoolExecutor(1), "beat": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
    )
    jobs = {j.name: j for j in runnable_jobs(ctx)}
    attempts: dict[str, int] = {}

    def fire(name: str) -> None:
        status = run_job(ctx, name)
        job = jobs[name]
        if (
            status in ("failed",)
            and attempts.get(name, 0) < job.retries
            and not runner.STOP.is_set()
        ):
            attempts[name] = attempts.get(name, 0) + 1
            when = clock.utcnow() + timedelta(seconds=job.retry_delay_seconds)
            log.warning(
                "job %s failed; retry %d of %d at %s", name, attempts[name], job.retries, when
            )
            sched.add_job(
                fire, "date", run_date=when, args=[name], id=f"{name}-retry", replace_existing=True
            )
        else:
            attempts.pop(name, None)

    def catch_up() -> None:
        for name in jobs:
            if runner.STOP.is_set():
                return
            job = jobs[name]
            if owes(ctx, job) is not None:
                fire(name)

    def beat() -> None:
        if not lock.alive():
            log.error("daemon lock lost (database connection dropped): stopping")
            runner.STOP.set()
            return
        heartbeat(ctx, "running", started)

    for job in jobs.values():
        sched.add_job(
            fire,
            CronTrigger.from_crontab(job.schedule, timezone=tz),
            args=[job.name],
            id=job.name,
            name=job.name,
        )
        log.info("scheduled %s: %s (%s)", job.name, job.schedule, tz.key)
    sched.add_job(
        beat,
        "interval",
        seconds=max(5, int(ctx.settings["daemon"]["heartbeat_seconds"])),
        id="heartbeat",
        executor="beat",
    )
    sched.add_job(catch_up, id="catch-up")  # now: whatever was missed while down
    sched.start()
    try:
        while not runner.STOP.wait(1.0):
            pass
    finally:
        log.info("stopping: waiting for the running step to finish its chunk")
        sched.shutdown(wait=True)
        log.info("stopped")
