"""Dividend runs: declare (or dry-run), approve through the engine, apply; list, show,
member preferences.

``declare`` computes the run from the closed year's books
(:mod:`coopctl.dividends.basis`, :mod:`coopctl.dividends.allocation`), refuses a
run that would appropriate more than the surplus, and stores it with its member
lines as an action of kind ``dividend`` for a checker (``approvals approve``).
The last approval applies it (:mod:`coopctl.dividends.payout`): the
appropriation entry, then one payment entry per member in bulk.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.approvals import service as engine
from coopctl.approvals.models import PendingAction
from coopctl.approvals.registry import register
from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import (
    BusinessRuleError,
    ConfigError,
    InvalidStateError,
    NotFoundError,
    ValidationError,
)
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.dividends import allocation, basis, payout
from coopctl.dividends.models import PAY_TO, DividendLine, DividendPreference, DividendRun

KIND = "dividend"
LIVE = ("pending", "applied")


class SurplusExceededError(BusinessRuleError):
    """A run never appropriates more than the year's surplus: the statutory reserve,
    the dividends and the rebates together stay within it."""


class YearNotClosedError(BusinessRuleError):
    """Dividends are declared from a closed year's surplus (``ledger close-year`` first)."""


def check_year(year: int) -> int:
    if not 1900 <= year <= 2999:
        raise ValidationError(f"--year: {year} is not a year")
    return year


def _percent(value: str | Decimal, field: str) -> Decimal:
    from coopctl.deposits.products import parse_rate

    return parse_rate(value, field=field)


def _setting_percent(uow: UnitOfWork, key: str) -> Decimal:
    return _percent(str(uow.settings["dividends"][key]), f"[dividends] {key}")


def default_pay_to(uow: UnitOfWork) -> str:
    value = str(uow.settings["dividends"]["default_pay_to"])
    if value not in PAY_TO:
        raise ConfigError(
            f"[dividends] default_pay_to: {value!r} is not one of {', '.join(PAY_TO)}"
        )
    return value


def declare(
    uow: UnitOfWork,
    year: int,
    dividend_rate: str | Decimal,
    *,
    rebate_rate: str | Decimal = "0",
    weighting: str = "monthly",
    offset_arrears: bool = False,
    dry_run: bool = False,
) -> dict[str, Any]:
    """``dividends declare``: compute the run; with ``dry_run`` write nothing, else store
    it for a checker (or apply it at once when no checker is needed)."""
    require(uow.operator, "dividends.declare")
    check_year(year)
    div_rate = _percent(dividend_rate, "--dividend-rate")
    reb_rate = _percent(rebate_rate, "--rebate-rate")
    if weighting not in allocation.WEIGHTINGS:
        raise ValidationError(f"--weighting: {weighting!r} is not monthly or none")
    if not basis.year_closed(uow, year):
        raise YearNotClosedError(
            f"fiscal year {year} is not closed; run `coopctl ledger close-year {year}` first"
        )
    live = _live_run(uow, year)
    if live is not None:
        raise InvalidStateError(f"dividends for {year} are already {live.status} as {live.run_no}")
    surplus = basis.surplus(uow, year)
    if surplus <= 0:
        raise SurplusExceededError(
            f"fiscal year {year} closed with no surplus ({surplus:,.2f}); nothing to share"
        )
    decl = allocation.declare(
        basis.member_bases(uow, year, weighting),
        surplus=surplus,
        dividend_rate=div_rate,
        rebate_rate=reb_rate,
        reserve_percent=_setting_percent(uow, "reserve_percent"),
        wht_percent=_setting_percent(uow, "wht_percent"),
        weighting=weighting,
    )
    if decl.appropriated > max(surplus, ZERO):
        raise SurplusExceededError(
            f"the run needs {decl.appropriated:,.2f} (reserve {decl.reserve:,.2f} + dividends "
            f"{decl.total_dividend:,.2f} + rebates {decl.total_rebate:,.2f}) but the surplus "
            f"of {year} is {surplus:,.2f}; lower the rates"
        )
    targets = payout.resolve_targets(uow, [m.member_no for m in decl.members])
    if dry_run:
        out = _result(year, decl, targets, status="dry_run")
        out["entries"] = payout.preview_entries(decl, targets)
        return out
    run = _store(uow, year, decl, targets, div_rate, reb_rate, weighting, offset_arrears)
    total = decl.total_dividend + decl.total_rebate
    rule = engine.rule_for(uow, KIND, total)
    if rule is None:
        payout.apply_run(uow, run)
    else:
        action = engine.submit(
            uow,
            kind=KIND,
            subject=run.run_no,
            payload={"run_id": run.id, "year": year},
            amount=total,
            rule=rule,
            note="",
        )
        run.approval_no = action.action_no
        uow.note(
            f"dividends for {year} ({run.run_no}) await approval: "
            f"coopctl approvals approve {action.action_no}"
        )
    return run_dict(uow, run)


def _store(
    uow: UnitOfWork,
    year: int,
    decl: allocation.Declaration,
    targets: dict[str, payout.Target],
    div_rate: Decimal,
    reb_rate: Decimal,
    weighting: str,
    offset_arrears: bool,
) -> DividendRun:
    run = DividendRun(
        year=year,
        status="pending",
        dividend_rate=div_rate,
        rebate_rate=reb_rate,
        reserve_percent=_setting_percent(uow, "reserve_percent"),
        wht_percent=_setting_percent(uow, "wht_percent"),
        weighting=weighting,
        offset_arrears=offset_arrears,
        surplus=decl.surplus,
        reserve=decl.reserve,
        total_dividend=decl.total_dividend,
        total_rebate=decl.total_rebate,
        total_wht=decl.total_wht,
        declared_by=uow.username,
        declared_on=uow.today(),
        created_at=clock.utcnow(),
    )
    uow.session.add(run)
    uow.session.flush()
    ids = basis.member_ids(uow, [m.member_no for m in decl.members])
    bases = {b.member_no: b for b in decl.bases}
    rows = []
    for m in decl.members:
        t = targets[m.member_no]
        b = bases.get(m.member_no)
        rows.append(
            DividendLine(
                run_id=run.id,
                member_id=ids[m.member_no],
                member_no=m.member_no,
                share_base=b.share_base if b else ZERO,
                interest_paid=b.interest_paid if b else ZERO,
                dividend=m.dividend,
                rebate=m.rebate,
                wht=m.wht,
                arrears_paid=ZERO,
                pay_to=t.pay_to,
                account_id=t.account_id,
            )
        )
    uow.session.add_all(rows)
    uow.session.flush()
    audit.record(
        uow,
        "dividend.declared",
        "dividend_run",
        run.run_no,
        after={
            "year": year,
            "surplus": run.surplus,
            "reserve": run.reserve,
            "total_dividend": run.total_dividend,
            "total_rebate": run.total_rebate,
            "members": len(rows),
        },
    )
    return run


def _result(
    year: int,
    decl: allocation.Declaration,
    targets: dict[str, payout.Target],
    *,
    status: str,
) -> dict[str, Any]:
    return {
        "year": year,
        "status": status,
        "surplus": decl.surplus,
        "reserve": decl.reserve,
        "total_dividend": decl.total_dividend,
        "total_rebate": decl.total_rebate,
        "total_wht": decl.total_wht,
        "total_net": sum((m.net for m in decl.members), ZERO),
        "members": [
            {
                "member_no": m.member_no,
                "dividend": m.dividend,
                "rebate": m.rebate,
                "wht": m.wht,
                "net": m.net,
                "pay_to": targets[m.member_no].pay_to,
            }
            for m in decl.members
        ],
    }


def _live_run(uow: UnitOfWork, year: int) -> DividendRun | None:
    return uow.session.scalars(
        select(DividendRun).where(DividendRun.year == year, DividendRun.status.in_(LIVE))
    ).first()


def parse_run_id(text: str) -> int:
    s = text.strip().upper()
    s = s[2:] if s.startswith("DV") else s
    if not s.isdigit() or len(s) > 12:
        raise ValidationError(f"ID: {text!r} is not a dividend run (DV00000001 or 1)")
    return int(s)


def get_run(uow: UnitOfWork, run_id: str | int) -> DividendRun:
    rid = run_id if isinstance(run_id, int) else parse_run_id(run_id)
    run = uow.session.get(DividendRun, rid)
    if run is None:
        raise NotFoundError(f"dividend run {run_id} not found")
    return run


def run_dict(uow: UnitOfWork, run: DividendRun, *, members: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": run.run_no,
        "year": run.year,
        "status": run.status,
        "dividend_rate": run.dividend_rate,
        "rebate_rate": run.rebate_rate,
        "weighting": run.weighting,
        "reserve_percent": run.reserve_percent,
        "wht_percent": run.wht_percent,
        "surplus": run.surplus,
        "reserve": run.reserve,
        "total_dividend": run.total_dividend,
        "total_rebate": run.total_rebate,
        "total_wht": run.total_wht,
        "declared_by": run.declared_by,
        "declared_on": run.declared_on,
        "approval": run.approval_no,
        "applied_on": run.applied_on,
        "appropriation_entry": payout.entry_no(run.appropriation_entry_id),
        "reason": run.reason,
    }
    if members:
        out["members"] = [
            {
                "member_no": ln.member_no,
                "dividend": ln.dividend,
                "rebate": ln.rebate,
                "wht": ln.wht,
                "net": ln.net,
                "arrears_paid": ln.arrears_paid,
                "pay_to": ln.pay_to,
                "entry_no": payout.entry_no(ln.entry_id),
            }
            for ln in run.lines
        ]
    return out


def list_runs(uow: UnitOfWork) -> list[dict[str, Any]]:
    require(uow.operator, "dividends.view")
    runs = uow.session.scalars(select(DividendRun).order_by(DividendRun.id.desc())).all()
    return [run_dict(uow, r, members=False) for r in runs]


def show_run(uow: UnitOfWork, run_id: str) -> dict[str, Any]:
    require(uow.operator, "dividends.view")
    return run_dict(uow, get_run(uow, run_id))


def _pending_action(uow: UnitOfWork, run_id: str) -> tuple[DividendRun, PendingAction]:
    run = get_run(uow, run_id)
    action = engine.find_pending(uow, KIND, run.run_no) if run.status == "pending" else None
    if action is None:
        raise InvalidStateError(f"dividend run {run.run_no} is {run.status}, not pending")
    return run, action


def approve_run(
    uow: UnitOfWork, run_id: str, *, otp: str | None = None, comment: str = ""
) -> tuple[dict[str, Any], PendingAction]:
    """``dividends approve ID``: the run's pending action, approved through the engine."""
    require(uow.operator, "dividends.approve")
    run, action = _pending_action(uow, run_id)
    engine.approve(uow, action.id, otp=otp, comment=comment)
    return run_dict(uow, run), action


def reject_run(uow: UnitOfWork, run_id: str, reason: str) -> dict[str, Any]:
    """``dividends reject ID --reason T``: the run's pending action, rejected."""
    require(uow.operator, "dividends.approve")
    run, action = _pending_action(uow, run_id)
    engine.reject(uow, action.id, reason)
    return run_dict(uow, run)


# --- approvals engine -----------------------------------------------------------------
def _run_of(uow: UnitOfWork, action: PendingAction) -> DividendRun:
    return get_run(uow, int(engine.payload_of(action)["run_id"]))


def _apply(uow: UnitOfWork, action: PendingAction) -> str:
    run = _run_of(uow, action)
    payout.apply_run(uow, run)
    return run.run_no


def _end(uow: UnitOfWork, action: PendingAction) -> None:
    run = _run_of(uow, action)
    if run.status == "pending":
        # the engine calls ``end`` before its own transition; the reason says which
        reason = action.reason or ""
        run.status = (
            "failed"
            if action.state == "approved" or reason.startswith("failed:")
            else "expired"
            if reason.startswith("expired:")
            else "rejected"
        )
        run.reason = (action.reason or "")[:300] or None
        audit.record(uow, f"dividend.{run.status}", "dividend_run", run.run_no)


def register_kinds() -> None:
    register(
        KIND,
        apply=_apply,
        end=_end,
        permission="dividends.approve",
        title="dividend runs",
    )


# --- member preferences ---------------------------------------------------------------
def set_preference(uow: UnitOfWork, member_no: str, pay_to: str) -> dict[str, Any]:
    """``dividends preference M --to savings|shares|payable``."""
    from coopctl.members.lookup import get_member

    require(uow.operator, "dividends.preference")
    if pay_to not in PAY_TO:
        raise ValidationError(f"--to: {pay_to!r} is not one of {', '.join(PAY_TO)}")
    member = get_member(uow, member_no)
    pref = uow.session.get(DividendPreference, member.id)
    before = pref.pay_to if pref else None
    if pref is None:
        pref = DividendPreference(member_id=member.id, pay_to=pay_to)
        uow.session.add(pref)
    pref.pay_to = pay_to
    pref.set_by = uow.username
    pref.set_at = clock.utcnow()
    uow.session.flush()
    audit.record(
        uow,
        "dividend.preference",
        "member",
        member.member_no,
        before={"pay_to": before},
        after={"pay_to": pay_to},
    )
    return {"member_no": member.member_no, "pay_to": pay_to}
