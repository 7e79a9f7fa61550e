"""``coopctl db upgrade | current``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coopctl.cli.common import FormatOpt, app_context, emit, message, new_app, uow

app = new_app("Database migrations.\n\nExample:\n\n    coopctl db current")


@app.command("upgrade")
def upgrade(
    no_backup: Annotated[
        bool,
        typer.Option("--no-backup", help="Migrate without the verified backup taken first."),
    ] = False,
    backup_dir: Annotated[
        Path | None, typer.Option("--backup-dir", help="Folder for the pre-upgrade backup.")
    ] = None,
    no_encrypt_backup: Annotated[
        bool, typer.Option("--no-encrypt-backup", help="Write the pre-upgrade backup unencrypted.")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Migrate the database schema to the newest revision, after taking and verifying a
    backup (restore it with the previous version to roll back; see docs/backup.md).

    Example:

        coopctl --db postgresql+psycopg://coop@db/coop db upgrade
    """
    from coopctl.core import migrate

    with uow("system.doctor") as u:
        who = str(u.operator.username)
    engine = app_context().engine
    before = migrate.current(engine)
    backup_file = None
    if before not in (None, migrate.head()) and not no_backup:
        backup_file = _pre_upgrade_backup(who, before, backup_dir, not no_encrypt_backup)
    migrate.upgrade(engine)
    after = migrate.current(engine)
    message("already at head" if before == after else f"upgraded {before} → {after}")
    emit(
        {"before": before, "current": after, "head": migrate.head(), "backup": backup_file},
        fmt,
    )


def _pre_upgrade_backup(who: str, before: str, folder: Path | None, encrypt: bool) -> str:
    """Take a backup, verify it (including a trial migration of a scratch copy), or stop."""
    from coopctl.backup import service
    from coopctl.backup.errors import BackupVerifyError

    with uow("backup.manage"):
        pass
    ctx = app_context()
    made = service.create(ctx, who, out_dir=folder, encrypt=encrypt, pre_upgrade_from=before)
    result = service.verify(ctx, Path(made["file"]))
    if not result["ok"]:
        raise BackupVerifyError(
            f"pre-upgrade backup {made['file']} fails verification; nothing migrated",
            details=[p["detail"] for p in result["problems"]],
        )
    message(f"pre-upgrade backup verified: {made['file']} (restore it to roll back)")
    return str(made["file"])


@app.command("current")
def current(fmt: FormatOpt = "table") -> None:
    """Show the schema revision of the database and the newest one shipped.

    Example:

        coopctl db current --format json
    """
    from coopctl.core import migrate

    with uow("system.doctor"):
        pass
    rev = migrate.current(app_context().engine)
    head = migrate.head()
    emit({"current": rev, "head": head, "at_head": rev == head}, fmt)
