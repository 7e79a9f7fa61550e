"""``coopctl postings …``: manual journals, listing, approvals, reversals.

Teller postings (deposit, withdraw, transfer) are added by ``coopctl.cli.teller``, the
payroll check-off import by ``coopctl.cli.checkoff``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from coopctl.cli.common import (
    FormatOpt,
    OtpOpt,
    business_date,
    emit,
    message,
    new_app,
    parse_date_opt,
    uow,
)
from coopctl.cli.entry_view import show_entry

app = new_app(
    "Journal entries, teller postings, approvals.\n\nExample:\n\n"
    "    coopctl postings list --status pending"
)


def parse_line(spec: str) -> object:
    """``GL_CODE:DR|CR:AMOUNT`` (optionally ``:ACCOUNT_NO``) → LineDraft."""
    from coopctl.core import money
    from coopctl.core.errors import ValidationError
    from coopctl.ledger.rules import LineDraft

    parts = spec.split(":")
    if len(parts) not in (3, 4):
        raise ValidationError(f"--line {spec!r}: expected GL_CODE:DR|CR:AMOUNT")
    code, side, amount = parts[0].strip(), parts[1].strip().upper(), parts[2]
    if side not in ("DR", "CR"):
        raise ValidationError(f"--line {spec!r}: side must be DR or CR")
    amt = money.parse(amount, field=f"--line {spec!r} amount")
    acct = parts[3].strip() if len(parts) == 4 else None
    if side == "DR":
        return LineDraft(code, debit=amt, account_no=acct)
    return LineDraft(code, credit=amt, account_no=acct)


@app.command("journal")
def journal(
    line: Annotated[list[str], typer.Option("--line", help="GL_CODE:DR|CR:AMOUNT (repeat).")],
    date: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default today).")] = None,
    narration: Annotated[str, typer.Option("--narration", help="What this is for.")] = "",
    ref: Annotated[str, typer.Option("--ref", help="External reference.")] = "",
    key: Annotated[str | None, typer.Option("--key", help="Idempotency key.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Post a manual journal (pending for a checker from the configured threshold).

    Example:

        coopctl postings journal --line 5500:DR:25000 --line 1110:CR:25000 --narration "Stationery"
    """
    from coopctl.ledger.posting import post
    from coopctl.ledger.rules import EntryDraft

    lines = [parse_line(s) for s in line]
    d = business_date(date)
    with uow("ledger.journal") as u:
        res = post(
            u,
            EntryDraft(
                business_date=d,
                kind="manual_journal",
                lines=lines,  # type: ignore[arg-type]
                narration=narration,
                reference=ref,
                idempotency_key=key,
                approval_kind="manual_journal",
                manual=True,
            ),
        )
        u.commit()
        if res.pending:
            message(f"{res.entry_no} is pending approval by a second operator")
        show_entry(res.entry, fmt, created=res.created)


@app.command("list")
def list_(
    status: Annotated[
        str | None, typer.Option("--status", help="posted|pending|rejected|reversed")
    ] = None,
    account: Annotated[str | None, typer.Option("--account", help="Member account number.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD")] = None,
    to: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="e.g. manual_journal")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """List journal entries, newest first.

    Example:

        coopctl postings list --status pending --format json
    """
    from coopctl.ledger.queries import list_entries

    with uow("ledger.view") as u:
        rows = list_entries(
            u,
            status=status,
            account_no=account,
            start=parse_date_opt(from_, "--from"),
            end=parse_date_opt(to, "--to"),
            kind=kind,
            limit=None,
        )
        emit(
            rows,
            fmt,
            columns=None
            if fmt == "json"
            else ["entry_no", "date", "status", "kind", "total", "reference", "narration", "maker"],
        )


@app.command("show")
def show(entry_no: str, fmt: FormatOpt = "table") -> None:
    """Show one entry with its lines.

    Example:

        coopctl postings show JE00000042 --format json
    """
    from coopctl.ledger.approvals import get_entry

    with uow("ledger.view") as u:
        show_entry(get_entry(u, entry_no), fmt)


@app.command("approve")
def approve(
    entry_no: str,
    otp: OtpOpt = None,
    comment: Annotated[str, typer.Option("--comment", help="Note kept with the decision.")] = "",
    fmt: FormatOpt = "table",
) -> None:
    """Approve a pending entry (a different operator from its maker).

    A shortcut onto `approvals approve` for the entry's approval: the last level
    posts it; when the business rules no longer hold (funds gone, period closed)
    the approval is recorded failed and the command exits 5.

    Example:

        coopctl postings approve JE00000042 --otp 123456
    """
    from coopctl.approvals.errors import ApprovalFailedError
    from coopctl.ledger import approvals

    with uow("postings.approve") as u:
        entry = approvals.approve(u, entry_no, otp=otp, comment=comment)
        u.commit()
        if entry.status == "rejected":
            raise ApprovalFailedError(
                f"entry {entry.entry_no} could not be posted and is recorded "
                f"failed: {(entry.reason or '').removeprefix('failed: ')}"
            )
        show_entry(entry, fmt)


@app.command("reject")
def reject(
    entry_no: str,
    reason: Annotated[str, typer.Option("--reason", help="Why (audited).")],
    fmt: FormatOpt = "table",
) -> None:
    """Reject a pending entry; it never moves a balance.

    Example:

        coopctl postings reject JE00000042 --reason "wrong account"
    """
    from coopctl.ledger import approvals

    with uow("postings.approve") as u:
        entry = approvals.reject(u, entry_no, reason)
        u.commit()
        show_entry(entry, fmt)


@app.command("expire")
def expire(
    date: Annotated[
        str | None, typer.Option("--date", help="Business date (default today).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """End pending entries whose approval window ran out ([approvals.*] expire_days).

    Expired entries become rejected ("expired"), move nothing and are audited;
    the nightly job runs this.

    Example:

        coopctl postings expire --date 2026-11-30
    """
    from coopctl.ledger import approvals

    d = business_date(date)
    with uow("postings.expire") as u:
        expired = approvals.expire_pending(u, d)
        u.commit()
        rows = [
            {
                "entry_no": e.entry_no,
                "date": e.business_date,
                "kind": e.kind,
                "total": e.total,
                "maker": e.maker,
                "reason": e.reason,
            }
            for e in expired
        ]
    message(f"{len(rows)} pending entr{'y' if len(rows) == 1 else 'ies'} expired")
    emit(rows, fmt, columns=["entry_no", "date", "kind", "total", "maker", "reason"])


@app.command("reverse")
def reverse(
    entry_no: str,
    reason: Annotated[str, typer.Option("--reason", help="Why (audited).")],
    same_date: Annotated[
        bool, typer.Option("--same-date", help="Date the reversal as the original (open period).")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Reverse a posted entry with a linked contra entry (maker-checker by default).

    Example:

        coopctl postings reverse JE00000042 --reason "duplicate deposit"
    """
    from coopctl.ledger import approvals

    with uow("postings.reverse") as u:
        res = approvals.reverse(u, entry_no, reason, same_date=same_date)
        u.commit()
        if res.pending:
            message(f"reversal {res.entry_no} is pending approval by a second operator")
        show_entry(res.entry, fmt)


def _register_teller() -> None:
    """Teller postings (``coopctl.cli.teller``), then the check-off import
    (``coopctl.cli.checkoff``)."""
    from coopctl.cli import checkoff, teller

    teller.register(app)
    checkoff.register(app)


_register_teller()
