"""A consistent snapshot of the live database, and loading one back.

SQLite: the online backup API copies the database page by page under one read
transaction (WAL lets writers carry on), into a single self-contained file.
PostgreSQL: a REPEATABLE READ transaction exports its snapshot and
``pg_dump --snapshot`` dumps exactly that snapshot, while the manifest figures
are read in the same transaction — so the figures describe the dump's rows even
though tellers keep posting.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from coopctl.backup import figures
from coopctl.backup.errors import BackupToolError
from coopctl.core.sums import exact_engine

DB_SQLITE = "database.sqlite"
DB_PGDUMP = "database.pgdump"


def sqlite_path(url: str) -> Path:
    db = make_url(url).database
    if not db or db == ":memory:":
        raise BackupToolError(f"{url}: an in-memory database cannot be backed up")
    return Path(db)


def plain_engine(url: str) -> Engine:
    """An engine without the application's per-connection settings (no WAL switch)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return exact_engine(create_engine(url, poolclass=NullPool))  # checks sum exactly


def txn_engine(url: str) -> Engine:
    """An engine whose transactions cover DDL too (SQLite: the driver's own transaction
    handling is off and every transaction is an explicit ``BEGIN IMMEDIATE``)."""
    if not url.startswith("sqlite"):
        return plain_engine(url)
    from sqlalchemy import event

    eng = exact_engine(
        create_engine(url, poolclass=NullPool, connect_args={"isolation_level": None})
    )

    @event.listens_for(eng, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return eng


# --- SQLite --------------------------------------------------------------------
def sqlite_snapshot(url: str, dest: Path) -> dict[str, Any]:
    """Copy the live SQLite database to ``dest`` and return its figures."""
    src_path = sqlite_path(url)
    if not src_path.is_file():
        raise BackupToolError(f"{src_path}: database file not found")
    src = sqlite3.connect(src_path, timeout=60)  # only read: the backup API copies pages
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        dst.commit()
    finally:
        dst.close()
        src.close()
    eng = plain_engine(f"sqlite:///{dest}")
    try:
        with eng.connect() as conn:
            return figures.collect(conn)
    finally:
        eng.dispose()


# --- PostgreSQL tools ----------------------------------------------------------
def _tool(name: str, bin_dir: str) -> str:
    if bin_dir:
        path = Path(bin_dir) / name
        if not path.is_file():
            raise BackupToolError(f"{path}: not found ([backup] pg_bin_dir)")
        return str(path)
    found = shutil.which(name)
    if not found:
        raise BackupToolError(
            f"{name} not found on PATH: install the PostgreSQL client tools of the "
            "server's version or set [backup] pg_bin_dir"
        )
    return found


def tool_major(path: str) -> int:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    m = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    if out.returncode != 0 or not m:
        raise BackupToolError(f"{path} --version failed: {out.stderr.strip() or out.stdout}")
    return int(m.group(1))


def server_major(conn: Any) -> int:
    return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def pg_tool(name: str, bin_dir: str, conn: Any) -> str:
    """The path of ``name`` (pg_dump / pg_restore), refused when older than the server."""
    path = _tool(name, bin_dir)
    mine, server = tool_major(path), server_major(conn)
    if mine < server:
        raise BackupToolError(
            f"{path} is version {mine}, older than the PostgreSQL server ({server}); "
            f"install the client tools of version {server} or newer"
        )
    return path


def libpq_args(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for ``url`` without the password, and the environment
    (PGPASSWORD) that carries it, so it never shows in a process list."""
    u = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    u = u.set(drivername="postgresql", password=None)
    return u.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    out = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        lines = (out.stderr or out.stdout).strip().splitlines()
        raise BackupToolError(f"{what} failed: {lines[-1] if lines else out.returncode}")


def pg_snapshot(url: str, dest: Path, bin_dir: str) -> dict[str, Any]:
    """``pg_dump --format=custom`` of one exported snapshot, and that snapshot's figures."""
    eng = plain_engine(url)
    try:
        with eng.connect() as conn:
            pg_dump = pg_tool("pg_dump", bin_dir, conn)
            conn.rollback()
            conn.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snap = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            uri, env = libpq_args(url)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snap}",
                    "--no-owner",
                    "-f",
                    str(dest),
                    "--dbname",
                    uri,
                ],
                env,
                "pg_dump",
            )
            found = figures.collect(conn)
            conn.rollback()
            return found
    finally:
        eng.dispose()


def pg_restore(dump: Path, url: str, bin_dir: str, *, clean: bool = False) -> None:
    eng = plain_engine(url)
    try:
        with eng.connect() as conn:
            tool = pg_tool("pg_restore", bin_dir, conn)
            conn.rollback()
    finally:
        eng.dispose()
    uri, env = libpq_args(url)
    args = [tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if clean:
        args += ["--clean", "--if-exists"]
    _run([*args, "--dbname", uri, str(dump)], env, "pg_restore")


# --- scratch databases ---------------------------------------------------------
@contextmanager
def scratch_pg(server_url: str) -> Iterator[str]:
    """A temporary PostgreSQL database on ``server_url``'s server, dropped afterwards."""
    name = f"coopctl_scratch_{os.getpid()}_{os.urandom(4).hex()}"
    admin = make_url(server_url)
    if admin.drivername in ("postgresql", "postgres"):
        admin = admin.set(drivername="postgresql+psycopg")
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        eng.dispose()
        raise BackupToolError(
            f"cannot create a scratch database on {admin.host}: {str(exc).splitlines()[0]} "
            "(the role needs CREATEDB, or set [backup] scratch_url)"
        ) from None
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with eng.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        eng.dispose()


def is_empty(url: str) -> bool:
    """True when the database holds no tables (a SQLite file that does not exist is empty)."""
    if url.startswith("sqlite"):
        p = sqlite_path(url)
        if not p.exists() or p.stat().st_size == 0:
            return True
    eng = plain_engine(url)
    try:
        with eng.connect() as conn:
            return not figures.table_names(conn)
    finally:
        eng.dispose()
