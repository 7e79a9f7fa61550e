"""``coopctl backup create | verify | restore | list | prune | copy | keygen``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from coopctl.cli.common import (
    DryRunOpt,
    FormatOpt,
    YesOpt,
    app_context,
    emit,
    message,
    new_app,
    uow,
)

app = new_app(
    "Encrypted, verified backups of the database, documents and keys.\n\n"
    "Example:\n\n    COOPCTL_BACKUP_KEY=$(cat /etc/coopctl/backup.key) coopctl backup create"
)


def _operator_name() -> str:
    with uow("backup.manage") as u:
        return str(u.operator.username)


def _operator_if_installed() -> None:
    """``backup.manage`` when this machine has a cooperative; a spare machine running a
    restore drill has none, and there holding the backup key is the authority."""
    from coopctl.backup.snapshot import is_empty

    url = app_context().settings.database_url
    try:
        empty = is_empty(url)
    except Exception:
        empty = True  # unreachable: nothing to check the operator against
    if empty:
        message("no cooperative in the configured database: verifying by the backup key alone")
        return
    _operator_name()


@app.command("create")
def create(
    output_dir: Annotated[
        Path | None, typer.Option("--output-dir", "-o", help="Folder for the backup file.")
    ] = None,
    no_encrypt: Annotated[
        bool, typer.Option("--no-encrypt", help="Write an unencrypted backup (explicit).")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Back up the database (a consistent snapshot, safe while in use), the documents and
    the keys into one archive, encrypted with the backup key.

    Example:

        coopctl backup create -o /srv/backups --format json
    """
    from coopctl.backup import service

    who = _operator_name()
    result = service.create(app_context(), who, out_dir=output_dir, encrypt=not no_encrypt)
    message(f"backup written: {result['file']} ({result['bytes']:,} bytes)")
    if fmt == "json":
        emit(result, fmt)
    else:
        m = result["manifest"]
        emit(
            {
                "file": result["file"],
                "sha256": result["sha256"],
                "bytes": result["bytes"],
                "encrypted": result["encrypted"],
                "schema_revision": m["schema_revision"],
                "posted_entries": m["ledger_checksum"]["posted_entries"],
                "audit_rows": m["audit_head"]["rows"],
            },
            fmt,
        )


@app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="The backup file.")],
    fmt: FormatOpt = "table",
) -> None:
    """Decrypt, check every SHA-256, restore into a scratch database, run ledger and audit
    verify there and compare with the manifest; exit 6 on any problem, 4 on a wrong key.

    Example:

        coopctl backup verify /srv/backups/coopctl-20261128T010000000000Z-sqlite.coopbak
    """
    from coopctl.backup import service
    from coopctl.backup.errors import BackupDamagedError, BackupVerifyError

    _operator_if_installed()
    try:
        result = service.verify(app_context(), file)
    except BackupDamagedError as exc:
        details = [exc.message, *exc.details]
        problems = [{"check": "archive", "detail": d} for d in details]
        emit({"ok": False, "problems": problems, "file": str(file)}, fmt, rows_key="problems")
        raise
    emit(result, fmt, rows_key="problems", columns=["check", "detail"])
    if not result["ok"]:
        raise BackupVerifyError(f"{file}: {len(result['problems'])} problem(s)")
    message(f"{file}: verified")


@app.command("restore")
def restore(
    file: Annotated[Path, typer.Argument(help="The backup file.")],
    to: Annotated[str, typer.Option("--to", help="Target database URL (empty).")],
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Target data folder (default: configured).")
    ] = None,
    yes: YesOpt = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite a non-empty database and data folder.")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Restore a backup into an empty database and data folder, then verify it there.
    SQLite ↔ PostgreSQL moves are supported (same schema revision).

    The target is empty, so no operator can be looked up in it: holding the backup key is
    what authorises a restore.

    Example:

        coopctl backup restore coop.coopbak --to sqlite:///srv/coop.db --data-dir /srv/data
    """
    from coopctl.backup import service
    from coopctl.core.errors import ValidationError

    if force and not yes:
        if not sys.stdin.isatty():
            raise ValidationError("--force overwrites the target: give --yes as well")
        typer.confirm(f"Overwrite {to} and its data folder?", abort=True)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(to)
    except ArgumentError:
        raise ValidationError(
            f"--to: {to!r} is not a database URL (sqlite:///PATH or postgresql+psycopg://…)"
        ) from None
    result = service.restore(app_context(), file, to, data_dir=data_dir, force=force)
    message(f"restored {file} into {result['to']}; verified")
    emit(result, fmt)


@app.command("list")
def list_(fmt: FormatOpt = "table") -> None:
    """List the backups in the backup folder, newest first, with their verification state.

    Example:

        coopctl backup list --format json
    """
    from coopctl.backup import retention, service

    _operator_name()
    folder = service.backup_dir(app_context().settings)
    emit([retention.as_dict(e) for e in retention.entries(folder)], fmt)


@app.command("prune")
def prune(dry_run: DryRunOpt = False, fmt: FormatOpt = "table") -> None:
    """Delete backups outside the retention (last N daily, M weekly, K monthly; the newest
    verified one is always kept).

    Example:

        coopctl backup prune --dry-run
    """
    from coopctl.backup import retention

    _operator_name()
    gone = retention.prune(app_context().settings, dry_run=dry_run)
    message(f"{'would delete' if dry_run else 'deleted'} {len(gone)} backup(s)")
    emit([retention.as_dict(e) for e in gone], fmt)


@app.command("copy")
def copy(
    file: Annotated[Path, typer.Argument(help="The backup file.")],
    fmt: FormatOpt = "table",
) -> None:
    """Copy a backup to the second location ([backup] copy_to and/or copy_command).

    Example:

        coopctl backup copy /srv/backups/coopctl-20261128T010000000000Z-sqlite.coopbak
    """
    from coopctl.backup import retention
    from coopctl.backup.errors import BackupConfigError
    from coopctl.core.errors import NotFoundError

    _operator_name()
    if not file.is_file():
        raise NotFoundError(f"{file}: backup file not found")
    done = retention.copy_offsite(app_context().settings, file)
    if not done:
        raise BackupConfigError("no second location: set [backup] copy_to or copy_command")
    emit({"file": str(file), "copies": ", ".join(done)}, fmt)


@app.command("keygen")
def keygen(
    output: Annotated[Path, typer.Option("--output", "-o", help="New key file (mode 0600).")],
) -> None:
    """Write a new random backup key (base64 of 32 bytes) to a 0600 file; refuses to overwrite.
    Keep a copy away from the server: without it the backups cannot be opened.

    Example:

        coopctl backup keygen -o /etc/coopctl/backup.key
    """
    import os

    from coopctl.backup.keys import new_key_text
    from coopctl.core.errors import DuplicateError

    _operator_name()
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise DuplicateError(f"{output}: exists; not overwritten") from None
    with os.fdopen(fd, "w") as fh:
        fh.write(new_key_text() + "\n")
    message(f'backup key written to {output}; set [backup] key_file = "{output}"')
