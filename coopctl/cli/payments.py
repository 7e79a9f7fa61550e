"""``coopctl payments serve | process | list | show | assign | import | report | request
| verify``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import click
import typer

from coopctl.cli.common import FormatOpt, app_context, emit, message, new_app, uow

app = new_app(
    "Gateway payments (Paystack, Flutterwave): webhook receiver, processing, review, "
    "settlements.\n\nExample:\n\n    coopctl payments serve --port 8085"
)

COLUMNS = ["id", "provider", "reference", "amount", "currency", "status", "account_no"]
ProviderOpt = Annotated[
    str,
    typer.Option(
        "--provider",
        help="paystack or flutterwave.",
        click_type=click.Choice(["paystack", "flutterwave"]),
    ),
]


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind (loopback).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8085,
) -> None:
    """Receive signed webhooks (POST /webhooks/paystack, /webhooks/flutterwave; GET
    /healthz) into the inbox; a worker applies them after each receipt. Run it behind
    a TLS reverse proxy (docs/payments.md). Secrets come from
    $COOPCTL_PAYSTACK_SECRET_KEY and $COOPCTL_FLUTTERWAVE_SECRET_HASH (or [payments]).

    Example:

        coopctl payments serve --host 127.0.0.1 --port 8085
    """
    import logging
    import socket

    from coopctl.core.errors import ValidationError
    from coopctl.payments.inbox import secret
    from coopctl.payments.server import make_server

    ctx = app_context()
    with uow("payments.manage") as u:
        operator = str(u.operator.username)
    try:  # a clear error for an address this machine cannot bind, before anything starts
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ValidationError(f"--host: cannot use {host!r}: {exc}") from None
    for name in ("paystack", "flutterwave"):
        if not secret(ctx.settings, name):
            message(f"warning: no {name} secret is set: its webhooks will get 401")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    server, worker = make_server(ctx, host, port, operator=operator)
    if worker is not None:
        worker.start()
        worker.wake.set()
    message(f"payments receiver on http://{host}:{port}")
    try:
        server.run()
    finally:
        if worker is not None:
            worker.stopping.set()
            worker.wake.set()


@app.command("process")
def process_cmd(fmt: FormatOpt = "table") -> None:
    """Apply the inbox: credit members, put the rest in suspense, post refunds, match
    settlements with bank lines. A second run changes nothing.

    Example:

        coopctl payments process
    """
    from coopctl.payments.service import process

    with uow("payments.manage") as u:
        out = process(u)
        u.commit()
    emit(out, fmt)


@app.command("list")
def list_cmd(
    review: Annotated[
        bool, typer.Option("--review", help="Only payments in suspense (to assign).")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Payments received, or the review list of those in suspense.

    Example:

        coopctl payments list --review --format json
    """
    from coopctl.payments.service import list_payments

    with uow("payments.manage") as u:
        rows = list_payments(u, review=review)
    emit(rows, fmt, columns=[*COLUMNS, "reason"] if review else COLUMNS)


@app.command("show")
def show(
    payment_id: Annotated[int, typer.Argument(metavar="ID", help="Payment id.")],
    fmt: FormatOpt = "table",
) -> None:
    """One payment.

    Example:

        coopctl payments show 12
    """
    from coopctl.payments.service import as_dict, get_payment

    with uow("payments.manage") as u:
        out = as_dict(get_payment(u, payment_id))
    emit(out, fmt)


@app.command("assign")
def assign_cmd(
    payment_id: Annotated[int, typer.Argument(metavar="ID", help="Payment id (in suspense).")],
    account: Annotated[str, typer.Option("--account", help="Member's deposit account.")],
    fmt: FormatOpt = "table",
) -> None:
    """Move a payment out of suspense onto a member's account, through the approvals
    engine (kind payment_assignment).

    Example:

        coopctl payments assign 12 --account A00000042
    """
    from coopctl.payments.service import assign

    with uow("payments.manage") as u:
        out = assign(u, payment_id, account)
        u.commit()
    if out.get("approval"):
        message(f"waiting for approval as {out['approval']}")
    emit(out, fmt)


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Transaction or settlement CSV.")],
    provider: ProviderOpt,
    fmt: FormatOpt = "table",
) -> None:
    """Import a provider's transaction export (charges the webhooks missed) or
    settlement export (batches paid into the bank). All or nothing.

    Example:

        coopctl payments import settlements-2026-03.csv --provider paystack
    """
    from coopctl.payments.settle import import_file

    with uow("payments.manage") as u:
        out = import_file(u, file, provider)
        u.commit()
    emit(out, fmt)


@app.command("report")
def report_cmd(
    from_: Annotated[str | None, typer.Option("--from", help="First day YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day YYYY-MM-DD.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Received, applied, in suspense, settled, fees and outstanding in clearing.

    Example:

        coopctl payments report --from 2026-03-01 --to 2026-03-31
    """
    from coopctl.cli.common import business_date, parse_date_opt
    from coopctl.payments.report import report

    end = parse_date_opt(to, "--to") or business_date()
    start = parse_date_opt(from_, "--from") or end.replace(day=1)
    with uow("payments.manage") as u:
        out = report(u, start, end)
    emit(out, fmt)


@app.command("request")
def request_cmd(
    member: Annotated[str, typer.Argument(metavar="MEMBER_NO", help="The paying member.")],
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Amount in naira.")],
    provider: ProviderOpt,
    purpose: Annotated[str, typer.Option("--purpose", help="savings or loan:LOAN_NO.")] = "savings",
    fmt: FormatOpt = "table",
) -> None:
    """Ask the provider for a checkout link to send to the member.

    Example:

        coopctl payments request M00000001 25,000.00 --provider paystack --purpose savings
    """
    from coopctl.cli.common import parse_amount
    from coopctl.payments.gateway import request

    value = parse_amount(amount)
    with uow("payments.manage") as u:
        out = request(u, member, value, provider, purpose)
        u.commit()
    message(f"checkout link for {out['reference']}: {out['checkout_url']}")
    emit(out, fmt)


@app.command("verify")
def verify_cmd(
    reference: Annotated[str, typer.Argument(metavar="REFERENCE", help="Payment reference.")],
    fmt: FormatOpt = "table",
) -> None:
    """Ask the provider about a payment and reconcile status, amount and currency; a
    success not yet applied is applied now.

    Example:

        coopctl payments verify M00000001-3F2A9C1B0D
    """
    from coopctl.payments.gateway import verify

    with uow("payments.manage") as u:
        out = verify(u, reference)
        u.commit()
    emit(out, fmt)
