"""The catalogue's ``backup`` job: plain functions for the job runner.

Each step takes the application context and the business date and returns the
runner's counts (``items``, ``posted``, ``skipped``) plus what it did. Every
step is idempotent for its business date: the backup made for a date is found
again through its sidecar (``manifest.business_date``), so re-running the job,
or one step of it, does nothing the second time and says so (``skipped``).

    steps = ["backup.create", "backup.verify", "backup.copy", "backup.prune"]
    STEPS[name](ctx, business_date) -> dict
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from coopctl.backup import retention, service
from coopctl.backup.errors import BackupVerifyError


def _of_date(ctx: Any, business_date: date) -> retention.Entry | None:
    for e in retention.entries(service.backup_dir(ctx.settings)):
        if e.business_date == business_date.isoformat():
            return e
    return None


def _counts(items: int, skipped: int, **extra: Any) -> dict[str, Any]:
    return {"items": items, "posted": 0, "skipped": skipped, **extra}


def create_step(ctx: Any, business_date: date, operator: str = "system") -> dict[str, Any]:
    """Make the backup of ``business_date`` unless one exists (a failed verify is kept
    for review; delete it to take a new one)."""
    found = _of_date(ctx, business_date)
    if found is not None:
        return _counts(0, 1, file=str(found.file))
    made = service.create(
        ctx,
        operator,
        encrypt=ctx.settings["backup"]["encrypt"],
        business_date=business_date.isoformat(),
    )
    return _counts(1, 0, file=made["file"])


def verify_step(ctx: Any, business_date: date) -> dict[str, Any]:
    """Verify the business date's backup (restore into a scratch database); exit 6 on a
    problem, so the job stops before copying or pruning."""
    found = _of_date(ctx, business_date)
    if found is None:
        raise BackupVerifyError(f"no backup for {business_date}: run backup.create first")
    if found.verified:
        return _counts(0, 1, file=str(found.file))
    result = service.verify(ctx, found.file)
    if not result["ok"]:
        raise BackupVerifyError(
            f"{found.file}: fails verification: {result['problems'][0]['detail']}",
            details=[p["detail"] for p in result["problems"][1:]],
        )
    return _counts(1, 0, file=str(found.file))


def copy_step(ctx: Any, business_date: date) -> dict[str, Any]:
    """Copy the verified backup of the date to the second location (once)."""
    found = _of_date(ctx, business_date)
    if found is None or not found.verified:
        raise BackupVerifyError(f"no verified backup for {business_date} to copy")
    side = service.read_sidecar(found.file) or {}
    if side.get("copied"):
        return _counts(0, 1, file=str(found.file), copies=side["copied"])
    copies = retention.copy_offsite(ctx.settings, found.file)
    if copies:
        side["copied"] = copies
        service.write_sidecar(found.file, side)
    return _counts(1 if copies else 0, 0 if copies else 1, file=str(found.file), copies=copies)


def prune_step(ctx: Any, business_date: date) -> dict[str, Any]:
    """Apply the retention rules; ``items`` is the number of backups deleted."""
    gone = retention.prune(ctx.settings, dry_run=False)
    return _counts(len(gone), 0, pruned=[e.file.name for e in gone])


STEPS: dict[str, Callable[..., dict[str, Any]]] = {
    "backup.create": create_step,
    "backup.verify": verify_step,
    "backup.copy": copy_step,
    "backup.prune": prune_step,
}


def nightly(ctx: Any, business_date: date, operator: str = "system") -> dict[str, Any]:
    """All four steps in order; the summed counts and the backup file."""
    made = create_step(ctx, business_date, operator)
    steps = [
        made,
        verify_step(ctx, business_date),
        copy_step(ctx, business_date),
        prune_step(ctx, business_date),
    ]
    return {
        "items": sum(s["items"] for s in steps),
        "posted": 0,
        "skipped": sum(s["skipped"] for s in steps),
        "file": made["file"],
        "steps": dict(zip(STEPS, steps, strict=True)),
    }
