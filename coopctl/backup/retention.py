"""Listing, retention, the second copy and the doctor's backup check.

Retention follows the grandfather-father-son scheme of restic/borg ``forget``:
keep the newest backup of each of the last N days, of each of the last M ISO
weeks and of each of the last K months (a backup may count for several rules);
the newest verified backup is always kept. Everything else is pruned, the
backup with its sidecar.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coopctl.backup.errors import BackupConfigError, BackupToolError
from coopctl.backup.service import SIDECAR, SUFFIX, backup_dir, read_sidecar
from coopctl.core.clock import utcnow


@dataclass(frozen=True)
class Entry:
    file: Path
    created_at: datetime
    bytes: int
    verified: bool | None  # None: never verified
    verified_at: str | None
    business_date: str | None


def _created(file: Path, side: dict[str, Any] | None) -> datetime:
    text = ((side or {}).get("manifest") or {}).get("created_at")
    if text:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    return datetime.fromtimestamp(file.stat().st_mtime, tz=UTC)


def entries(folder: Path) -> list[Entry]:
    """Backups in ``folder``, newest first."""
    if not folder.is_dir():
        return []
    out = []
    for f in folder.glob(f"*{SUFFIX}"):
        if not f.is_file():
            continue
        side = read_sidecar(f)
        ver = (side or {}).get("verified") or {}
        out.append(
            Entry(
                file=f,
                created_at=_created(f, side),
                bytes=f.stat().st_size,
                verified=ver.get("ok") if ver else None,
                verified_at=ver.get("at") if ver else None,
                business_date=((side or {}).get("manifest") or {}).get("business_date"),
            )
        )
    return sorted(out, key=lambda e: e.created_at, reverse=True)


def keep_set(created: list[datetime], *, daily: int, weekly: int, monthly: int) -> set[int]:
    """Indexes (into ``created``, newest first) that the retention rules keep."""
    keep: set[int] = set()
    for n, key in (
        (daily, lambda d: d.date()),
        (weekly, lambda d: d.isocalendar()[:2]),
        (monthly, lambda d: (d.year, d.month)),
    ):
        seen: list[Any] = []
        for i, c in enumerate(created):
            k = key(c)
            if k in seen:
                continue
            if len(seen) >= n:
                break
            seen.append(k)
            keep.add(i)
    return keep


def plan_prune(settings: Any, folder: Path | None = None) -> tuple[list[Entry], list[Entry]]:
    cfg = settings["backup"]
    es = entries(folder or backup_dir(settings))
    keep = keep_set(
        [e.created_at for e in es],
        daily=cfg["keep_daily"],
        weekly=cfg["keep_weekly"],
        monthly=cfg["keep_monthly"],
    )
    newest_ok = next((i for i, e in enumerate(es) if e.verified), None)
    if newest_ok is not None:
        keep.add(newest_ok)
    return [e for i, e in enumerate(es) if i in keep], [
        e for i, e in enumerate(es) if i not in keep
    ]


def prune(settings: Any, *, dry_run: bool) -> list[Entry]:
    _, drop = plan_prune(settings)
    if not dry_run:
        for e in drop:
            e.file.unlink(missing_ok=True)
            e.file.with_name(e.file.name + SIDECAR).unlink(missing_ok=True)
    return drop


def as_dict(e: Entry) -> dict[str, Any]:
    return {
        "file": e.file.name,
        "created_at": e.created_at.isoformat(),
        "bytes": e.bytes,
        "verified": e.verified,
        "verified_at": e.verified_at,
    }


def copy_offsite(settings: Any, file: Path) -> list[str]:
    """Copy ``file`` (and its sidecar) to ``[backup] copy_to`` and/or run ``copy_command``.
    Returns where it went; nothing configured → empty list."""
    cfg = settings["backup"]
    done = []
    side = file.with_name(file.name + SIDECAR)
    if cfg["copy_to"]:
        dest_dir = Path(cfg["copy_to"])
        dest_dir.mkdir(parents=True, exist_ok=True)
        for src in (file, side):
            if src.is_file():
                tmp = dest_dir / f".{src.name}.part"
                shutil.copyfile(src, tmp)
                tmp.replace(dest_dir / src.name)
        if (dest_dir / file.name).stat().st_size != file.stat().st_size:
            raise BackupToolError(f"{dest_dir / file.name}: copy has the wrong size")
        done.append(str(dest_dir / file.name))
    if cfg["copy_command"]:
        template = cfg["copy_command"]
        if "{file}" not in template:
            raise BackupConfigError("[backup] copy_command must contain {file}")
        args = [a.replace("{file}", str(file)) for a in shlex.split(template)]
        out = subprocess.run(args, capture_output=True, text=True, check=False, timeout=6 * 3600)
        if out.returncode != 0:
            tail = (out.stderr or out.stdout).strip().splitlines()
            raise BackupToolError(
                f"copy_command failed ({out.returncode}): {tail[-1] if tail else ''}"
            )
        done.append(args[0])
    return done


def health(ctx: Any) -> tuple[list[tuple[str, str]], str]:
    """(problems, note) for ``doctor``: the age of the newest verified backup against
    ``[backup] max_age_hours`` (0 disables). A new installation has that long to take
    its first backup, counted from its first audit row."""
    settings = ctx.settings
    limit = settings["backup"]["max_age_hours"]
    ok = [e for e in entries(backup_dir(settings)) if e.verified]
    now = utcnow()
    if ok:
        age = (now - ok[0].created_at).total_seconds() / 3600
        note = f"last verified backup: {ok[0].file.name}, {age:.1f} hours old"
        if limit and age > limit:
            return [("backup", f"{note}, older than the limit of {limit} hours")], note
        return [], note
    note = "no verified backup"
    if not limit:
        return [], note
    from sqlalchemy import text

    with ctx.engine.connect() as conn:
        first = conn.execute(text("SELECT MIN(at) FROM audit_log")).scalar()
        conn.rollback()
    if first is None:
        return [], note
    if isinstance(first, str):
        first = datetime.fromisoformat(first)
    if first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    if (now - first).total_seconds() / 3600 > limit:
        return [("backup", f"{note} in {backup_dir(settings)} (limit {limit} hours)")], note
    return [], note
