"""Environment failures are clear (issue 9 item 9): a full disk, a lost concurrent
``init`` on PostgreSQL and a read-only database give one-line messages and the
documented exit codes, and leave no partial file."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Coop
from tests.integration.deposits_support import add_member

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


class _FullDisk:
    """A file object whose writes fail as on a full disk."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.real.close()


def test_full_disk_during_docs_add_is_one_clear_line(
    coop: Coop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = add_member(coop, kyc=False)
    scan = tmp_path / "id.png"
    scan.write_bytes(PNG)
    before = {p for p in coop.data_dir.rglob("*") if p.is_file()}
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: _FullDisk(real_fdopen(fd, *a, **k)))
    r = coop.cli("members", "docs", "add", m, scan, "--kind", "id_card", operator="teller1")
    monkeypatch.undo()
    assert r.exit_code == 3, r.stderr
    assert r.stderr.count("\n") == 1 and "no space left on the device" in r.stderr
    assert "Traceback" not in r.stderr
    assert {p for p in coop.data_dir.rglob("*") if p.is_file()} == before  # no partial file
    assert coop.sql("SELECT COUNT(*) FROM documents")[0][0] == 0


def test_concurrent_init_on_postgresql_loser_gets_a_clear_refusal(empty_db: Coop) -> None:
    if empty_db.dialect != "postgresql":
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE")
    exe = os.path.join(os.path.dirname(sys.executable), "coopctl")
    procs = []
    for i in range(2):
        env = {**os.environ, **empty_db.env("admin"),
               "COOPCTL_DATA_DIR": str(empty_db.data_dir / str(i))}  # fmt: skip
        procs.append(
            subprocess.Popen(
                [exe, "init", "--name", "Unity", "--admin", "admin"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    codes = sorted(c for c, _ in results)
    assert codes == [0, 5], results
    loser = next(err for c, err in results if c == 5)
    assert "already initialised" in loser or "at the same time" in loser
    assert "pg_type" not in loser and "Traceback" not in loser
    assert len(loser.strip().splitlines()) == 1


def _read_only_bind(src: Path, dst: Path) -> bool:
    dst.mkdir()
    try:
        subprocess.run(["mount", "--bind", str(src), str(dst)], check=True, capture_output=True)
        subprocess.run(["mount", "-o", "remount,ro,bind", str(dst)], check=True,
                       capture_output=True)  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        subprocess.run(["umount", str(dst)], capture_output=True, check=False)
        return False
    return True


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_read_commands_work_on_a_read_only_database(coop: Coop, tmp_path: Path) -> None:
    coop.ok("postings", "journal", "--line", "5500:DR:100", "--line", "1110:CR:100",
            operator="accountant1")  # fmt: skip
    from coopctl.core.db import dispose_engines

    dispose_engines()
    ro = tmp_path / "ro"
    if not _read_only_bind(tmp_path, ro):
        pytest.skip("cannot make a read-only mount here (needs root)")
    try:
        url = f"sqlite:///{ro / 'coop.db'}"
        env = {"COOPCTL_DATABASE_URL": url, "COOPCTL_DATA_DIR": str(ro / "coop-data")}
        tb = coop.cli("ledger", "trial-balance", "-f", "json", operator="auditor1", **env)
        assert tb.exit_code == 0, tb.stderr
        assert coop.cli("postings", "list", operator="auditor1", **env).exit_code == 0
        w = coop.cli("postings", "journal", "--line", "5500:DR:1", "--line", "1110:CR:1",
                     operator="accountant1", **env)  # fmt: skip
        assert w.exit_code == 3 and "read-only" in w.stderr
        assert len(w.stderr.strip().splitlines()) == 1
    finally:
        dispose_engines()
        subprocess.run(["umount", str(ro)], capture_output=True, check=False)


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_read_only_file_opened_read_only(coop: Coop, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a mount: a file the process may not write is opened read-only (as root,
    file modes do not stop writes, so the detection is forced here)."""
    from coopctl.core import db

    db.dispose_engines()
    monkeypatch.setattr(db, "_sqlite_read_only", lambda path: (True, False))
    assert coop.cli("ledger", "trial-balance", operator="auditor1").exit_code == 0
    w = coop.cli("postings", "journal", "--line", "5500:DR:1", "--line", "1110:CR:1",
                 operator="accountant1")  # fmt: skip
    assert w.exit_code == 3 and "the database is read-only" in w.stderr
    db.dispose_engines()
