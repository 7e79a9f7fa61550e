"""``coopctl daemon [--once]``."""

from __future__ import annotations

from typing import Annotated

import click
import typer

from coopctl.cli.common import app_context, new_app

app = new_app(
    "The scheduler daemon that runs the job catalogue.\n\nExample:\n\n    coopctl daemon --once",
    no_args_is_help=False,
)


@app.callback(invoke_without_command=True)
def daemon(
    once: Annotated[
        bool, typer.Option("--once", help="Run what is due (catch-up included), then exit.")
    ] = False,
    log_format: Annotated[
        str,
        typer.Option(
            "--log-format",
            help="Log lines on stderr: text or json.",
            click_type=click.Choice(["text", "json"]),
        ),
    ] = "text",
) -> None:
    """Run the job catalogue on its cron lines, in the foreground (systemd: Type=simple).

    One daemon is active per database (PostgreSQL advisory lock, or a lock file beside
    the SQLite file); another one waits as a standby and takes over when the first
    dies. SIGTERM lets the running step finish its chunk, then exits 0. A heartbeat
    row and the Prometheus textfile are refreshed while it runs. Logs go to stderr,
    one line per event (journald priorities under systemd).

    Example:

        COOPCTL_OPERATOR=system coopctl daemon --log-format json
    """
    from coopctl.core.errors import ReviewNeededError
    from coopctl.core.security import require
    from coopctl.jobs import daemon as d
    from coopctl.jobs import logs

    logs.setup(log_format)
    ctx = app_context()
    with ctx.uow() as u:
        require(u.operator, "jobs.run")
    code = d.serve(ctx, once=once)
    if code:
        raise ReviewNeededError(
            "daemon --once: a due job did not complete; see `coopctl jobs history`"
        )
