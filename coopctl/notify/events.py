"""Member and staff notices queued in the same transaction as their event.

The loan committee's last approval, a disbursement, a teller deposit and a new
pending approval call these functions inside the unit of work that records the
event, so the notice is queued if, and only if, the event commits. Each notice
has a dedupe key (``approved:{loan}``, ``disbursed:{loan}``, ``receipt:{entry}``,
``approval:{action}``); the nightly ``notify.events`` step scans the day with the
same keys as a safety net, so a notice is never queued twice.

The month-end ``notify.statements`` step writes each member's statement for the
month (one CSV with every deposit account) under ``<data dir>/statements/YYYY-MM/``
and queues it as an attachment (key ``statement:{YYYY-MM}:{member}``).
"""

from __future__ import annotations

import csv
import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from coopctl.core import money
from coopctl.core.db import UnitOfWork
from coopctl.notify.outbox import member_channels, notify_member, notify_staff


def loan_approved(uow: UnitOfWork, loan: Any, on: date) -> int:
    return notify_member(
        uow,
        _member(uow, loan.member_id),
        "loan_approved",
        f"approved:{loan.loan_no}",
        {"loan_no": loan.loan_no, "amount": money.fmt_human(loan.principal), "date": on},
    )


def loan_disbursed(uow: UnitOfWork, loan: Any, on: date) -> int:
    return notify_member(
        uow,
        _member(uow, loan.member_id),
        "loan_disbursed",
        f"disbursed:{loan.loan_no}",
        {"loan_no": loan.loan_no, "amount": money.fmt_human(loan.principal), "date": on},
    )


def deposit_received(
    uow: UnitOfWork, member: Any, account_no: str, amount: Decimal, entry_id: int, on: date
) -> int:
    from coopctl.ledger.models import entry_no_of

    ctx = {
        "amount": money.fmt_human(amount),
        "account_no": account_no,
        "date": on,
        "entry_no": entry_no_of(entry_id),
    }
    return notify_member(uow, member, "deposit_receipt", f"receipt:{entry_id}", ctx)


def approval_waiting(uow: UnitOfWork, action: Any) -> int:
    ctx = {
        "kind": action.kind,
        "subject": action.subject,
        "amount": money.fmt_human(action.amount) if action.amount is not None else "",
        "maker": action.maker,
    }
    return notify_staff(uow, "approval_waiting", f"approval:{action.id}", ctx)


def _member(uow: UnitOfWork, member_id: int) -> Any:
    from coopctl.members.models import Member

    member = uow.session.get(Member, member_id)
    assert member is not None
    return member


# --- monthly statements -------------------------------------------------------------------
def monthly_statement(uow: UnitOfWork, member: Any, start: date, end: date, folder: Path) -> int:
    """Write ``member``'s statement of ``start``..``end`` and queue it on their channels
    (e-mail carries the file; 0 when the member receives no notices or has no account)."""
    from sqlalchemy import select

    from coopctl.deposits.statements import opening_balance, statement_lines
    from coopctl.ledger.models import Account

    if not member_channels(uow, member):
        return 0
    accounts = uow.session.scalars(
        select(Account).where(Account.member_id == member.id).order_by(Account.account_no)
    ).all()
    if not accounts:
        return 0
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{member.member_no}.csv"
    tmp = path.with_suffix(".csv.part")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["account_no", "date", "entry_no", "narration", "debit", "credit", "balance"])
        for acct in accounts:
            opening = opening_balance(uow, acct, start)
            w.writerow([acct.account_no, start, "", "Opening balance", "", "", money.fmt(opening)])
            for ln in statement_lines(uow, acct, start, end, opening):
                w.writerow(
                    [
                        acct.account_no,
                        ln["date"],
                        ln["entry_no"],
                        ln["narration"],
                        money.fmt(ln["debit"]),
                        money.fmt(ln["credit"]),
                        money.fmt(ln["balance"]),
                    ]
                )
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    import json

    month = f"{start:%Y-%m}"
    n = 0
    for channel, recipient in member_channels(uow, member):
        from coopctl.notify.outbox import enqueue

        n += enqueue(
            uow,
            channel,
            recipient,
            "monthly_statement",
            f"statement:{month}:{member.member_no}:{channel}",
            {"first_name": member.first_name, "member_no": member.member_no, "month": month},
            member_id=member.id,
            attachments=json.dumps([str(path)]) if channel == "email" else None,
        )
    return n
