"""Go-live writes its members as plain rows in bulk (no ORM object per member; SQLite
cannot order the ids of a multi-row RETURNING, so the ORM's flush would insert them one
by one): every column must be what the ORM's flush writes for the same members
(defaults, encrypted PII, blind indexes), on both databases."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from sqlalchemy import select

from coopctl.golive import members_in
from coopctl.members.models import Member
from coopctl.members.service import build_member, member_values
from coopctl.members.validate import MemberData
from tests.conftest import Coop


def _data(rng: random.Random, i: int) -> MemberData:
    return MemberData(
        first_name=rng.choice(["Ada", "Bola", "Chidi", "Ngozi"]),
        last_name=rng.choice(["Okafor", "Adeyemi", "Bello"]),
        phone=f"+23480{i:08d}",
        joined=date(2020, 1, 1 + i % 28),
        other_names=rng.choice(["", "Grace"]),
        email=rng.choice([None, f"m{i}@example.org"]),
        dob=rng.choice([None, date(1980, 5, 1 + i % 28)]),
        bvn=rng.choice([None, f"22{i:09d}"]),
        nin=rng.choice([None, f"11{i:09d}"]),
        employer=rng.choice(["", "FMC"]),
        staff_no=rng.choice(["", f"S{i}"]),
        address=rng.choice(["", "1 Hospital Road"]),
    )


def _rows(u: Any, numbers: list[str]) -> list[dict[str, Any]]:
    cols = [c for c in Member.__table__.columns if c.name not in ("id", "created_at")]
    return [
        {c.name: v for c, v in zip(cols, row, strict=True)}
        for row in u.session.execute(
            select(*cols).where(Member.member_no.in_(numbers)).order_by(Member.member_no)
        )
    ]


def test_members_written_in_bulk_equal_the_flush(coop: Coop) -> None:
    rng = random.Random(3)
    data = [_data(rng, i) for i in range(40)]
    numbers = [f"M{900000 + i}" for i in range(40)]
    with coop.uow("admin") as u:
        flushed = [build_member(u, d, no) for d, no in zip(data, numbers, strict=True)]
        u.session.add_all(flushed)
        u.session.flush()
        reference = _rows(u, numbers)
        u.session.rollback()
    with coop.uow("admin") as u:
        values = [member_values(u, d, no) for d, no in zip(data, numbers, strict=True)]
        ids = members_in._insert(u, values)
        by_no = dict(u.session.execute(select(Member.member_no, Member.id)).all())
        assert [by_no[no] for no in numbers] == ids
        bulk = _rows(u, numbers)
        u.session.rollback()
    assert len(reference) == 40
    for a, b in zip(reference, bulk, strict=True):
        for k in a:
            if k.endswith("_enc"):  # AES-GCM: a fresh nonce each time; both decrypt alike
                assert (a[k] is None) == (b[k] is None), k
            else:
                assert a[k] == b[k], k
