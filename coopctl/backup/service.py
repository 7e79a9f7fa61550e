"""Backup use cases: create, verify, restore (and the nightly job in ``retention``).

These functions take the application context (settings, engine) and the
operator already checked for ``backup.manage`` by the caller; they write files,
never database rows (a restore writes a whole database, into an empty target).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from coopctl.backup import archive, figures, keys, snapshot, stream
from coopctl.backup.errors import (
    BackupConfigError,
    BackupKeyError,
    BackupVerifyError,
    RestoreTargetError,
)
from coopctl.core.clock import utcnow

SUFFIX = ".coopbak"
SIDECAR = ".json"  # NAME.coopbak.json: the manifest summary and the verification record


def backup_dir(settings: Any) -> Path:
    d = settings["backup"]["dir"]
    return Path(d) if d else settings.data_dir / "backups"


def dialect_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _key_for(settings: Any) -> Any:
    """The function the archive reader calls with the header to get the key."""

    def key_for(header: stream.Header) -> bytes:
        src = keys.resolve(settings)
        if src is None:
            raise BackupKeyError(
                "this backup is encrypted: set $COOPCTL_BACKUP_KEY, [backup] key_file, "
                "or the passphrase variable named by [backup] passphrase_env"
            )
        if header.mode == stream.MODE_PASSPHRASE:
            if src.passphrase is None:
                raise BackupKeyError("this backup was made with a passphrase; give the passphrase")
            return stream.derive_key(src.passphrase, header.salt, header.log2_n, header.r, header.p)
        if src.key is None:
            raise BackupKeyError("this backup was made with a key, not a passphrase")
        return src.key

    return key_for


# --- create --------------------------------------------------------------------
def create(
    ctx: Any, operator: str, *, out_dir: Path | None = None, encrypt: bool = True, **extra: Any
) -> dict[str, Any]:
    """Snapshot the database and the data folder into one archive; return its summary."""
    settings = ctx.settings
    url = settings.database_url
    dialect = dialect_of(url)
    header, key = _new_header(settings, encrypt)
    out = Path(out_dir) if out_dir else backup_dir(settings)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = utcnow()
    name = f"coopctl-{now:%Y%m%dT%H%M%S%fZ}-{dialect}{SUFFIX}"
    final, part = out / name, out / f".{name}.part"
    staging = Path(tempfile.mkdtemp(dir=out, prefix=".staging-"))
    writer = None
    try:
        # The anchor log is copied *before* the database snapshot: every anchor it then
        # holds names rows the snapshot has (anchors are appended after their commit),
        # so the restored chain verifies against it. A later anchor would name rows the
        # snapshot lacks and read as a deleted tail.
        from coopctl.core import audit

        anchors = audit.anchor_path(settings)
        anchors_copy = staging / "audit-anchors.snapshot"
        if anchors.is_file():
            shutil.copyfile(anchors, anchors_copy)
        if dialect == "sqlite":
            db_part = snapshot.DB_SQLITE
            found = snapshot.sqlite_snapshot(url, staging / db_part)
        else:
            db_part = snapshot.DB_PGDUMP
            found = snapshot.pg_snapshot(url, staging / db_part, settings["backup"]["pg_bin_dir"])
        writer = archive.ArchiveWriter(part, header, key)
        writer.add_file(f"db/{db_part}", staging / db_part)
        # After the database: every document the snapshot names is already on disk.
        data_dir = settings.data_dir
        for p in archive.data_files(data_dir, exclude=[out, backup_dir(settings), staging]):
            src = anchors_copy if p.resolve() == anchors.resolve() and anchors_copy.is_file() else p
            writer.add_file("data/" + p.relative_to(data_dir).as_posix(), src)
        key_file = settings.key_file
        inside = _is_inside(key_file, data_dir)
        if not inside and key_file.is_file():
            writer.add_file("extra/field.key", key_file)
        from coopctl import __version__

        manifest = {
            "format": archive.FORMAT,
            "version": __version__,
            "dialect": dialect,
            "database": f"db/{db_part}",
            "created_at": now.isoformat(),
            "created_by": {"operator": operator, "host": socket.gethostname()},
            "key_file": key_file.relative_to(data_dir).as_posix() if inside else "extra/field.key",
            **found,
            **extra,
        }
        sha, size = writer.finish(manifest)
        os.replace(part, final)
    except BaseException:
        if writer is not None:
            writer.abort()
        part.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary = {
        "file": str(final),
        "sha256": sha,
        "bytes": size,
        "encrypted": header.encrypted,
        "manifest": {
            "version": manifest["version"],
            "created_at": manifest["created_at"],
            "created_by": manifest["created_by"],
            "dialect": dialect,
            "schema_revision": found["schema_revision"],
            "counts": found["counts"],
            "ledger_checksum": found["ledger_checksum"],
            "audit_head": found["audit_head"],
            **extra,
        },
    }
    write_sidecar(final, {**summary, "verified": None})
    return summary


def _new_header(settings: Any, encrypt: bool) -> tuple[stream.Header, bytes | None]:
    if not encrypt:
        return stream.new_header(stream.MODE_PLAIN), None
    src = keys.resolve(settings)
    if src is None:
        raise BackupConfigError(
            "no backup key: set $COOPCTL_BACKUP_KEY (base64 of 32 bytes), [backup] key_file, "
            "or a passphrase in the variable named by [backup] passphrase_env — "
            "or ask explicitly for an unencrypted one (backup create --no-encrypt, "
            "db upgrade --no-encrypt-backup)"
        )
    keys.refuse_field_key(src, settings)
    if src.passphrase is not None:
        salt = os.urandom(16)
        k = stream.derive_key(
            src.passphrase, salt, stream.SCRYPT_LOG2_N, stream.SCRYPT_R, stream.SCRYPT_P
        )
        return stream.new_header(stream.MODE_PASSPHRASE, salt=salt, key=k), k
    assert src.key is not None
    return stream.new_header(stream.MODE_KEY, key=src.key), src.key


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def write_sidecar(file: Path, data: dict[str, Any]) -> None:
    side = file.with_name(file.name + SIDECAR)
    tmp = side.with_name(f".{side.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(data, indent=2, sort_keys=True, default=str))
    os.replace(tmp, side)


def read_sidecar(file: Path) -> dict[str, Any] | None:
    side = file.with_name(file.name + SIDECAR)
    try:
        data = json.loads(side.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# --- verify and restore ----------------------------------------------------------
@contextmanager
def _staged(settings: Any, file: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    if not file.is_file():
        from coopctl.core.errors import NotFoundError

        raise NotFoundError(f"{file}: backup file not found")
    tmp = settings["backup"]["staging_dir"] or None
    staging = Path(tempfile.mkdtemp(prefix="coopctl-restore-", dir=tmp))
    try:
        manifest = archive.extract(file, staging, _key_for(settings))
        yield staging, manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _pg_server(settings: Any, *candidates: str) -> str:
    for url in (settings["backup"]["scratch_url"], *candidates):
        if url and not url.startswith("sqlite"):
            return url
    raise BackupConfigError(
        "reading a PostgreSQL backup needs a PostgreSQL server for a scratch database: "
        "set [backup] scratch_url"
    )


@contextmanager
def _source_db(settings: Any, staging: Path, manifest: dict[str, Any], *servers: str) -> Any:
    """A database holding the backup's rows: the staged SQLite file, or a scratch
    PostgreSQL database the dump is restored into (dropped afterwards)."""
    part = staging.joinpath(*manifest["database"].split("/"))
    if manifest["dialect"] == "sqlite":
        yield f"sqlite:///{part}"
        return
    with snapshot.scratch_pg(_pg_server(settings, *servers)) as url:
        snapshot.pg_restore(part, url, settings["backup"]["pg_bin_dir"])
        yield url


def check_database(url: str, data_dir: Path, manifest: dict[str, Any]) -> list[dict[str, str]]:
    """Compare a restored database's figures with the manifest, bring a copy of an older
    schema to this version's head, then run every check (ledger, audit, deposits, loans,
    the document store)."""
    from sqlalchemy.orm import Session

    from coopctl.core import checks, migrate

    eng = snapshot.plain_engine(url)
    try:
        with eng.connect() as conn:
            found = figures.collect(conn)
            conn.rollback()
        problems = [{"check": "manifest", "detail": d} for d in figures.compare(manifest, found)]
        if found["schema_revision"] != migrate.head():
            return problems  # the checks of this version need its schema
        with Session(eng) as s:
            _check_context(s, data_dir, manifest)
            for p in checks.run(s, groups=("ledger", "deposits", "loans", "members")):
                problems.append(p.as_dict())
            s.rollback()
        return problems
    finally:
        eng.dispose()


def _check_context(s: Any, data_dir: Path, manifest: dict[str, Any]) -> None:
    """What the checks need beside the session, taken from the backup itself: its data
    folder (documents, audit key and anchor log, through settings pointing there) and
    the document cipher unwrapped with the archived field key."""
    import dataclasses

    from coopctl.core import crypto
    from coopctl.core.config import load
    from coopctl.core.models import KeyCheck

    s.info["data_dir"] = data_dir
    base = load(None)
    values = {k: dict(v) for k, v in base.values.items()}
    values["security"]["audit_anchor_path"] = str(data_dir / "audit-anchors.log")
    if (data_dir / "audit.key").is_file():
        values["security"]["audit_key_file"] = str(data_dir / "audit.key")
    s.info["settings"] = dataclasses.replace(base, values=values, data_dir_override=str(data_dir))
    key_rel = manifest.get("key_file") or "secret.key"
    key_file = data_dir / key_rel if (data_dir / key_rel).is_file() else data_dir / "secret.key"
    if not key_file.is_file():
        key_file = data_dir.parent / key_rel  # extra/field.key beside the data folder
    row = s.get(KeyCheck, "documents")
    if row is None or not row.wrapped or not key_file.is_file():
        return
    try:
        field = crypto.FieldCipher.from_file(key_file)
        doc_key = field.unwrap(row.wrapped, context="document key")
    except crypto.KeyFileError:
        return  # the document check then reports what it cannot decrypt
    s.info["document_cipher"] = crypto.DocumentCipher(doc_key)


def verify(ctx: Any, file: Path) -> dict[str, Any]:
    """Decrypt, check every part, restore into a scratch database, verify and compare."""
    settings = ctx.settings
    from coopctl.core import migrate

    with (
        _staged(settings, file) as (staging, manifest),
        _source_db(settings, staging, manifest, settings.database_url) as url,
    ):
        problems = check_database(url, staging / "data", manifest)
        if not problems and manifest.get("schema_revision") != migrate.head():
            problems = _trial_upgrade(url, staging / "data")
    result = {
        "ok": not problems,
        "problems": problems,
        "file": str(file),
        "created_at": manifest.get("created_at"),
        "schema_revision": manifest.get("schema_revision"),
        "encrypted": manifest.get("_encrypted"),
    }
    side = read_sidecar(file) or {"file": str(file), "manifest": _summary(manifest)}
    side["verified"] = {"at": utcnow().isoformat(), "ok": not problems, "problems": problems}
    try:
        write_sidecar(file, side)
    except OSError:
        pass  # a read-only copy can still be verified
    return result


def _trial_upgrade(url: str, data_dir: Path) -> list[dict[str, str]]:
    """Migrate the scratch copy of an older schema to head, then check it: the rehearsal
    of ``db upgrade`` on real data."""
    from sqlalchemy.orm import Session

    from coopctl.core import checks, migrate

    eng = snapshot.plain_engine(url)
    try:
        try:
            migrate.upgrade(eng)
        except Exception as exc:
            return [{"check": "trial_upgrade", "detail": str(exc).splitlines()[0]}]
        with Session(eng) as s:
            _check_context(s, data_dir, {})
            out = [p.as_dict() for p in checks.run(s, ("ledger", "deposits", "loans", "members"))]
            s.rollback()
        return out
    finally:
        eng.dispose()


def _summary(manifest: dict[str, Any]) -> dict[str, Any]:
    keys_ = ("version", "created_at", "created_by", "dialect", "schema_revision", "counts")
    return {k: manifest.get(k) for k in (*keys_, "ledger_checksum", "audit_head")}


def restore(
    ctx: Any, file: Path, to_url: str, *, data_dir: Path | None = None, force: bool = False
) -> dict[str, Any]:
    """Restore database and data folder into an empty target, then verify the target."""
    settings = ctx.settings
    target_data = Path(data_dir) if data_dir else settings.data_dir
    if not force:
        if not snapshot.is_empty(to_url):
            raise RestoreTargetError(f"{_safe(to_url)}: the database is not empty (--force)")
        if target_data.exists() and any(target_data.iterdir()):
            raise RestoreTargetError(f"{target_data}: the data folder is not empty (--force)")
    target_dialect = dialect_of(to_url)
    if target_dialect == "sqlite":
        snapshot.sqlite_path(to_url).parent.mkdir(parents=True, exist_ok=True)
    with _staged(settings, file) as (staging, manifest):
        part = staging.joinpath(*manifest["database"].split("/"))
        moved = manifest["dialect"] != target_dialect
        if not moved and target_dialect == "sqlite":
            _place_sqlite(part, snapshot.sqlite_path(to_url))
        elif not moved:
            snapshot.pg_restore(part, to_url, settings["backup"]["pg_bin_dir"], clean=force)
        else:
            from coopctl.backup.logical import copy_rows

            with _source_db(settings, staging, manifest, to_url, settings.database_url) as src:
                source, target = snapshot.plain_engine(src), snapshot.txn_engine(to_url)
                try:
                    copy_rows(source, target, revision=manifest.get("schema_revision"))
                finally:
                    source.dispose()
                    target.dispose()
        files = _place_data(staging, target_data, manifest)
        problems = check_database(to_url, target_data, manifest)
    if problems:
        raise BackupVerifyError(
            f"restored, but the restored copy fails verification: {problems[0]['detail']}",
            details=[p["detail"] for p in problems[1:]],
        )
    return {
        "file": str(file),
        "to": _safe(to_url),
        "data_dir": str(target_data),
        "from_dialect": manifest["dialect"],
        "to_dialect": target_dialect,
        "files": files,
        "counts": manifest.get("counts"),
        "ok": True,
    }


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _place_sqlite(src: Path, dest: Path) -> None:
    """Put the restored file in place (temp name, then rename). Connections this process
    holds on the old file are closed; other processes must be stopped (docs/backup.md)."""
    from coopctl.core.db import dispose_engines

    dispose_engines()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.restore")
    shutil.copyfile(src, tmp)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(dest) + suffix).unlink(missing_ok=True)
    os.replace(tmp, dest)


def _place_data(staging: Path, target: Path, manifest: dict[str, Any]) -> int:
    """Copy the data folder's files (documents, keys) into ``target``, keeping modes."""
    n = 0
    src_root = staging / "data"
    target.mkdir(parents=True, exist_ok=True)
    if src_root.is_dir():
        for p in sorted(src_root.rglob("*")):
            if p.is_file():
                dest = target / p.relative_to(src_root)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(p, dest)
                n += 1
    extra = staging / "extra" / "field.key"
    if extra.is_file():
        dest = target / "secret.key"
        shutil.copy2(extra, dest)
        os.chmod(dest, 0o600)
        n += 1
    return n
