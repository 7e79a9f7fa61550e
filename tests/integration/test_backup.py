"""Backups on SQLite and PostgreSQL: create → verify → restore into a fresh database gives
the same books, documents and readable PII; damage, wrong keys and busy databases."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Coop, _pg_admin_exec, _pg_url_for, need_pg
from tests.integration.deposits_support import (
    add_member,
    approve_kyc_via_cli,
    deposit,
    open_account,
    trial_balance,
    withdraw,
)

KEY = base64.b64encode(b"k" * 32).decode()
OTHER_KEY = base64.b64encode(b"x" * 32).decode()


def _fresh_db(dialect: str, root: Path, tag: str) -> tuple[str, Any]:
    """An empty database of ``dialect`` and a function that drops it."""
    if dialect == "sqlite":
        return f"sqlite:///{root / f'{tag}.db'}", lambda: None
    name = f"coopctl_bk_{tag}_{uuid.uuid4().hex[:8]}"
    _pg_admin_exec(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from coopctl.core.db import dispose_engines

        dispose_engines()
        _pg_admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return _pg_url_for(name), drop


def _books(coop: Coop, tmp: Path) -> str:
    """A member with KYC documents, a savings account, deposits and a withdrawal."""
    member = add_member(coop, "Chiamaka", "Eze", kyc=False)
    approve_kyc_via_cli(coop, tmp, member)
    acct = open_account(coop, member)
    deposit(coop, acct, "25,000.50")
    deposit(coop, acct, "4,999.50")
    withdraw(coop, acct, "1,200.00")
    return member


def _counts(coop: Coop) -> dict[str, int]:
    from coopctl.backup import figures
    from coopctl.backup.snapshot import plain_engine

    eng = plain_engine(coop.url)
    try:
        with eng.connect() as c:
            return figures.row_counts(c)
    finally:
        eng.dispose()


def _create(coop: Coop, *extra: str) -> dict[str, Any]:
    return coop.ok("backup", "create", "-o", coop.workdir / "backups", *extra)  # type: ignore[no-any-return]


def test_round_trip_gives_the_same_books_documents_and_pii(coop: Coop, tmp_path: Path) -> None:
    coop.env_extra["COOPCTL_BACKUP_KEY"] = KEY
    member = _books(coop, tmp_path)
    doc = coop.ok("members", "docs", "list", member)[0]
    made = _create(coop)
    backup = Path(made["file"])
    assert made["bytes"] == backup.stat().st_size and made["manifest"]["schema_revision"]
    assert made["manifest"]["counts"]["journal_entries"] == 3
    assert coop.ok("backup", "verify", backup)["ok"] is True

    url, drop = _fresh_db(coop.dialect, tmp_path, "restored")
    try:
        new_data = tmp_path / "restored-data"
        coop.ok("backup", "restore", backup, "--to", url, "--data-dir", new_data)
        restored = Coop(coop.dialect, url, new_data, tmp_path, env_extra=dict(coop.env_extra))
        assert restored.ok("ledger", "trial-balance") == coop.ok("ledger", "trial-balance")
        assert _counts(restored) == _counts(coop)
        assert restored.cli("audit", "verify").exit_code == 0
        shown = restored.ok("members", "show", member, "--reveal", operator="manager1")
        assert shown["phone"] == coop.ok("members", "show", member, "--reveal")["phone"]
        assert shown["phone"].startswith("+234")
        a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
        coop.ok("members", "docs", "get", doc["doc_id"], "-o", a, operator="manager1")
        restored.ok("members", "docs", "get", doc["doc_id"], "-o", b, operator="manager1")
        assert a.read_bytes() == b.read_bytes() and a.stat().st_size > 0
        # the restored cooperative carries on: a new posting gets a fresh id
        acct = coop.sql("SELECT account_no FROM accounts")[0][0]
        assert deposit(restored, acct, "100.00")["status"] == "posted"
        assert restored.ok("ledger", "verify")["ok"] is True
        # and a restore refuses to write over it
        again = restored.cli("backup", "restore", backup, "--to", url, "--data-dir", new_data)
        assert again.exit_code == 5 and "not empty" in again.stderr
    finally:
        drop()


def _flip(src: Path, dest: Path, offset: int) -> Path:
    data = bytearray(src.read_bytes())
    data[offset] ^= 0x01
    dest.write_bytes(bytes(data))
    return dest


@pytest.mark.parametrize("encrypted", [True, False])
def test_a_flipped_byte_anywhere_or_a_truncation_is_exit_6(
    sqlite_coop: Coop, tmp_path: Path, encrypted: bool
) -> None:
    coop = sqlite_coop
    coop.env_extra["COOPCTL_BACKUP_KEY"] = KEY
    _books(coop, tmp_path)
    backup = Path(_create(coop, *([] if encrypted else ["--no-encrypt"]))["file"])
    size = backup.stat().st_size
    # header (magic, mode, salt, key check, its checksum), the first chunk, the middle, the end
    for offset in (0, 8, 20, 60, 80, 100, size // 2, size - 17, size - 1):
        bad = _flip(backup, tmp_path / f"flip-{offset}.coopbak", offset)
        r = coop.cli("backup", "verify", bad, "--format", "json")
        assert r.exit_code == 6, (offset, r.stderr)
        assert r.json["ok"] is False and r.json["problems"][0]["check"] == "archive"
    for cut in (10, 200, size // 2, size - 1):
        short = tmp_path / f"cut-{cut}.coopbak"
        short.write_bytes(backup.read_bytes()[:cut])
        assert coop.cli("backup", "verify", short).exit_code == 6, cut
    longer = tmp_path / "longer.coopbak"
    longer.write_bytes(backup.read_bytes() + b"\0")
    assert coop.cli("backup", "verify", longer).exit_code == 6
    assert coop.cli("backup", "verify", backup).exit_code == 0


def test_wrong_or_missing_key_is_exit_4_and_keys_are_required(
    sqlite_coop: Coop, tmp_path: Path
) -> None:
    coop = sqlite_coop
    r = coop.cli("backup", "create", "-o", tmp_path / "b")
    assert r.exit_code == 5 and "--no-encrypt" in r.stderr  # no key: refused, nothing written
    assert not list((tmp_path / "b").glob("*.coopbak"))
    field_key = (coop.data_dir / "secret.key").read_text().strip()
    r = coop.cli("backup", "create", "-o", tmp_path / "b", COOPCTL_BACKUP_KEY=field_key)
    assert r.exit_code == 5 and "field-encryption key" in r.stderr
    coop.env_extra["COOPCTL_BACKUP_KEY"] = KEY
    backup = Path(_create(coop)["file"])
    r = coop.cli("backup", "verify", backup, COOPCTL_BACKUP_KEY=OTHER_KEY)
    assert r.exit_code == 4 and "wrong backup key" in r.stderr
    spare = {"COOPCTL_DATABASE_URL": f"sqlite:///{tmp_path / 'spare.db'}"}  # a drill machine
    assert coop.cli("backup", "verify", backup, **spare).exit_code == 0
    assert not (tmp_path / "spare.db").exists()
    # a passphrase backup (scrypt) opens only with its passphrase
    del coop.env_extra["COOPCTL_BACKUP_KEY"]
    phrase = {"COOPCTL_BACKUP_PASSPHRASE": "correct horse battery staple"}
    made = coop.ok("backup", "create", "-o", tmp_path / "p", **phrase)
    assert coop.cli("backup", "verify", made["file"], **phrase).exit_code == 0
    wrong = {"COOPCTL_BACKUP_PASSPHRASE": "incorrect horse battery staple"}
    assert coop.cli("backup", "verify", made["file"], **wrong).exit_code == 4
    # the teller may not take backups
    assert coop.cli("backup", "create", "--no-encrypt", operator="teller1").exit_code == 4


_POSTER = """
import sys
from coopctl.cli.main import main
acct, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    code = main(["postings", "deposit", acct, "10.00", "--format", "json"])
    assert code == 0, code
    print(i, flush=True)
"""


def test_backup_while_another_process_posts_restores_a_consistent_ledger(
    coop: Coop, tmp_path: Path
) -> None:
    coop.env_extra["COOPCTL_BACKUP_KEY"] = KEY
    member = add_member(coop, "Bola", "Ade")
    acct = open_account(coop, member)
    env = {**os.environ, **coop.env("teller1")}
    poster = subprocess.Popen(
        [sys.executable, "-c", _POSTER, acct, "20"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert poster.stdout is not None
    poster.stdout.readline()  # posting has started
    made = _create(coop)
    _out, err = poster.communicate(timeout=300)
    assert poster.returncode == 0, err
    posted = made["manifest"]["ledger_checksum"]["posted_entries"]
    assert 1 <= posted <= 20
    backup = Path(made["file"])
    assert coop.ok("backup", "verify", backup)["ok"] is True
    url, drop = _fresh_db(coop.dialect, tmp_path, "busy")
    try:
        coop.ok("backup", "restore", backup, "--to", url, "--data-dir", tmp_path / "busy-data")
        restored = Coop(coop.dialect, url, tmp_path / "busy-data", tmp_path)
        assert restored.ok("ledger", "verify")["ok"] is True
        bal = restored.ok("accounts", "show", acct, operator="auditor1")["balance"]
        assert bal == f"{posted * 10}.00"  # the balance row agrees with the lines it saw
    finally:
        drop()


@pytest.mark.parametrize("direction", ["sqlite-to-postgresql", "postgresql-to-sqlite"])
def test_moving_between_sqlite_and_postgresql(
    direction: str, isolated: Path, tmp_path_factory: Any, tmp_path: Path
) -> None:
    need_pg()
    from tests.conftest import _clone, _drop

    src_dialect, dst_dialect = direction.split("-to-")
    coop = _clone(src_dialect, isolated, tmp_path_factory)
    try:
        coop.env_extra["COOPCTL_BACKUP_KEY"] = KEY
        member = _books(coop, tmp_path)
        backup = Path(_create(coop)["file"])
        url, drop = _fresh_db(dst_dialect, tmp_path, "moved")
        try:
            coop.ok("backup", "restore", backup, "--to", url, "--data-dir", tmp_path / "moved")
            moved = Coop(dst_dialect, url, tmp_path / "moved", tmp_path, env_extra=coop.env_extra)
            assert moved.ok("ledger", "trial-balance") == coop.ok("ledger", "trial-balance")
            assert _counts(moved) == _counts(coop)
            assert moved.cli("audit", "verify").exit_code == 0
            shown = moved.ok("members", "show", member, "--reveal", operator="manager1")
            assert shown["phone"] == coop.ok("members", "show", member, "--reveal")["phone"]
            acct = coop.sql("SELECT account_no FROM accounts")[0][0]
            assert deposit(moved, acct, "1.00")["status"] == "posted"  # sequences moved on
            assert moved.ok("ledger", "verify")["ok"] is True
            assert trial_balance(moved)["2110"] != trial_balance(coop)["2110"]
            # a posted entry in the moved database is still protected by the triggers
            r = moved.cli("backup", "verify", Path(_create(moved)["file"]))
            assert r.exit_code == 0, r.stderr
        finally:
            drop()
    finally:
        _drop(coop)


def test_pg_dump_missing_or_older_than_the_server_is_exit_5(pg_coop: Coop, tmp_path: Path) -> None:
    empty = tmp_path / "bin-empty"
    empty.mkdir()
    r = pg_coop.cli("backup", "create", "--no-encrypt", COOPCTL_BACKUP__PG_BIN_DIR=str(empty))
    assert r.exit_code == 5 and "pg_dump" in r.stderr
    old = tmp_path / "bin-old"
    old.mkdir()
    fake = old / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    r = pg_coop.cli("backup", "create", "--no-encrypt", COOPCTL_BACKUP__PG_BIN_DIR=str(old))
    assert r.exit_code == 5 and "older than the PostgreSQL server" in r.stderr
    assert not list((pg_coop.data_dir / "backups").glob("*.coopbak"))


def test_doctor_fails_when_the_last_verified_backup_is_too_old(
    sqlite_coop: Coop, tmp_path: Path
) -> None:
    coop = sqlite_coop
    assert coop.cli("doctor").exit_code == 0  # a new installation has a day to take one
    made = coop.ok("backup", "create", "--no-encrypt")
    assert coop.ok("backup", "list")[0]["verified"] is None
    coop.ok("backup", "verify", made["file"])
    r = coop.cli("doctor")
    assert r.exit_code == 0 and "last verified backup" in r.stderr
    side = Path(made["file"] + ".json")
    data = json.loads(side.read_text())
    data["manifest"]["created_at"] = "2026-01-01T00:00:00+00:00"
    side.write_text(json.dumps(data))
    r = coop.cli("doctor", "--format", "json")
    assert r.exit_code == 6
    assert [p["check"] for p in r.json["problems"]] == ["backup"]


def test_db_upgrade_takes_and_verifies_a_backup_first(sqlite_coop: Coop) -> None:
    from coopctl.core import migrate

    coop = sqlite_coop
    coop.env_extra["COOPCTL_BACKUP_KEY"] = KEY
    migrate.downgrade(coop.engine(), "0015")
    out = coop.ok("db", "upgrade")
    assert out["before"] == "0015" and out["current"] == migrate.head()
    backup = Path(out["backup"])
    listed = coop.ok("backup", "list")
    assert listed[0]["file"] == backup.name and listed[0]["verified"] is True
    migrate.downgrade(coop.engine(), "0015")
    assert coop.ok("db", "upgrade", "--no-backup")["backup"] is None


def test_nightly_job_creates_verifies_copies_prunes_once_per_day(
    sqlite_coop: Coop, tmp_path: Path
) -> None:
    from datetime import date

    from coopctl.backup.job import STEPS, nightly
    from coopctl.backup.retention import entries

    coop = sqlite_coop
    os.environ["COOPCTL_BACKUP_KEY"] = KEY
    try:
        ctx = coop.context()
        ctx.settings.values["backup"]["copy_to"] = str(tmp_path / "offsite")
        first = nightly(ctx, date(2026, 11, 28))
        second = nightly(ctx, date(2026, 11, 28))
        again = STEPS["backup.verify"](ctx, date(2026, 11, 28))
    finally:
        del os.environ["COOPCTL_BACKUP_KEY"]
    assert [s["items"] for s in first["steps"].values()] == [1, 1, 1, 0]
    assert second["items"] == 0 and second["skipped"] == 3 and again["skipped"] == 1
    assert second["file"] == first["file"]
    made = entries(coop.data_dir / "backups")
    assert len(made) == 1 and made[0].verified is True and made[0].business_date == "2026-11-28"
    copied = tmp_path / "offsite" / made[0].file.name
    assert copied.read_bytes() == made[0].file.read_bytes()


def test_prune_keeps_the_retention_and_the_newest_verified(
    sqlite_coop: Coop, tmp_path: Path
) -> None:
    coop = sqlite_coop
    made = [coop.ok("backup", "create", "--no-encrypt")["file"] for _ in range(3)]
    coop.ok("backup", "verify", made[0])  # the oldest is the only verified one
    for file, day in zip(made, ("2026-11-20", "2026-11-27", "2026-11-28"), strict=True):
        side = Path(file + ".json")
        data = json.loads(side.read_text())
        data["manifest"]["created_at"] = f"{day}T01:00:00+00:00"
        side.write_text(json.dumps(data))
    keep_one = {"COOPCTL_BACKUP__KEEP_DAILY": "1", "COOPCTL_BACKUP__KEEP_WEEKLY": "0"}
    keep_one["COOPCTL_BACKUP__KEEP_MONTHLY"] = "0"
    would = coop.ok("backup", "prune", "--dry-run", **keep_one)
    assert [w["file"] for w in would] == [Path(made[1]).name]
    assert all(Path(f).exists() for f in made)
    coop.ok("backup", "prune", **keep_one)
    assert [Path(f).exists() for f in made] == [True, False, True]
    assert not Path(made[1] + ".json").exists()
    # the second location: a command (run without a shell) and a folder
    offsite = tmp_path / "offsite"
    offsite.mkdir()
    r = coop.ok("backup", "copy", made[2], COOPCTL_BACKUP__COPY_COMMAND=f"cp {{file}} {offsite}")
    assert (offsite / Path(made[2]).name).read_bytes() == Path(made[2]).read_bytes()
    assert r["copies"] == "cp"
    assert coop.cli("backup", "copy", made[2]).exit_code == 5  # nowhere configured


def test_restore_over_a_database_needs_force_and_yes(sqlite_coop: Coop, tmp_path: Path) -> None:
    coop = sqlite_coop
    backup = coop.ok("backup", "create", "--no-encrypt")["file"]
    member = add_member(coop, "Late", "Member")
    target = ["--to", coop.url, "--data-dir", coop.data_dir]
    assert coop.cli("backup", "restore", backup, *target).exit_code == 5
    assert coop.cli("backup", "restore", backup, *target, "--force").exit_code == 2
    coop.ok("backup", "restore", backup, *target, "--force", "--yes")
    assert coop.cli("members", "show", member).exit_code == 3  # back to the backup's state
    assert coop.ok("ledger", "verify")["ok"] is True
