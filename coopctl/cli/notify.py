"""``coopctl notify list | send | test | prefs``."""

from __future__ import annotations

from typing import Annotated

import click
import typer

from coopctl.cli.common import FormatOpt, app_context, emit, message, new_app, uow

app = new_app(
    "Notifications outbox: list, send, test.\n\nExample:\n\n    coopctl notify list --status failed"
)


@app.command("list")
def list_cmd(
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="queued, sent, failed or suppressed.",
            click_type=click.Choice(["queued", "sent", "failed", "suppressed"]),
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most N rows.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every row.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Messages in the outbox, newest first (phone numbers masked).

    Example:

        coopctl notify list --status queued --format json
    """
    from coopctl.notify.service import list_messages

    if limit is None and not all_ and fmt == "table":
        limit = 200
    with uow("jobs.view") as u:
        rows = list_messages(u, status, limit)
    emit(
        rows,
        fmt,
        columns=[
            "id",
            "channel",
            "recipient",
            "template",
            "status",
            "attempts",
            "created",
            "sent",
            "error",
        ],
    )


@app.command("send")
def send(
    limit: Annotated[
        int | None, typer.Option("--limit", help="At most N messages (capped).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Send queued messages now (the nightly notify.dispatch step does the same).

    Example:

        coopctl notify send
    """
    from coopctl.core.security import require
    from coopctl.notify.service import dispatch

    ctx = app_context()
    with ctx.uow() as u:
        require(u.operator, "jobs.run")
    out = dispatch(ctx, limit=limit)
    emit(out, fmt)
    message(
        f"sent {out['sent']}, will retry {out['retry']}, failed {out['failed']}, "
        f"queued {out['left']}"
    )


@app.command("test")
def test(
    address: Annotated[str, typer.Argument(help="E-mail address to send a test message to.")],
) -> None:
    """Send one test e-mail straight away with the [notify] SMTP settings (not queued).

    Example:

        coopctl notify test treasurer@example.org
    """
    from coopctl.core.errors import BusinessRuleError, ValidationError
    from coopctl.core.security import require
    from coopctl.notify.outbox import _coop_name
    from coopctl.notify.sender import Sender, SendError
    from coopctl.notify.templates import render

    if "@" not in address or any(c in address for c in "\r\n <>,") or len(address) > 254:
        raise ValidationError(f"ADDRESS: {address!r} is not an e-mail address")
    ctx = app_context()
    with ctx.uow() as u:
        require(u.operator, "jobs.run")
        subject, body = render(
            "test", {"coop_name": _coop_name(u)}, str(u.settings["notify"]["templates_dir"])
        )
    sender = Sender(ctx.settings)
    try:
        sender.email(address, subject, body)
    except SendError as exc:
        raise BusinessRuleError(f"test message not sent: {exc}") from None
    finally:
        sender.close()
    message(f"test message sent to {address}")


@app.command("prefs")
def prefs(
    member_no: Annotated[str, typer.Argument(help="MEMBER_NO.")],
    email: Annotated[bool, typer.Option("--email/--no-email", help="Notices by e-mail.")] = True,
    sms: Annotated[bool, typer.Option("--sms/--no-sms", help="Notices by SMS.")] = False,
    opt_out: Annotated[
        bool, typer.Option("--opt-out/--opt-in", help="No member notices at all.")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Set a member's notification channels, or opt them out.

    Example:

        coopctl notify prefs M00000021 --sms --no-email
    """
    from sqlalchemy import select

    from coopctl.core import audit
    from coopctl.core.errors import NotFoundError
    from coopctl.members.models import Member
    from coopctl.notify.outbox import set_preference

    with uow("members.manage") as u:
        m = u.session.scalars(select(Member).where(Member.member_no == member_no)).first()
        if m is None:
            raise NotFoundError(f"member {member_no} not found")
        set_preference(u, m.id, email=email, sms=sms, opted_out=opt_out)
        audit.record(
            u,
            "notify.prefs",
            "member",
            member_no,
            after={"email": email, "sms": sms, "opted_out": opt_out},
        )
        u.commit()
    emit({"member_no": member_no, "email": email, "sms": sms, "opted_out": opt_out}, fmt)
