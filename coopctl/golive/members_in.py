"""The ``members`` template: members come in through the members import's own checks.

Each row is validated by :func:`coopctl.members.validate.validate_fields` and
checked for duplicates (BVN, NIN) in the file and in the database by the members
importer; members are built by :func:`coopctl.members.service.build_member` (PII
encrypted, blind indexes) — nothing of that is repeated here. Go-live adds the
``legacy_id``: unique, kept in ``golive_members`` so the accounts and loans
templates can name a member by the old system's id.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from coopctl.core.context import cipher_for
from coopctl.core.db import UnitOfWork
from coopctl.core.limits import check_values
from coopctl.golive.models import GoliveMember
from coopctl.golive.reader import Report
from coopctl.members import importer
from coopctl.members.models import Member
from coopctl.members.service import build_member, record_added_many
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
    built = [build_member(uow, r.data, no, cipher) for r, no in zip(rows, numbers, strict=True)]
    members = _insert(uow, built)
    record_added_many(uow, members, import_sha256=sha, golive=True)
    uow.session.execute(
        insert(GoliveMember),
        [
            {"legacy_id": r.values["legacy_id"], "member_id": m.id, "import_id": import_id}
            for r, m in zip(rows, members, strict=True)
        ],
    )
    return numbers


def _insert(uow: UnitOfWork, built: list[Member]) -> list[Member]:
    """Write the built members with one executemany and read them back by number.

    The ORM needs each new row's id back; SQLite cannot order the ids of a multi-row
    ``RETURNING``, so the ORM would insert a hundred thousand members one statement at
    a time. The values are the built objects' own (every attribute ``build_member``
    set, PII already encrypted), length-checked as the flush would check them."""
    cols = [(a.key, a.columns[0]) for a in Member.__mapper__.column_attrs if a.key != "id"]
    values, same_shape = [], True
    for m in built:
        row = {}
        for key, col in cols:
            if key not in m.__dict__:
                continue  # the column's default, as in the flush
            value = m.__dict__[key]
            if value is None and (col.default is not None or col.server_default is not None):
                # the flush leaves a None out so the default applies: the same value here
                if col.default is None or not col.default.is_scalar:
                    same_shape = False
                    continue
                value = col.default.arg
            row[col.name] = value
        check_values(Member, {key: m.__dict__.get(key) for key, _ in cols})
        values.append(row)
    if not same_shape or not values or any(r.keys() != values[0].keys() for r in values):
        uow.session.add_all(built)  # not one shape: the ORM's flush
        uow.session.flush()
        return built
    uow.session.execute(insert(Member.__table__), values)  # type: ignore[arg-type]
    by_no: dict[str, Member] = {}
    numbers = [m.member_no for m in built]
    for i in range(0, len(numbers), 5000):
        by_no.update(
            (m.member_no, m)
            for m in uow.session.scalars(
                select(Member).where(Member.member_no.in_(numbers[i : i + 5000]))
            )
        )
    return [by_no[no] for no in numbers]
