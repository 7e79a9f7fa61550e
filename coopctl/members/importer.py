"""``members import FILE.csv``: all-or-nothing bulk onboarding.

The file is UTF-8 CSV (a BOM is fine) with a header row. Columns, any order:

    first_name,last_name,phone,email,dob,bvn,nin,joined,employer,staff_no

``first_name``, ``last_name`` and ``phone`` are required; the others may be
left empty or left out (``other_names`` and ``address`` are accepted too).
Every problem in the file is reported as ``file:line:field: reason`` — all of
them, including duplicates inside the file and against the database (BVN,
NIN, staff number at the same employer) — and then nothing is written (exit
2). A file that was imported before (same SHA-256) is not imported again.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from coopctl.core import audit, clock, ids
from coopctl.core.context import cipher_for
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import FileFormatError
from coopctl.core.gc_pause import gc_paused
from coopctl.core.security import require
from coopctl.core.sequences import Counter, next_value
from coopctl.members import pii
from coopctl.members.models import Member, MemberImport
from coopctl.members.service import build_member, record_added_many
from coopctl.members.validate import MemberData, validate_fields

COLUMNS = (
    "first_name", "last_name", "phone", "email", "dob", "bvn", "nin", "joined",
    "employer", "staff_no",
)  # fmt: skip
EXTRA_COLUMNS = ("other_names", "address")
REQUIRED_COLUMNS = ("first_name", "last_name", "phone")
_CHUNK = 500


@dataclass
class ImportResult:
    file: str
    sha256: str
    rows: int
    imported: int
    dry_run: bool = False
    already_imported: bool = False
    first_member_no: str | None = None
    last_member_no: str | None = None
    member_nos: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "rows": self.rows,
            "imported": self.imported,
            "dry_run": self.dry_run,
            "already_imported": self.already_imported,
            "first_member_no": self.first_member_no,
            "last_member_no": self.last_member_no,
        }


class _Report:
    """Problems found so far, each ``file:line:field: reason``, in line order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[tuple[int, int, str]] = []

    def add(self, line: int, fld: str, reason: str) -> None:
        self.items.append((line, len(self.items), f"{self.name}:{line}:{fld}: {reason}"))

    def raise_if_any(self) -> None:
        if self.items:
            lines = [t for _, _, t in sorted(self.items)]
            raise FileFormatError(
                f"{self.name}: {len(lines)} problem(s); nothing imported", details=lines
            )


def _decode(raw: bytes, rep: _Report) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        rep.add(raw[: exc.start].count(b"\n") + 1, "file", "not UTF-8 text")
        rep.raise_if_any()
        raise AssertionError("unreachable") from None


def _header(reader: Any, rep: _Report) -> list[str]:
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        rep.add(1, "header", "the file is empty")
        rep.raise_if_any()
        raise AssertionError("unreachable") from None
    known = set(COLUMNS) | set(EXTRA_COLUMNS)
    for h in header:
        if h not in known:
            rep.add(1, "header", f"unknown column {h!r} (expected {','.join(COLUMNS)})")
    for h in {h for h in header if header.count(h) > 1}:
        rep.add(1, "header", f"column {h!r} appears twice")
    for h in REQUIRED_COLUMNS:
        if h not in header:
            rep.add(1, "header", f"required column {h!r} is missing")
    rep.raise_if_any()
    return header


@dataclass
class _Row:
    line: int
    values: dict[str, Any]  # the fields that passed validation
    data: MemberData | None  # the whole record, when every field passed


def parse_file(
    name: str, raw: bytes, *, today: Any, min_age: int, region: str, rep: _Report
) -> list[_Row]:
    """Every data row with its line number; problems go to ``rep``."""
    reader = csv.reader(io.StringIO(_decode(raw, rep), newline=""))
    header = _header(reader, rep)
    rows: list[_Row] = []
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rep.add(line, "row", f"not valid CSV ({exc})")
            break
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            rep.add(line, "row", f"expected {len(header)} fields, got {len(row)}")
            continue
        record = dict(zip(header, row, strict=True))
        values, errors = validate_fields(
            record, today=today, min_age=min_age, region=region, label=lambda f: f
        )
        for e in errors:
            rep.add(line, e.field, e.reason)
        rows.append(_Row(line, values, None if errors else MemberData(**values)))
    return rows


def _staff_key(v: dict[str, Any]) -> tuple[str, str] | None:
    if v.get("employer") and v.get("staff_no"):
        return (str(v["employer"]).lower(), str(v["staff_no"]))
    return None


def _in_file_duplicates(rows: list[_Row], rep: _Report) -> None:
    seen: dict[tuple[str, Any], int] = {}
    for row in rows:
        line = row.line
        keys: list[tuple[str, Any]] = [
            ("bvn", row.values.get("bvn")),
            ("nin", row.values.get("nin")),
            ("staff_no", _staff_key(row.values)),
        ]
        for fld, value in keys:
            if not value:
                continue
            first = seen.setdefault((fld, value), line)
            if first != line:
                what = "staff number at this employer" if fld == "staff_no" else fld.upper()
                rep.add(line, fld, f"same {what} as line {first}")


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _database_duplicates(uow: UnitOfWork, rows: list[_Row], rep: _Report, cipher: Any) -> None:
    for fld, col in (("bvn", Member.bvn_hash), ("nin", Member.nin_hash)):
        by_hash: dict[str, int] = {}
        for r in rows:
            if r.values.get(fld):
                by_hash.setdefault(pii.blind(cipher, fld, r.values[fld]), r.line)
        for chunk in _chunks(list(by_hash)):
            for h, no, status in uow.session.execute(
                select(col, Member.member_no, Member.status).where(col.in_(chunk))
            ):
                reason = f"{fld.upper()} already registered to member {no} ({status})"
                rep.add(by_hash[str(h)], fld, reason)
    staff: dict[tuple[str, str], int] = {}
    for r in rows:
        key = _staff_key(r.values)
        if key is not None:
            staff.setdefault(key, r.line)
    numbers = sorted({s for _, s in staff})
    for chunk in _chunks(numbers):
        stmt = select(func.lower(Member.employer), Member.staff_no, Member.member_no).where(
            Member.staff_no.in_(chunk)
        )
        for emp, sno, no in uow.session.execute(stmt):
            if (emp, sno) in staff:
                rep.add(
                    staff[(emp, sno)],
                    "staff_no",
                    f"staff number {sno} at this employer is already member {no}",
                )


def _reserve_numbers(uow: UnitOfWork, n: int) -> list[str]:
    """``n`` consecutive member numbers from the gap-free "member" sequence."""
    first = next_value(uow, "member")  # locks (PostgreSQL) or creates the counter row
    counter = uow.session.get(Counter, "member")
    assert counter is not None
    counter.value = first + n - 1
    uow.session.flush()
    return [ids.make("M", first + i) for i in range(n)]


def import_members(uow: UnitOfWork, path: Path, *, dry_run: bool = False) -> ImportResult:
    require(uow.operator, "members.manage")
    with gc_paused():
        return _import_members(uow, path, dry_run=dry_run)


def _import_members(uow: UnitOfWork, path: Path, *, dry_run: bool) -> ImportResult:
    from coopctl.core.import_files import read_text

    raw = read_text(path, name=str(path)).raw  # bounded (core.imports)
    sha = hashlib.sha256(raw).hexdigest()
    name = str(path)
    prior = uow.session.scalars(select(MemberImport).where(MemberImport.sha256 == sha)).first()
    if prior is not None:
        uow.note(
            f"{path.name} was already imported on {prior.imported_at:%Y-%m-%d} by "
            f"{prior.imported_by} ({prior.rows} members {prior.first_member_no}–"
            f"{prior.last_member_no}); nothing to do"
        )
        return ImportResult(
            name,
            sha,
            prior.rows,
            0,
            dry_run=dry_run,
            already_imported=True,
            first_member_no=prior.first_member_no,
            last_member_no=prior.last_member_no,
        )
    cfg = uow.settings["members"]
    rep = _Report(name)
    rows = parse_file(
        name,
        raw,
        today=uow.today(),
        min_age=cfg["min_age"],
        region=cfg["phone_region"],
        rep=rep,
    )
    if not rows and not rep.items:
        rep.add(2, "row", "no members in the file")
    cipher = cipher_for(uow)
    _in_file_duplicates(rows, rep)
    _database_duplicates(uow, rows, rep, cipher)
    rep.raise_if_any()
    if dry_run:
        return ImportResult(name, sha, len(rows), 0, dry_run=True)
    numbers = _reserve_numbers(uow, len(rows))
    members = [
        build_member(uow, r.data, no, cipher)
        for r, no in zip(rows, numbers, strict=True)
        if r.data is not None
    ]
    uow.session.add_all(members)
    uow.session.flush()
    record_added_many(uow, members, import_sha256=sha)
    uow.session.add(
        MemberImport(
            sha256=sha,
            file_name=path.name[:255],
            rows=len(members),
            first_member_no=numbers[0],
            last_member_no=numbers[-1],
            imported_by=uow.operator.username,
            imported_at=clock.utcnow(),
        )
    )
    uow.session.flush()
    audit.record(
        uow,
        "member.import",
        "member_import",
        sha,
        after={"file": path.name, "rows": len(members), "first": numbers[0], "last": numbers[-1]},
    )
    return ImportResult(
        name,
        sha,
        len(rows),
        len(members),
        first_member_no=numbers[0],
        last_member_no=numbers[-1],
        member_nos=numbers,
    )
