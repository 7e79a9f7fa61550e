"""Root of the ``coopctl`` command line.

Sub-apps are registered by module path and imported only when invoked, so
``coopctl --help`` never imports SQLAlchemy, Polars or weasyprint. Errors are
mapped to exit codes in one place (:func:`run`).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from coopctl import __version__

# name → (module, help line). Each module defines ``app`` (a typer.Typer).
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("coopctl.cli.init_cmd", "Create the schema and seed a new cooperative."),
    "db": ("coopctl.cli.db_cmd", "Database migrations: upgrade, current."),
    "doctor": ("coopctl.cli.doctor_cmd", "Check the installation and the books."),
    "operators": ("coopctl.cli.operators", "Operators (staff logins), roles and MFA."),
    "audit": ("coopctl.cli.audit_cmd", "The hash-chained audit log."),
    "ledger": ("coopctl.cli.ledger", "Chart of accounts, trial balance, verify, periods."),
    "postings": ("coopctl.cli.postings", "Journal entries, teller postings, approvals."),
    "members": ("coopctl.cli.members", "Members, KYC, documents, exit."),
    "products": ("coopctl.cli.products", "Deposit and loan products."),
    "accounts": ("coopctl.cli.accounts", "Member accounts and statements."),
    "security": ("coopctl.cli.security_cmd", "Key rotation and security tasks."),
    "loans": ("coopctl.cli.loans", "Loans: quote, apply, approve, disburse, repay, aging."),
    "recon": ("coopctl.cli.recon", "Bank accounts and reconciliation."),
    "reports": ("coopctl.cli.reports", "Financial and portfolio reports, month-end pack."),
    "budgets": ("coopctl.cli.budgets", "Annual budgets and variance."),
    "demo": ("coopctl.cli.demo_cmd", "A simulated cooperative, end to end."),
    "approvals": ("coopctl.cli.approvals", "Pending maker-checker actions: list, approve, reject."),
    "jobs": ("coopctl.cli.jobs", "Batch jobs: list, run, history, retry."),
    "daemon": ("coopctl.cli.daemon_cmd", "The scheduler daemon that runs the job catalogue."),
    "notify": ("coopctl.cli.notify", "Notifications outbox: list, send, test."),
    "backup": ("coopctl.cli.backup", "Encrypted, verified backups: create, verify, restore."),
    "payments": ("coopctl.cli.payments", "Payment gateways: webhooks, processing, settlements."),
    "standing-orders": ("coopctl.cli.standing_orders", "Members' standing orders."),
    "dividends": ("coopctl.cli.dividends", "Dividends and interest rebates."),
    "docs": ("coopctl.cli.docs", "Documents attached to members, loans, entries."),
    "golive": ("coopctl.cli.golive", "Go-live from spreadsheets: templates, imports, check."),
}


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(n for n in COMMANDS if _available(n))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, help_line = COMMANDS[cmd_name]
        if ctx.resilient_parsing or _only_listing(ctx):
            # Listing for --help: a stub carrying the help line, no import.
            return click.Command(cmd_name, help=help_line, short_help=help_line)
        from coopctl.core.plugins import optional_import

        module = optional_import(module_name)
        if module is None:
            return None
        import typer.main

        from coopctl.cli.common import apply_policies

        cmd = apply_policies(typer.main.get_command(module.app))
        cmd.name = cmd_name
        if not cmd.help:
            cmd.help = help_line
        return cmd


def _available(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(COMMANDS[name][0]) is not None
    except ModuleNotFoundError:
        return False


def _only_listing(ctx: click.Context) -> bool:
    return bool(getattr(ctx, "_listing_only", False))


class State:
    """Root options, shared by every command through click's context."""

    def __init__(
        self, config: str | None, db: str | None, debug: bool, read_db: str | None = None
    ) -> None:
        self.config = config
        self.db = db
        self.read_db = read_db
        self.debug = debug
        self._ctx: Any = None

    @property
    def app(self) -> Any:
        if self._ctx is None:
            from coopctl.core.context import build

            self._ctx = build(self.config, self.db, self.read_db)
        return self._ctx


class RootGroup(LazyGroup):
    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        ctx._listing_only = True  # type: ignore[attr-defined]
        super().format_commands(ctx, formatter)


@click.group(
    cls=RootGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="coopctl — the books and operations of a savings-and-credit cooperative.\n\n"
    "Example:\n\n    coopctl init --name 'Unity Staff Cooperative' && coopctl doctor",
)
@click.option("--config", "config", metavar="PATH", help="Config file (TOML).")
@click.option("--db", "db", metavar="URL", help="Database URL (default sqlite:///coop.db).")
@click.option(
    "--read-db",
    "read_db",
    metavar="URL",
    help="Read replica URL for reports, statements and exports (writes use --db).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.version_option(__version__, "--version", prog_name="coopctl")
@click.pass_context
def cli(
    ctx: click.Context, config: str | None, db: str | None, read_db: str | None, debug: bool
) -> None:
    ctx.obj = State(config, db, debug, read_db)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: run, then map errors to CLI.md exit codes."""
    sys.exit(main(argv))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="coopctl", standalone_mode=False)
        return 0
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return 2 if exc.exit_code not in (0, 1) else int(exc.exit_code) or 2
    except click.Abort:
        click.echo("aborted", err=True)
        return 1
    except BaseException as exc:
        from coopctl.cli.errors import exit_code_for

        return exit_code_for(exc, debug=debug or bool(os.environ.get("COOPCTL_DEBUG")))
