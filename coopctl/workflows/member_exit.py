"""Member exit: offset loans against savings and shares, refund the rest, close every
account and mark the member exited — in one transaction, one journal entry.

Maker-checker (config ``approvals.member_exit``, on by default): ``members exit``
stores a pending request (``X…`` number) with the settlement it computed and moves
nothing; a different manager or admin runs ``members exit-approve REQUEST_ID``,
which recomputes the settlement from the balances of that moment and executes it
(or ``members exit-reject REQUEST_ID --reason R``). While a request is pending no
withdrawal or transfer leaves the member's accounts.

The refund goes to the chosen channel: cash on hand (``--cash``), a bank account's
GL (``--to-account-bank CODE``) or, by default, Members' refunds payable (GL 2260)
to be paid later. Fixed deposits closed before maturity pay the early-withdrawal
penalty (to fee income, GL 4200), as a withdrawal would, and release their accrued
interest back to interest expense (no interest is paid on a deposit an exit breaks).

Loans are offset by the loans context directly (:mod:`coopctl.loans.shared`): each
open loan is settled inside the exit entry, whose debits are the member's deposit
accounts. A member whose loans exceed their savings and shares, or whose accounts
carry holds (e.g. guarantees) or pending entries, cannot exit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from coopctl.core import audit, clock, ids, sequences
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import InvalidStateError, NotFoundError, ValidationError
from coopctl.core.money import ZERO, round_money
from coopctl.core.money import fmt as money_fmt
from coopctl.core.security import require
from coopctl.deposits.accounts_lookup import DEPOSIT_KINDS, lock_member
from coopctl.deposits.channels import channel_gl
from coopctl.deposits.errors import ExitBlockedError
from coopctl.deposits.holds import active_holds
from coopctl.deposits.membership import get_member, require_not_exited, set_exited
from coopctl.deposits.models import DepositAccount, ExitRequest
from coopctl.ledger.coa import GL
from coopctl.ledger.models import Account
from coopctl.ledger.models import JournalEntry as JournalEntryModel
from coopctl.ledger.posting import lock_accounts, post
from coopctl.ledger.rules import EntryDraft, LineDraft
from coopctl.loans import shared as shared_loans
from coopctl.members.models import Member

if TYPE_CHECKING:
    from coopctl.approvals.models import PendingAction
    from coopctl.ledger.models import JournalEntry

REQUEST_PREFIX = "X"
EXIT_KIND = "member_exit"


@dataclass
class AccountPayout:
    account: Account
    balance: Decimal
    penalty: Decimal = ZERO


@dataclass
class Settlement:
    member: Member
    on: date
    channel: str  # cash | bank | payable
    bank_code: str | None
    accounts: list[AccountPayout] = field(default_factory=list)
    loans: list[tuple[str, Decimal]] = field(default_factory=list)  # loan_no, amount

    @property
    def total_deposits(self) -> Decimal:
        return sum((a.balance for a in self.accounts), ZERO)

    @property
    def penalties(self) -> Decimal:
        return sum((a.penalty for a in self.accounts), ZERO)

    @property
    def loans_offset(self) -> Decimal:
        return sum((amt for _, amt in self.loans), ZERO)

    @property
    def refund(self) -> Decimal:
        return self.total_deposits - self.penalties - self.loans_offset

    def as_dict(self) -> dict[str, Any]:
        return {
            "member_no": self.member.member_no,
            "date": self.on,
            "accounts": [
                {
                    "account_no": a.account.account_no,
                    "product": a.account.product_code,
                    "type": a.account.kind,
                    "balance": a.balance,
                    "penalty": a.penalty,
                }
                for a in self.accounts
            ],
            "loans": [{"loan_no": n, "amount": amt} for n, amt in self.loans],
            "total_deposits": self.total_deposits,
            "penalties": self.penalties,
            "loans_offset": self.loans_offset,
            "refund": self.refund,
            "channel": self.channel,
            "bank": self.bank_code,
        }


def _channel(cash: bool, bank: str | None) -> tuple[str, str | None]:
    if cash and bank:
        raise ValidationError("--cash and --to-account-bank: choose one")
    if cash:
        return "cash", None
    if bank:
        return "bank", bank.strip().upper()
    return "payable", None


def compute_settlement(
    uow: UnitOfWork, member: Member, channel: str, bank_code: str | None, on: date
) -> Settlement:
    """What the member's exit would do now (raises ExitBlockedError when it cannot)."""
    s = Settlement(member, on, channel, bank_code)
    ids_ = list(
        uow.session.scalars(
            select(Account.id).where(Account.member_id == member.id, Account.status != "closed")
        )
    )
    locked = lock_accounts(uow, ids_)  # fresh balances, held until the transaction ends
    accounts = [locked[i] for i in sorted(locked)]
    from coopctl.deposits.accounts import pending_entries

    others = [a for a in accounts if a.kind not in DEPOSIT_KINDS]
    for acct in accounts:
        if pending_entries(uow, acct):
            raise ExitBlockedError(f"account {acct.account_no} has entries awaiting approval")
        if acct.kind not in DEPOSIT_KINDS:
            continue
        if active_holds(uow, acct):
            raise ExitBlockedError(
                f"account {acct.account_no} carries holds (e.g. a guarantee); release them first"
            )
        penalty = ZERO
        details = uow.session.get(DepositAccount, acct.id)
        if (
            acct.kind == "fixed_deposit"
            and details is not None
            and details.maturity_date is not None
            and on < details.maturity_date
        ):
            penalty = round_money(acct.balance * details.product.early_withdrawal_penalty / 100)
        s.accounts.append(AccountPayout(acct, acct.balance, penalty))
    s.loans.extend(shared_loans.member_outstanding(uow, member.id, on))
    if not s.loans and any(a.balance != 0 for a in others):
        raise ExitBlockedError(
            f"member {member.member_no} has open loan accounts that no loan settles"
        )
    if s.refund < 0:
        raise ExitBlockedError(
            f"member {member.member_no}: loans {s.loans_offset:,.2f} exceed savings and shares "
            f"{s.total_deposits - s.penalties:,.2f}; {-s.refund:,.2f} must be repaid first"
        )
    if channel == "bank" and bank_code:
        channel_gl(uow, bank_code)  # the bank must exist and be active
    return s


def _execute(uow: UnitOfWork, s: Settlement, ref: str) -> JournalEntry | None:
    """Post the settlement, close the accounts, mark the member exited."""
    locked = lock_accounts(uow, [a.account.id for a in s.accounts])
    lines: list[LineDraft] = []
    for a in s.accounts:
        acct = locked[a.account.id]
        acct.floor = ZERO
        if a.balance > 0:
            lines.append(
                LineDraft(
                    acct.gl_account.code,
                    debit=a.balance,
                    account_no=acct.account_no,
                    memo="member exit",
                )
            )
    if s.penalties > 0:
        lines.append(LineDraft(GL.FEE_INCOME, credit=s.penalties, memo="early withdrawal penalty"))
    from coopctl.deposits.fixed_deposits import record_interest, release_lines

    released = []
    for a in s.accounts:
        fd_lines, amount = release_lines(uow, locked[a.account.id])
        lines.extend(fd_lines)
        if amount:
            released.append((locked[a.account.id], amount))
    loan_parts = [
        shared_loans.book(uow, loan_no, amount, s.on, ref, channel="exit")
        for loan_no, amount in s.loans
    ]
    for part in loan_parts:
        lines.extend(part.lines)
    if s.refund > 0:
        gl = {"cash": GL.CASH, "payable": GL.REFUNDS_PAYABLE}.get(s.channel) or channel_gl(
            uow, s.bank_code
        )
        lines.append(LineDraft(gl, credit=s.refund, memo=f"exit refund {s.member.member_no}"))
    entry = None
    if lines:
        entry = post(
            uow,
            EntryDraft(
                business_date=s.on,
                kind="member_exit",
                narration=f"Exit settlement of member {s.member.member_no}",
                reference=ref,
                idempotency_key=f"member_exit:{ref}",
                lines=lines,
            ),
        ).entry
        shared_loans.attach(uow, loan_parts, entry)
        for fd, amount in released:
            record_interest(uow, fd, entry, "adjustment", -amount)
    for a in s.accounts:
        acct = locked[a.account.id]
        if acct.balance != 0:  # pragma: no cover - the entry emptied it
            raise ExitBlockedError(f"account {acct.account_no} still holds {acct.balance:,.2f}")
        acct.status = "closed"
        acct.closed_on = s.on
    uow.session.flush()
    set_exited(uow, s.member)
    return entry


def _find_pending(uow: UnitOfWork, member: Member) -> ExitRequest | None:
    return uow.session.scalars(
        select(ExitRequest).where(
            ExitRequest.member_id == member.id, ExitRequest.status == "pending"
        )
    ).first()


def request_exit(
    uow: UnitOfWork,
    member_no: str,
    *,
    cash: bool = False,
    bank: str | None = None,
    on: date | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Start (or, without maker-checker, perform) a member's exit; see the module doc."""
    require(uow.operator, "members.exit")
    channel, bank_code = _channel(cash, bank)
    member = get_member(uow, member_no)
    require_not_exited(member)
    lock_member(uow, member)
    waiting = _find_pending(uow, member)
    if waiting is not None:
        raise InvalidStateError(
            f"member {member.member_no} already has exit request {waiting.request_no} pending"
        )
    on = on or uow.today()
    s = compute_settlement(uow, member, channel, bank_code, on)
    if dry_run:
        return dict(s.as_dict(), status="preview", request_id=None, entry_no=None)
    from coopctl.approvals import service as engine

    rule = engine.rule_for(uow, EXIT_KIND, s.total_deposits + s.loans_offset)
    req = ExitRequest(
        request_no=sequences.next_number(uow, "exit_request", REQUEST_PREFIX),
        member_id=member.id,
        status="pending",
        channel=channel,
        bank_code=bank_code,
        business_date=on,
        settlement=json.dumps(s.as_dict(), sort_keys=True, default=_plain),
        refund=s.refund,
        loans_offset=s.loans_offset,
        maker=uow.username,
        created_at=clock.utcnow(),
    )
    uow.session.add(req)
    uow.session.flush()
    audit.record(
        uow,
        "member.exit_request",
        "member",
        member.member_no,
        after={"request": req.request_no, "refund": s.refund, "channel": channel},
    )
    if rule is not None:
        engine.submit(
            uow,
            kind=EXIT_KIND,
            subject=req.request_no,
            payload={"request_no": req.request_no, "member_no": member.member_no},
            amount=s.total_deposits + s.loans_offset,
            rule=rule,
            on=on,
            note=f"exit {req.request_no} of {member.member_no} awaits approval by another manager",
        )
        return dict(s.as_dict(), status="pending", request_id=req.request_no, entry_no=None)
    return _finish(uow, req, s)


def _finish(uow: UnitOfWork, req: ExitRequest, s: Settlement) -> dict[str, Any]:
    entry = _execute(uow, s, req.request_no)
    req.status = "executed"
    req.entry_id = entry.id if entry is not None else None
    req.refund = s.refund
    req.loans_offset = s.loans_offset
    req.decided_at = clock.utcnow()
    uow.session.flush()
    audit.record(
        uow,
        "member.exit",
        "member",
        s.member.member_no,
        after={
            "request": req.request_no,
            "refund": s.refund,
            "loans_offset": s.loans_offset,
            "entry": entry.entry_no if entry else None,
        },
    )
    return dict(
        s.as_dict(),
        status="exited",
        request_id=req.request_no,
        entry_no=entry.entry_no if entry else None,
    )


def get_request(uow: UnitOfWork, request_id: str) -> ExitRequest:
    n = ids.check(request_id, REQUEST_PREFIX, field="REQUEST_ID")
    req = uow.session.scalars(select(ExitRequest).where(ExitRequest.request_no == n)).first()
    if req is None:
        raise NotFoundError(f"exit request {n} not found")
    return req


# --- maker-checker: the approvals engine's kind ``member_exit`` ------------------------------
def _apply_exit(uow: UnitOfWork, action: PendingAction) -> str:
    """Execute an approved exit with the settlement recomputed from this moment's balances."""
    req = get_request(uow, action.subject)
    if req.status != "pending":
        raise InvalidStateError(f"exit request {req.request_no} is {req.status}, not pending")
    member = uow.session.get(Member, req.member_id)
    assert member is not None
    lock_member(uow, member)
    require_not_exited(member)
    s = compute_settlement(uow, member, req.channel, req.bank_code, uow.today())
    before = json.loads(req.settlement)
    if Decimal(before["refund"]) != s.refund:
        uow.note(
            f"balances changed since the request: refund now {s.refund:,.2f} "
            f"(was {Decimal(before['refund']):,.2f})"
        )
    req.checker = uow.username
    req.settlement = json.dumps(s.as_dict(), sort_keys=True, default=_plain)
    _finish(uow, req, s)
    return req.request_no


def _end_exit(uow: UnitOfWork, action: PendingAction) -> None:
    req = get_request(uow, action.subject)
    if req.status != "pending":
        return
    reason = action.reason or ""
    req.status = "rejected"
    req.checker = uow.username
    req.reason = reason
    req.decided_at = clock.utcnow()
    uow.session.flush()
    member = uow.session.get(Member, req.member_id)
    assert member is not None
    audit.record(
        uow,
        "member.exit_reject",
        "member",
        member.member_no,
        after={"request": req.request_no, "reason": reason},
    )


def register_kinds() -> None:
    from coopctl.approvals.registry import register

    register(
        EXIT_KIND, apply=_apply_exit, end=_end_exit, permission="members.exit", title="member exit"
    )


def _exit_action(uow: UnitOfWork, request_id: str) -> PendingAction:
    from coopctl.approvals import service as engine

    req = get_request(uow, request_id)
    if req.status != "pending":
        raise InvalidStateError(f"exit request {req.request_no} is {req.status}, not pending")
    action = engine.find_pending(uow, EXIT_KIND, req.request_no)
    if action is None:
        raise InvalidStateError(f"exit request {req.request_no} has no pending approval")
    return action


def _exit_result(uow: UnitOfWork, action: PendingAction) -> dict[str, Any]:
    req = get_request(uow, action.subject)
    entry = uow.session.get(JournalEntryModel, req.entry_id) if req.entry_id else None
    status = {"executed": "exited"}.get(req.status, req.status)
    return dict(
        json.loads(req.settlement),
        status=status,
        request_id=req.request_no,
        entry_no=entry.entry_no if entry else None,
    )


def approve_exit(
    uow: UnitOfWork, request_id: str, *, otp: str | None = None, comment: str = ""
) -> tuple[dict[str, Any], PendingAction]:
    """Shortcut onto ``approvals approve`` for an exit request; the last level executes it."""
    from coopctl.approvals import service as engine

    action = _exit_action(uow, request_id)
    engine.approve(uow, action.id, otp=otp, comment=comment)
    return _exit_result(uow, action), action


def reject_exit(uow: UnitOfWork, request_id: str, reason: str) -> dict[str, Any]:
    from coopctl.approvals import service as engine

    if not reason.strip():
        raise ValidationError("--reason: must not be empty")
    action = _exit_action(uow, request_id)
    engine.reject(uow, action.id, reason)
    return _exit_result(uow, action)


def _plain(v: Any) -> str:
    """JSON for the stored settlement: amounts with two decimals, dates ISO (the record
    is data, not output, so no renderer is involved)."""
    if isinstance(v, Decimal):
        return money_fmt(v)
    if isinstance(v, date):
        return v.isoformat()
    raise TypeError(f"cannot store {type(v).__name__} in a settlement")
