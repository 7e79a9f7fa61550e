"""Processing the inbox: successful charges onto members' accounts (Dr gateway clearing
1130, Cr savings or the loan's repayment), the rest to suspense (2900) and the review
list; refunds and chargebacks post the contra entries. Assignments out of suspense go
through the approvals engine (kind ``payment_assignment``)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import BusinessRuleError, NotFoundError, ValidationError
from coopctl.core.security import require
from coopctl.ledger.coa import GL
from coopctl.ledger.models import Account
from coopctl.ledger.posting import EntryDraft, LineDraft, lock_accounts, post
from coopctl.payments.errors import PaymentStateError
from coopctl.payments.events import Event, EventError, normalize, parse_body
from coopctl.payments.models import Payment, PaymentEvent

KIND = "payment_assignment"
CURRENCY = "NGN"
REVIEW = ("suspense", "assigning")


# --- targets ------------------------------------------------------------------------------
def _deposit_account(uow: UnitOfWork, account_no: str) -> Account:
    acct = uow.session.scalar(select(Account).where(Account.account_no == account_no))
    if acct is None or acct.member_id is None or acct.kind == "loan":
        raise NotFoundError(f"account {account_no} is not a member's deposit account")
    return acct


def _savings_of(uow: UnitOfWork, member_no: str) -> Account:
    from coopctl.members.models import Member

    member = uow.session.scalar(select(Member).where(Member.member_no == member_no))
    if member is None:
        raise NotFoundError(f"member {member_no} not found")
    acct = uow.session.scalars(
        select(Account)
        .where(Account.member_id == member.id, Account.kind == "savings")
        .where(Account.status.in_(("active", "dormant")))
        .order_by(Account.id)
    ).first()
    if acct is None:
        raise NotFoundError(f"member {member_no} has no open savings account")
    return acct


def target_of(uow: UnitOfWork, ev: Event) -> dict[str, str]:
    """{account_no} or {loan_no} from the metadata, else from ``[payments]
    reference_rules``; empty when the payer is unknown."""
    found = dict(ev.metadata)
    if not found:
        for rule in uow.settings["payments"]["reference_rules"]:
            m = re.search(rule, ev.reference)
            if m:
                found = {k: v.upper() for k, v in m.groupdict().items() if v}
                break
    if found.get("loan_no"):
        return {"loan_no": found["loan_no"]}
    if found.get("account_no"):
        return {"account_no": found["account_no"]}
    if found.get("member_no"):
        return {"member_no": found["member_no"]}
    return {}


# --- postings -----------------------------------------------------------------------------
def _credit_account(uow: UnitOfWork, p: Payment, acct: Account, gl_from: str, key: str) -> str:
    from coopctl.deposits import guards
    from coopctl.deposits.accounts_lookup import member_of

    (locked,) = lock_accounts(uow, [acct.id]).values()
    guards.check_credit(uow, locked, member_of(uow, locked), p.amount)
    res = post(
        uow,
        EntryDraft(
            business_date=uow.today(),
            kind="gateway_payment",
            narration=f"{p.provider} payment {p.reference}",
            reference=p.reference,
            idempotency_key=key,
            lines=[
                LineDraft(gl_from, debit=p.amount, memo=f"{p.provider} {p.reference}"[:200]),
                LineDraft(
                    locked.gl_account.code,
                    credit=p.amount,
                    account_no=locked.account_no,
                    memo="gateway payment",
                ),
            ],
        ),
    )
    p.account_no = locked.account_no
    return res.entry_no


def _repay_loan(uow: UnitOfWork, p: Payment, loan_no: str) -> str:
    from coopctl.loans.common import get_loan
    from coopctl.loans.repayment import post_payment

    loan = get_loan(uow, loan_no, lock=True)
    if loan.status not in ("active", "written_off"):
        raise BusinessRuleError(f"loan {loan.loan_no} is {loan.status}")
    res = post_payment(
        uow,
        loan,
        p.amount,
        uow.today(),
        [(GL.GATEWAY_CLEARING, None, p.amount)],
        channel="gateway",
        ref=p.reference[:40],
        entry_key=f"payment:{p.provider}:{p.reference}"[:200],
    )
    p.loan_no = loan.loan_no
    return res.entry.entry_no if res.entry is not None else ""


def _two_lines(
    uow: UnitOfWork,
    kind: str,
    p: Payment,
    amount: Decimal,
    dr: tuple[str, str | None],
    cr: tuple[str, str | None],
    key: str,
    narration: str,
) -> str:
    res = post(
        uow,
        EntryDraft(
            business_date=uow.today(),
            kind=kind,
            narration=narration,
            reference=p.reference,
            idempotency_key=key[:200],
            lines=[
                LineDraft(dr[0], debit=amount, account_no=dr[1], memo=narration[:200]),
                LineDraft(cr[0], credit=amount, account_no=cr[1], memo=narration[:200]),
            ],
        ),
    )
    return res.entry_no


# --- charges ------------------------------------------------------------------------------
def _apply_charge(uow: UnitOfWork, ev: Event) -> str:
    s = uow.session
    p = s.scalar(
        select(Payment).where(Payment.provider == ev.provider, Payment.reference == ev.reference)
    )
    if p is not None and p.status != "requested":
        return f"duplicate: payment {p.id} ({p.status})"
    reason = ""
    if ev.currency != CURRENCY:
        reason = f"currency {ev.currency or '?'} is not {CURRENCY}"
    elif p is not None and p.amount != ev.amount:
        reason = f"amount mismatch: requested {p.amount}, paid {ev.amount}"
    if p is None:
        p = Payment(provider=ev.provider, reference=ev.reference, created_at=clock.utcnow())
        s.add(p)
    wanted = (
        target_of(uow, ev)
        if p.account_no is None and p.loan_no is None
        else ({"loan_no": p.loan_no} if p.loan_no else {"account_no": p.account_no or ""})
    )
    p.tx_id, p.amount, p.currency = ev.tx_id, ev.amount, ev.currency[:3]
    p.paid_on = ev.paid_on or uow.today()
    p.fee = ev.fee
    p.account_no = p.loan_no = None
    p.status, p.reason = "suspense", ""
    s.flush()
    if not reason and not wanted:
        reason = "unknown payer: no account, member or loan in metadata or reference"
    if not reason:
        try:
            with s.begin_nested():
                key = f"payment:{ev.provider}:{ev.reference}"
                if "loan_no" in wanted:
                    p.entry_no = _repay_loan(uow, p, wanted["loan_no"])
                else:
                    acct = (
                        _deposit_account(uow, wanted["account_no"])
                        if "account_no" in wanted
                        else _savings_of(uow, wanted["member_no"])
                    )
                    p.entry_no = _credit_account(uow, p, acct, GL.GATEWAY_CLEARING, key)
                p.status = "applied"
        except (BusinessRuleError, NotFoundError, ValidationError) as exc:
            reason = f"{next(iter(wanted.values()))}: {exc.message}"
            p.account_no = p.loan_no = None
    if reason:
        p.status, p.reason = "suspense", reason[:300]
        if p.currency == CURRENCY:
            p.entry_no = _two_lines(
                uow,
                "gateway_suspense",
                p,
                p.amount,
                (GL.GATEWAY_CLEARING, None),
                (GL.SUSPENSE, None),
                f"payment:{ev.provider}:{ev.reference}",
                f"{p.provider} payment {p.reference} in suspense",
            )
    audit.record(
        uow,
        f"payment.{p.status}",
        "payment",
        str(p.id),
        after={"reference": p.reference, "amount": p.amount, "reason": p.reason},
    )
    return p.status


def _apply_refund(uow: UnitOfWork, ev: Event) -> str:
    p = uow.session.scalar(
        select(Payment).where(Payment.provider == ev.provider, Payment.reference == ev.reference)
    )
    if p is None or p.status == "requested":
        raise BusinessRuleError(f"refund of unknown payment {ev.reference}")
    if p.currency != CURRENCY or not p.entry_no:
        p.reason = f"refunded by the gateway: {ev.amount} {ev.currency}"[:300]
        p.status = "refunded"
        return "refund"
    amount = min(ev.amount, p.amount - p.refunded)
    if amount <= 0:
        return "duplicate: already refunded"
    key = f"refund:{ev.provider}:{ev.event_id}"
    text = f"{p.provider} {ev.event_type} of {p.reference}"
    entry = ""
    if p.status == "applied" and p.account_no:
        try:
            with uow.session.begin_nested():
                entry = _two_lines(
                    uow,
                    "gateway_refund",
                    p,
                    amount,
                    _acct_side(uow, p.account_no),
                    (GL.GATEWAY_CLEARING, None),
                    key,
                    text,
                )
        except BusinessRuleError as exc:
            p.reason = f"refund not taken from {p.account_no}: {exc.message}"[:300]
    elif p.status == "applied" and p.loan_no:
        p.reason = f"refund of a repayment of loan {p.loan_no}: reverse the repayment"[:300]
    if not entry:
        entry = _two_lines(
            uow,
            "gateway_refund",
            p,
            amount,
            (GL.SUSPENSE, None),
            (GL.GATEWAY_CLEARING, None),
            key,
            text,
        )
        if p.reason:
            p.status = "suspense"
    p.refunded += amount
    if p.refunded >= p.amount and p.status != "suspense":
        p.status = "refunded"
    audit.record(
        uow, "payment.refund", "payment", str(p.id), after={"amount": amount, "entry": entry}
    )
    return "refund"


def _acct_side(uow: UnitOfWork, account_no: str) -> tuple[str, str | None]:
    acct = _deposit_account(uow, account_no)
    lock_accounts(uow, [acct.id])
    return acct.gl_account.code, acct.account_no


def process_event(uow: UnitOfWork, ev: PaymentEvent) -> str:
    """Apply one stored event; its status becomes processed, ignored or failed."""
    try:
        event = normalize(ev.provider, parse_body(ev.body.encode("utf-8")))
        if event.kind == "charge" and event.success:
            outcome = _apply_charge(uow, event)
        elif event.kind == "refund" and event.success:
            outcome = _apply_refund(uow, event)
        else:
            outcome = "ignored"
    except (EventError, BusinessRuleError, NotFoundError, ValidationError) as exc:
        ev.status, ev.note = "failed", str(exc)[:300]
        ev.processed_at = clock.utcnow()
        return "failed"
    ev.status = (
        "ignored" if outcome == "ignored" or outcome.startswith("duplicate") else "processed"
    )
    ev.note = outcome[:300]
    ev.processed_at = clock.utcnow()
    return outcome.split(":")[0]


def process(uow: UnitOfWork, *, limit: int | None = None) -> dict[str, int]:
    """Apply every new event of the inbox (each in its own savepoint), then match
    settlements with bank lines. A second run finds nothing new."""
    require(uow.operator, "payments.manage")
    counts = {
        "events": 0,
        "applied": 0,
        "suspense": 0,
        "refund": 0,
        "duplicate": 0,
        "ignored": 0,
        "failed": 0,
    }
    q = select(PaymentEvent).where(PaymentEvent.status == "new").order_by(PaymentEvent.id)
    if limit:
        q = q.limit(limit)
    if uow.dialect == "postgresql":  # a second processor skips what this one holds
        q = q.with_for_update(skip_locked=True)
    for ev in uow.session.scalars(q).all():
        counts["events"] += 1
        outcome = process_event(uow, ev)
        counts[outcome] = counts.get(outcome, 0) + 1
    uow.session.flush()
    from coopctl.payments.settle import match_settlements

    counts["settled"] = match_settlements(uow)
    if counts["events"] == 0 and counts["settled"] == 0:
        uow.note("nothing new in the payments inbox")
    return counts


# --- review and assignment ----------------------------------------------------------------
def as_dict(p: Payment) -> dict[str, Any]:
    return {
        "id": p.id,
        "provider": p.provider,
        "reference": p.reference,
        "amount": p.amount,
        "currency": p.currency,
        "status": p.status,
        "account_no": p.account_no or "",
        "loan_no": p.loan_no or "",
        "paid_on": p.paid_on,
        "refunded": p.refunded,
        "entry_no": p.entry_no,
        "reason": p.reason,
    }


def list_payments(
    uow: UnitOfWork, *, review: bool = False, limit: int | None = None
) -> list[dict[str, Any]]:
    require(uow.operator, "payments.manage")
    q = select(Payment).order_by(Payment.id)
    if review:
        q = q.where(Payment.status.in_(REVIEW))
    if limit:
        q = q.limit(limit)
    return [as_dict(p) for p in uow.session.scalars(q)]


def get_payment(uow: UnitOfWork, payment_id: int) -> Payment:
    p = uow.session.get(Payment, payment_id)
    if p is None:
        raise NotFoundError(f"payment {payment_id} not found")
    return p


def assign(uow: UnitOfWork, payment_id: int, account_no: str) -> dict[str, Any]:
    """Move a payment out of suspense onto a member's deposit account: at once when
    ``[approvals.payment_assignment]`` asks no checker, else as a pending action."""
    from coopctl.approvals import service as engine

    require(uow.operator, "payments.manage")
    p = get_payment(uow, payment_id)
    if p.status != "suspense" or not p.entry_no or p.currency != CURRENCY:
        raise PaymentStateError(
            f"payment {p.id} is {p.status} ({p.currency}); only NGN payments in suspense "
            "can be assigned"
        )
    acct = _deposit_account(uow, account_no.strip().upper())
    rule = engine.rule_for(uow, KIND, p.amount)
    if rule is None:
        _do_assign(uow, p, acct.account_no)
        return {**as_dict(p), "approval": ""}
    action = engine.submit(
        uow,
        kind=KIND,
        subject=f"PAY{p.id}",
        payload={"payment_id": p.id, "account_no": acct.account_no},
        amount=p.amount,
        rule=rule,
    )
    p.status = "assigning"
    audit.record(
        uow,
        "payment.assign_requested",
        "payment",
        str(p.id),
        after={"account_no": acct.account_no, "action": action.action_no},
    )
    return {**as_dict(p), "approval": action.action_no}


def _do_assign(uow: UnitOfWork, p: Payment, account_no: str) -> str:
    acct = _deposit_account(uow, account_no)
    entry = _credit_account(uow, p, acct, GL.SUSPENSE, f"payment-assign:{p.id}")
    p.status, p.entry_no, p.reason = "applied", entry, ""
    audit.record(
        uow,
        "payment.assigned",
        "payment",
        str(p.id),
        after={"account_no": account_no, "entry": entry},
    )
    return entry


def _apply_action(uow: UnitOfWork, action: Any) -> str:
    import json

    data = json.loads(action.payload)
    p = get_payment(uow, int(data["payment_id"]))
    if p.status != "assigning":
        raise PaymentStateError(f"payment {p.id} is {p.status}, not waiting for assignment")
    return _do_assign(uow, p, str(data["account_no"]))


def _end_action(uow: UnitOfWork, action: Any) -> None:
    import json

    p = uow.session.get(Payment, int(json.loads(action.payload)["payment_id"]))
    if p is not None and p.status == "assigning":
        p.status = "suspense"


def register_kinds() -> None:
    from coopctl.approvals.registry import register

    register(
        KIND,
        apply=_apply_action,
        end=_end_action,
        permission="payments.manage",
        title="payment assignments",
    )
