"""One holder per database: a PostgreSQL session advisory lock, a lock file on SQLite.

The daemon holds ``daemon`` for as long as it lives (a standby on another host
waits and takes over when the holder dies: the server drops a dead session's
advisory locks, the kernel a dead process's ``flock``). Every job run holds
``runner`` while it runs, so ``jobs run`` and the daemon never run at once.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any


def _key(name: str, url: str) -> int:
    h = hashlib.sha256(f"coopctl:{name}".encode()).digest()
    return int.from_bytes(h[:8], "big", signed=True)


def lock_file_for(url: str, name: str, data_dir: Path) -> Path:
    """``<database file>.<name>.lock`` beside a SQLite file (data folder for :memory:)."""
    path = url.split("///", 1)[1] if "///" in url else ""
    if not path or path.startswith(":memory:"):
        return data_dir / f"coopctl.{name}.lock"
    return Path(f"{path}.{name}.lock")


class DbLock:
    """``try_acquire()`` → bool; ``release()``. Not re-entrant."""

    def __init__(self, engine: Any, name: str, data_dir: Path) -> None:
        self.engine = engine
        self.name = name
        self.data_dir = data_dir
        self._conn: Any = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self._fd is not None

    def try_acquire(self) -> bool:
        if self.held:
            return True
        url = str(self.engine.url)
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy import text

            conn = self.engine.connect()
            got = conn.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": _key(self.name, url)}
            ).scalar()
            conn.commit()
            if got:
                self._conn = conn
                return True
            conn.close()
            return False
        import fcntl

        path = lock_file_for(url, self.name, self.data_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def alive(self) -> bool:
        """True while the lock is still ours (PostgreSQL: the session is up)."""
        if self._conn is not None:
            try:
                from sqlalchemy import text

                self._conn.execute(text("SELECT 1"))
                self._conn.commit()
                return True
            except Exception:
                return False
        return self._fd is not None

    def release(self) -> None:
        if self._conn is not None:
            from sqlalchemy import text

            try:
                self._conn.execute(
                    text("SELECT pg_advisory_unlock(:k)"),
                    {"k": _key(self.name, str(self.engine.url))},
                )
                self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
