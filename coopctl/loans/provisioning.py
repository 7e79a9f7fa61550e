"""Loan-loss provisioning: bring GL 1290 to the provision the portfolio requires.

The required provision on a date is the sum of the per-loan provisions of the
bulk aging (:func:`coopctl.loans.portfolio.compute`): outstanding principal × the
class's percent, rounded to the kobo per loan. GL 1290 *Loan-loss provision* is a
contra-asset, credit-normal; its balance on the date (posted entries dated on or
before it) is what is already provided. The difference is posted as one entry:

- more is needed: Dr 5200 Loan-loss provision expense / Cr 1290;
- less is needed (repayments, write-offs, recoveries): Dr 1290 / Cr 5200
  (a release of provision, which reduces the expense).

The entry carries the idempotency key ``provision:YYYY-MM-DD``: a second run for
the same date posts nothing and says so. When the provision already equals the
requirement nothing is posted (and nothing needs remembering).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, func, select, type_coerce

from coopctl.core import audit
from coopctl.core.db import UnitOfWork
from coopctl.core.money import fmt_human, from_minor
from coopctl.core.security import require
from coopctl.core.sums import exact_sum
from coopctl.ledger.coa import GL
from coopctl.ledger.models import GLAccount, JournalEntry, JournalLine
from coopctl.ledger.posting import PostResult, check_date, post, replay
from coopctl.ledger.rules import EntryDraft, LineDraft
from coopctl.loans.aging import PortfolioAging

KIND = "loan_provision"


def idempotency_key(as_of: date) -> str:
    return f"provision:{as_of.isoformat()}"


@dataclass(frozen=True)
class ProvisionPlan:
    """What the provision must be on a date, what it is, and the entry that fixes it."""

    as_of: date
    required: Decimal
    current: Decimal
    aging: PortfolioAging

    @property
    def adjustment(self) -> Decimal:
        """Positive: provide more (expense); negative: release provision."""
        return self.required - self.current

    def draft(self) -> EntryDraft | None:
        """The balanced adjustment entry, or ``None`` when nothing is to be posted."""
        diff = self.adjustment
        if diff == 0:
            return None
        amount = abs(diff)
        if diff > 0:
            lines = [
                LineDraft(GL.PROVISION_EXPENSE, debit=amount, memo="provision charge"),
                LineDraft(GL.LOAN_LOSS_PROVISION, credit=amount, memo="provision charge"),
            ]
        else:
            lines = [
                LineDraft(GL.LOAN_LOSS_PROVISION, debit=amount, memo="provision release"),
                LineDraft(GL.PROVISION_EXPENSE, credit=amount, memo="provision release"),
            ]
        classes = ", ".join(
            f"{b.name} {fmt_human(b.provision)}" for b in self.aging.buckets if b.loans
        )
        return EntryDraft(
            business_date=self.as_of,
            kind=KIND,
            lines=lines,
            narration=(
                f"Loan-loss provision as of {self.as_of.isoformat()}: required "
                f"{fmt_human(self.required)}, held {fmt_human(self.current)}"
                + (f" ({classes})" if classes else "")
            )[:1000],
            reference=f"provision {self.as_of.isoformat()}",
            idempotency_key=idempotency_key(self.as_of),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "required": self.required,
            "current": self.current,
            "adjustment": self.adjustment,
            "buckets": [
                {
                    "class": b.name,
                    "loans": b.loans,
                    "outstanding": b.outstanding,
                    "provision_percent": b.provision_percent,
                    "provision": b.provision,
                }
                for b in self.aging.buckets
            ],
        }


def provision_balance(uow: UnitOfWork, as_of: date) -> Decimal:
    """Credit balance of GL 1290 from posted entries dated on or before ``as_of``."""
    dr, cr = uow.session.execute(
        select(
            func.coalesce(exact_sum(type_coerce(JournalLine.debit, BigInteger)), 0),
            func.coalesce(exact_sum(type_coerce(JournalLine.credit, BigInteger)), 0),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(GLAccount, GLAccount.id == JournalLine.gl_account_id)
        .where(
            GLAccount.code == GL.LOAN_LOSS_PROVISION,
            JournalEntry.status == "posted",
            JournalEntry.business_date <= as_of,
        )
    ).one()
    return from_minor(int(cr) - int(dr))


def plan(uow: UnitOfWork, as_of: date) -> ProvisionPlan:
    """The required provision on ``as_of`` against GL 1290; nothing is written."""
    from coopctl.loans.portfolio import compute

    require(uow.operator, "loans.provision")
    aging = compute(uow, as_of)
    return ProvisionPlan(as_of, aging.totals.provision, provision_balance(uow, as_of), aging)


@dataclass(frozen=True)
class ProvisionOutcome:
    """What a provisioning run did: ``posted``, ``already_done``, ``no_change`` or ``dry_run``."""

    status: str
    plan: ProvisionPlan | None
    result: PostResult | None

    def as_dict(self) -> dict[str, Any]:
        from coopctl.ledger.posting import entry_as_dict

        out: dict[str, Any] = {"status": self.status}
        if self.plan is not None:
            out.update(self.plan.as_dict())
        out["entry_no"] = self.result.entry_no if self.result else None
        out["entry"] = entry_as_dict(self.result.entry) if self.result else None
        if self.status == "dry_run" and self.plan is not None:
            draft = self.plan.draft()
            out["would_post"] = (
                [
                    {"gl_code": ln.gl_code, "debit": ln.debit, "credit": ln.credit}
                    for ln in draft.lines
                ]
                if draft
                else []
            )
        return out


def run(uow: UnitOfWork, as_of: date, *, dry_run: bool = False) -> ProvisionOutcome:
    """Provision for ``as_of`` (see :func:`provision`), telling what happened.

    ``dry_run``: every check and the computation, but nothing is posted (status
    ``dry_run``, the would-be entry in ``plan.draft()``).
    """
    require(uow.operator, "loans.provision")
    key = idempotency_key(as_of)
    earlier = replay(uow, key)
    if earlier is not None:
        return ProvisionOutcome("already_done", None, earlier)
    check_date(uow, as_of)
    p = plan(uow, as_of)
    draft = p.draft()
    if dry_run:
        return ProvisionOutcome("dry_run", p, None)
    if draft is None:
        uow.note(
            f"the provision already equals the requirement ({fmt_human(p.required)}); "
            "nothing posted"
        )
        return ProvisionOutcome("no_change", p, None)
    result = post(uow, draft)
    audit.record(
        uow,
        "loans.provision",
        "loan_provision",
        as_of.isoformat(),
        before={"provision": p.current},
        after={"provision": p.required, "entry_no": result.entry_no},
    )
    return ProvisionOutcome("posted", p, result)


def provision(uow: UnitOfWork, as_of: date) -> PostResult | None:
    """Post the adjustment that brings GL 1290 to the required provision on ``as_of``.

    Returns the posted entry's result; on a second run for the same date the
    earlier entry (``created=False``) with a note; ``None`` when GL 1290 already
    holds exactly the required amount. The nightly job calls this.
    """
    outcome = run(uow, as_of)
    return outcome.result


__all__ = [
    "KIND",
    "ProvisionOutcome",
    "ProvisionPlan",
    "idempotency_key",
    "plan",
    "provision",
    "provision_balance",
    "run",
]
