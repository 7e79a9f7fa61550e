"""The ``members`` template: members come in through the members import's own checks.

Each row is validated by :func:`coopctl.members.validate.validate_fields` and
checked for duplicates (BVN, NIN) in the file and in the database by the members
importer; members' rows are made by :func:`coopctl.members.service.member_values`
(what ``build_member`` builds: PII encrypted, blind indexes) — nothing of that is
repeated here. Go-live adds the
``legacy_id``: unique, kept in ``golive_members`` so the accounts and loans
templates can name a member by the old system's id.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from coopctl.core.context import cipher_for
from coopctl.core.db import UnitOfWork
from coopctl.golive.models import GoliveMember
from coopctl.golive.reader import Report
from coopctl.ledger.bulk_rows import insert_rows
from coopctl.members import importer
from coopctl.members.models import Member
from coopctl.members.service import member_values, new_member, record_added_many
from coopctl.members.validate import MemberData, validate_fields

_FIELD = {"joined": "joined_on"}


def check(uow: UnitOfWork, rows: list[tuple[int, dict[str, str]]], rep: Report) -> list[Any]:
    """Validated rows (the members importer's row type), legacy ids in ``values``."""
    cfg = uow.settings["members"]
    today = uow.today()
    out: list[Any] = []
    legacy: dict[str, int] = {}
    for n, rec in rows:
        lid = rec.get("legacy_id", "")
        if not lid:
            rep.add(n, "legacy_id", "required")
        elif len(lid) > 64:
            rep.add(n, "legacy_id", "longer than 64 characters")
        elif lid.upper() in legacy:
            rep.add(n, "legacy_id", f"same legacy_id as row {legacy[lid.upper()]}")
        else:
            legacy[lid.upper()] = n
        raw = {("joined" if k == "joined_on" else k): v for k, v in rec.items() if k != "legacy_id"}
        values, errors = validate_fields(
            raw,
            today=today,
            min_age=cfg["min_age"],
            region=cfg["phone_region"],
            label=lambda f: _FIELD.get(f, f),
        )
        for e in errors:
            rep.add(n, e.field, e.reason)
        row = importer._Row(n, values, None if errors else MemberData(**values))
        row.values["legacy_id"] = lid.upper()
        out.append(row)
    for chunk in importer._chunks(sorted(legacy)):
        for (lid,) in uow.session.execute(
            select(GoliveMember.legacy_id).where(GoliveMember.legacy_id.in_(chunk))
        ):
            rep.add(legacy[lid], "legacy_id", f"legacy_id {lid!r} was imported before")
    importer._in_file_duplicates(out, rep)  # type: ignore[arg-type]
    importer._database_duplicates(uow, out, rep, cipher_for(uow))  # type: ignore[arg-type]
    return out


def write(uow: UnitOfWork, rows: list[Any], sha: str, import_id: int) -> list[str]:
    """Create the members; returns their new numbers (in file order)."""
    numbers = importer._reserve_numbers(uow, len(rows))
    cipher = cipher_for(uow)
    values = [member_values(uow, r.data, no, cipher) for r, no in zip(rows, numbers, strict=True)]
    ids = _insert(uow, values)
    record_added_many(
        uow,
        [new_member(mid, v) for mid, v in zip(ids, values, strict=True)],
        import_sha256=sha,
        golive=True,
    )
    insert_rows(
        uow,
        GoliveMember.__table__,
        [
            {"legacy_id": r.values["legacy_id"], "member_id": mid, "import_id": import_id}
            for r, mid in zip(rows, ids, strict=True)
        ],
        model=GoliveMember,
    )
    return numbers


def _insert(uow: UnitOfWork, values: list[dict[str, Any]]) -> list[int]:
    """Write new members (rows of :func:`member_values`) in bulk; returns their ids.

    No ORM object per member: the ids are allocated up front and the rows go in with
    :func:`coopctl.ledger.bulk_rows.insert_rows` (multi-row INSERTs on SQLite, COPY on
    PostgreSQL), text lengths checked as the flush checks them. Every column a new
    member's flush would set is in the rows (the rest are NULL); a test holds the two
    identical."""
    return insert_rows(uow, Member.__table__, values, ids=True, model=Member)
