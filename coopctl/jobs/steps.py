"""The built-in steps of the catalogue, each a thin call onto its context's service.

Postings carry keys derived from (step, period, item) — the services' own keys:
``interest:{product}:{YYYY-MM}:{account}``, the provision's per-date key, the
penalty's per-installment period key — so a second run posts nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from coopctl.core.db import UnitOfWork
from coopctl.jobs.errors import StepProblemsError
from coopctl.jobs.registry import register
from coopctl.jobs.runner import Counts, StepRun


# --- approvals ----------------------------------------------------------------------------
def expire_approvals(uow: UnitOfWork, business_date: date) -> int:
    """End the pending maker-checker actions of every kind whose window ran out on
    ``business_date``; returns how many (the approvals engine audits each)."""
    from coopctl.approvals import service as approvals

    return approvals.expire(uow, business_date)


def _approvals_expire(uow: UnitOfWork, d: date) -> Counts:
    n = expire_approvals(uow, d)
    return Counts(items=max(n, 1), posted=n, skipped=0 if n else 1)


# --- payments -----------------------------------------------------------------------------
def _payments_process(uow: UnitOfWork, d: date) -> Counts:
    """Apply the gateway inbox and match settlements (coopctl.payments.service.process)."""
    from coopctl.payments.service import process

    out = process(uow)
    done = out["events"] + out["settled"]
    return Counts(items=max(done, 1), posted=done, skipped=0 if done else 1)


# --- loans --------------------------------------------------------------------------------
def _active_loans(run: StepRun) -> list[str]:
    from coopctl.loans.models import Loan

    with run.uow() as u:
        return list(
            u.session.scalars(select(Loan.loan_no).where(Loan.status == "active").order_by(Loan.id))
        )


def _penalize(run: StepRun) -> None:
    """Charge due penalty periods, one loan per transaction."""
    from coopctl.loans.penalties import penalize

    def one(u: UnitOfWork, loan_no: str) -> Counts:
        r = penalize(u, run.business_date, loan_no=loan_no)
        return Counts(posted=r.charges, skipped=0 if r.charges else 1)

    run.each(_active_loans(run), one)


def _age(uow: UnitOfWork, d: date) -> Counts:
    from coopctl.jobs.snapshots import take_snapshot

    written, existing = take_snapshot(uow, d)
    return Counts(items=written + existing, posted=written, skipped=existing)


def _provision(uow: UnitOfWork, d: date) -> Counts:
    from coopctl.loans import provisioning

    out = provisioning.run(uow, d)
    return Counts(
        items=1,
        posted=1 if out.status == "posted" else 0,
        skipped=0 if out.status == "posted" else 1,
    )


# --- deposits -----------------------------------------------------------------------------
def _interest(run: StepRun) -> None:
    """The month's savings interest: computed in bulk once, posted per chunk of accounts.

    The cyclic garbage collector is paused for the step (:mod:`coopctl.core.gc_pause`):
    it holds a row and a draft per account, which the collector would otherwise walk
    again and again while they are built (200,000 accounts: ≈ 4 s of the step)."""
    from coopctl.core.gc_pause import gc_paused

    with gc_paused():
        _interest_step(run)


def _interest_step(run: StepRun) -> None:
    from coopctl.deposits.interest_service import _draft, run_interest
    from coopctl.deposits.models import DepositProduct
    from coopctl.ledger.bulk import post_many
    from coopctl.ledger.models import GLAccount

    d = run.business_date
    label = f"{d.year:04d}-{d.month:02d}"
    with run.uow() as u:
        plan = run_interest(u, label, dry_run=True)
        codes: dict[str, tuple[str, str]] = {}
        for p in u.session.scalars(select(DepositProduct)):
            exp, ctl = (
                u.session.get(GLAccount, p.interest_gl_id),
                u.session.get(GLAccount, p.control_gl_id),
            )
            if exp is not None and ctl is not None:
                codes[p.code] = (exp.code, ctl.code)
    end = plan["date"]
    rows = [r for r in plan["accounts"] if run.wanted(r["account_no"])]
    drafts = []
    for r in rows:
        run.counts.items += 1
        if r["gross"] > 0:
            drafts.append(
                _draft(
                    r["product"],
                    label,
                    end,
                    r["account_no"],
                    r["gross"],
                    r["wht"],
                    r["net"],
                    codes[r["product"]],
                )
            )
        else:
            run.counts.skipped += 1
    run.reporter.total(len(drafts))
    size = max(1, int(run.ctx.settings["jobs"]["chunk_size"]))
    for i in range(0, len(drafts), size):
        run.check_stop()
        chunk = drafts[i : i + size]
        try:
            with run.uow() as u:
                res = post_many(u, chunk)
            run.counts.posted += res.posted
            run.counts.skipped += res.skipped_existing
        except Exception:
            for dr in chunk:
                try:
                    with run.uow() as u:
                        res = post_many(u, [dr])
                    run.counts.posted += res.posted
                    run.counts.skipped += res.skipped_existing
                except Exception as exc:
                    run.dead_letter(dr.lines[1].account_no or dr.idempotency_key or "?", exc)
        run.reporter.advance(len(chunk))
        run.pause()


# --- ledger and audit ---------------------------------------------------------------------
def _ledger_verify(uow: UnitOfWork, d: date) -> Counts:
    from coopctl.core import checks

    problems = checks.run(uow.session, groups=("ledger", "deposits", "loans"))
    if problems:
        _tell_staff(
            uow,
            "verify_failed",
            f"verify:ledger:{d}",
            d,
            [f"{p.check}: {p.detail}" for p in problems],
        )
        raise StepProblemsError(
            f"ledger verify found {len(problems)} problem(s): "
            f"{problems[0].check}: {problems[0].detail}"
        )
    return Counts(items=1, skipped=1)


def _audit_verify(uow: UnitOfWork, d: date) -> Counts:
    from coopctl.core.audit import verify_chain

    problems = verify_chain(uow.session)
    if problems:
        _tell_staff(uow, "verify_failed", f"verify:audit:{d}", d, list(problems))
        raise StepProblemsError(f"audit verify: {problems[0]}")
    return Counts(items=1, skipped=1)


def _tell_staff(uow: UnitOfWork, template: str, key: str, d: date, problems: list[str]) -> None:
    """Queue the staff notice in its own transaction: the step's failure rolls back."""
    from coopctl.notify.outbox import notify_staff

    ctx: Any = uow.ctx  # type: ignore[attr-defined]
    with ctx.uow() as u2:
        notify_staff(u2, template, key, {"business_date": d, "problems": problems[:20]})
        u2.commit()


def _close_period(uow: UnitOfWork, d: date) -> Counts:
    """Close every open month that ended by ``d`` and that the nightly job has covered."""
    from coopctl.jobs.catalogue import load as load_catalogue
    from coopctl.jobs.catalogue import month_last_day
    from coopctl.jobs.models import JobState
    from coopctl.ledger.models import Period
    from coopctl.ledger.periods import close_period

    if not uow.settings["jobs"]["close_periods"]:
        uow.note("[jobs] close_periods is off: months are closed by hand")
        return Counts(items=1, skipped=1)
    nightly = load_catalogue(uow.settings).get("nightly")
    covered = d
    if nightly is not None and nightly.enabled:
        st = uow.session.get(JobState, "nightly")
        covered = min(d, st.last_date) if st else date.min
    closed = 0
    last_closed = max(
        (p.end_date for p in uow.session.scalars(select(Period).where(Period.status == "closed"))),
        default=None,
    )
    cur = _first_open_month(uow, last_closed)
    months: list[tuple[int, int]] = []
    while cur is not None and month_last_day(date(*cur, 1)) <= covered:
        months.append(cur)
        cur = (cur[0] + 1, 1) if cur[1] == 12 else (cur[0], cur[1] + 1)
    for y, m in months:
        close_period(uow, y, m)
        closed += 1
    if not months:
        uow.note(f"no month to close: the nightly job has covered up to {covered}")
    return Counts(items=max(1, len(months)), posted=closed, skipped=0 if closed else 1)


def _first_open_month(uow: UnitOfWork, last_closed: date | None) -> tuple[int, int] | None:
    from coopctl.ledger.periods import _first_month

    if last_closed is not None:
        nxt = date(last_closed.year, last_closed.month, 1)
        return (nxt.year + 1, 1) if nxt.month == 12 else (nxt.year, nxt.month + 1)
    return _first_month(uow)


# --- budgets and reports ------------------------------------------------------------------
def _budget_alerts(uow: UnitOfWork, d: date) -> Counts:
    from coopctl.notify.outbox import notify_staff
    from coopctl.reports.builders.budget_variance import variance_alerts

    alerts = variance_alerts(uow, d.year, d.month)
    if alerts:
        notify_staff(
            uow,
            "budget_alerts",
            f"budget:{d.year}-{d.month:02d}",
            {"business_date": d, "alerts": alerts},
        )
    return Counts(items=max(1, len(alerts)), posted=len(alerts), skipped=0 if alerts else 1)


def _report_pack(uow: UnitOfWork, d: date) -> Counts:
    """Write the month's pack into ``<data dir>/packs`` and queue it for the recipients."""
    import json

    from coopctl.notify.outbox import enqueue
    from coopctl.reports.pack import build_pack

    folder = uow.settings.data_dir / "packs"
    label = f"{d.year}-{d.month:02d}"
    pdf, xlsx = folder / f"pack-{label}.pdf", folder / f"pack-{label}.xlsx"
    if pdf.is_file() and xlsx.is_file():
        uow.note(f"the {label} pack is already in {folder}; delete it to build it again")
        return Counts(items=1, skipped=1)
    out = build_pack(uow.reading(caught_up=True), d.year, d.month, folder)
    for addr in uow.settings["jobs"]["pack_recipients"]:
        enqueue(
            uow,
            "email",
            addr,
            "report_pack",
            f"pack:{label}:{addr}",
            {"month": label, "files": [out["pdf"], out.get("xlsx", "")]},
            attachments=json.dumps([out["pdf"], out.get("xlsx", "")]),
        )
    return Counts(items=1, posted=1)


def register_builtin() -> None:
    register("approvals.expire", _approvals_expire, "Expire pending approvals past their window")
    register("postings.expire", _approvals_expire, "Alias of approvals.expire")
    register("payments.process", _payments_process, "Apply gateway payments, match settlements")
    register(
        "loans.penalize",
        _penalize,
        "Charge due loan penalties (one loan per transaction)",
        itemised=True,
    )
    register("loans.age", _age, "Snapshot every active loan's aging and CBN class for the date")
    register("loans.provision", _provision, "Bring the loan-loss provision to the required level")
    register(
        "deposits.interest",
        _interest,
        "Post the month's savings interest (per chunk)",
        itemised=True,
        month_end_only=True,
    )
    register("ledger.verify", _ledger_verify, "Verify the books; problems notify the staff")
    register(
        "audit.verify", _audit_verify, "Verify the audit hash chain; problems notify the staff"
    )
    register(
        "ledger.close_period",
        _close_period,
        "Close the month once verified and covered by the nightly job",
        month_end_only=True,
    )
    register(
        "budgets.alerts",
        _budget_alerts,
        "Queue budget variance alerts for the staff",
        month_end_only=True,
    )
    register(
        "reports.pack",
        _report_pack,
        "Write the month-end report pack and e-mail it",
        month_end_only=True,
    )


register_builtin()
