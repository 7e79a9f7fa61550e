"""File helpers tied to the unit of work: atomic writes, and removal on rollback.

A service that writes a file before the transaction commits (a stored
document, a new key file) registers it with :func:`remove_on_rollback`; if the
unit of work then rolls back — an error, a failed commit, or simply leaving
``with uow:`` without committing — the file is removed, so a failed command
leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import event

from coopctl.core.db import UnitOfWork

_KEY = "_files_to_remove_on_rollback"


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def remove_on_rollback(uow: UnitOfWork, path: Path) -> None:
    """Remove ``path`` if this unit of work's transaction rolls back instead of committing."""
    pending: list[Path] | None = uow.__dict__.get(_KEY)
    if pending is None:
        pending = []
        uow.__dict__[_KEY] = pending

        def on_rollback(_session: Any, previous: Any) -> None:
            if getattr(previous, "nested", False) or getattr(previous, "parent", None) is not None:
                return  # a savepoint: the outer transaction may still commit
            for p in pending:
                p.unlink(missing_ok=True)
            pending.clear()

        def on_commit(_session: Any) -> None:
            pending.clear()

        event.listen(uow.session, "after_soft_rollback", on_rollback)
        event.listen(uow.session, "after_commit", on_commit)
    pending.append(path)


_DEL_KEY = "_files_to_remove_on_commit"


def remove_on_commit(uow: UnitOfWork, path: Path) -> None:
    """Remove ``path`` once this unit of work's transaction commits (nothing happens if it
    rolls back): the row that pointed at the file goes in the same commit."""
    pending: list[Path] | None = uow.__dict__.get(_DEL_KEY)
    if pending is None:
        pending = []
        uow.__dict__[_DEL_KEY] = pending

        def on_commit(_session: Any) -> None:
            for p in pending:
                p.unlink(missing_ok=True)
            pending.clear()

        def on_rollback(_session: Any, previous: Any) -> None:
            if getattr(previous, "nested", False) or getattr(previous, "parent", None) is not None:
                return
            pending.clear()

        event.listen(uow.session, "after_commit", on_commit)
        event.listen(uow.session, "after_soft_rollback", on_rollback)
    pending.append(path)
