"""Members: add, show, list, status transitions (update: ``update.py``); helpers others reuse.

For other contexts:
- :func:`get_member` — by member number (check digit first; NotFoundError if missing);
- :func:`require_kyc` — raise :class:`KycRequiredError` unless KYC is approved
  (call it before a withdrawal or a loan);
- :func:`require_open` — raise :class:`MemberInactiveError` for suspended/exited members;
- :func:`set_status` — the one way to change a member's status (member exit calls
  it with ``"exited"``);
- :func:`member_summary` — the masked dict shown by ``members show``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple, Protocol

from sqlalchemy import and_, func, select

from coopctl.core import audit, clock
from coopctl.core.context import cipher_for
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import DuplicateError, ValidationError
from coopctl.core.security import require
from coopctl.core.sequences import next_number
from coopctl.members import pii, validate
from coopctl.members.errors import (
    KycRequiredError,
    MemberFieldError,
    MemberInactiveError,
    MemberStatusError,
)
from coopctl.members.lookup import get_member as get_member
from coopctl.members.models import MEMBER_STATUSES, Member
from coopctl.members.validate import MemberData

# (from, to) → (permission, how). "kyc" moves happen only through KYC approval.
TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("pending_kyc", "active"): ("members.kyc", "kyc"),
    ("active", "suspended"): ("members.manage", "update"),
    ("suspended", "active"): ("members.manage", "update"),
    ("pending_kyc", "exited"): ("members.exit", "exit"),
    ("active", "exited"): ("members.exit", "exit"),
    ("suspended", "exited"): ("members.exit", "exit"),
}
_STATUSES = ", ".join(MEMBER_STATUSES)


def member_settings(uow: UnitOfWork) -> dict[str, Any]:
    return dict(uow.settings["members"])


def raise_all(errors: Sequence[MemberFieldError]) -> None:
    """One error → itself; several → one ValidationError naming each field."""
    if not errors:
        return
    if len(errors) == 1:
        raise errors[0]
    raise ValidationError(
        f"{len(errors)} invalid fields: {', '.join(e.field for e in errors)}",
        details=[str(e) for e in errors],
    )


# --- look-ups ------------------------------------------------------------------
def find_by_identity(uow: UnitOfWork, field: str, value: str) -> Member | None:
    """A member by BVN or NIN (through the blind index)."""
    assert field in ("bvn", "nin")
    h = pii.blind(cipher_for(uow), field, value)
    col = Member.bvn_hash if field == "bvn" else Member.nin_hash
    return uow.session.scalars(select(Member).where(col == h)).first()


def check_unique(
    uow: UnitOfWork,
    data: Mapping[str, Any],
    *,
    exclude_id: int | None = None,
    label: Any = validate._cli_label,
) -> None:
    """BVN and NIN belong to one member; a staff number to one member per employer."""
    for field in ("bvn", "nin"):
        value = data.get(field)
        if not value:
            continue
        other = find_by_identity(uow, field, value)
        if other is not None and other.id != exclude_id:
            raise DuplicateError(
                f"{label(field)}: this {field.upper()} is already registered to member "
                f"{other.member_no} ({other.status})"
            )
    employer, staff_no = data.get("employer"), data.get("staff_no")
    if employer and staff_no:
        stmt = select(Member).where(
            func.lower(Member.employer) == employer.lower(), Member.staff_no == staff_no
        )
        other = uow.session.scalars(stmt).first()
        if other is not None and other.id != exclude_id:
            raise DuplicateError(
                f"{label('staff_no')}: staff number {staff_no} at {employer} is already member "
                f"{other.member_no}"
            )


# --- add -----------------------------------------------------------------------
def validate_input(uow: UnitOfWork, raw: Mapping[str, str | None]) -> MemberData:
    cfg = member_settings(uow)
    data, errors = validate.validate_member(
        raw, today=uow.today(), min_age=cfg["min_age"], region=cfg["phone_region"]
    )
    raise_all(errors)
    assert data is not None
    return data


def add_member(uow: UnitOfWork, raw: Mapping[str, str | None]) -> Member:
    """Validate and register a new member (status pending_kyc, KYC pending)."""
    require(uow.operator, "members.manage")
    data = validate_input(uow, raw)
    check_unique(uow, data.__dict__)
    member = build_member(uow, data, next_number(uow, "member", "M"))
    uow.session.add(member)
    uow.session.flush()
    same_phone = uow.session.scalars(
        select(Member.member_no).where(
            Member.phone_hash == member.phone_hash, Member.id != member.id
        )
    ).all()
    if same_phone:
        uow.note(f"note: the same phone number is on file for {', '.join(same_phone)}")
    record_added(uow, member)
    return member


def build_member(uow: UnitOfWork, data: MemberData, member_no: str, cipher: Any = None) -> Member:
    """A new Member row (not yet added to the session) with its PII encrypted."""
    return Member(**member_values(uow, data, member_no, cipher))


def member_values(
    uow: UnitOfWork, data: MemberData, member_no: str, cipher: Any = None
) -> dict[str, Any]:
    """The column values of a new member (status pending_kyc, PII encrypted and
    blind-indexed): what :func:`build_member` builds, as a mapping for bulk inserts."""
    cipher = cipher or cipher_for(uow)
    values: dict[str, Any] = {
        "member_no": member_no,
        "first_name": data.first_name,
        "last_name": data.last_name,
        "other_names": data.other_names,
        "search_name": data.search_name,
        "email": data.email,
        "employer": data.employer,
        "staff_no": data.staff_no,
        "address": data.address,
        "status": "pending_kyc",
        "kyc_status": "pending",
        "kyc_note": "",
        "joined_on": data.joined,
        "created_at": clock.utcnow(),
        "created_by": uow.operator.username,
    }
    for field in pii.PII_FIELDS:
        values.update(pii.field_values(cipher, member_no, field, getattr(data, field)))
    return values


class AddedMember(Protocol):
    """What :func:`record_added_many` reads of a new member: a :class:`Member`, or a
    light row of a bulk insert (:class:`NewMember`)."""

    @property
    def member_no(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def bvn_enc(self) -> str | None: ...
    @property
    def nin_enc(self) -> str | None: ...
    @property
    def created_by(self) -> str: ...
    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str: ...
    @property
    def joined_on(self) -> Any: ...


class NewMember(NamedTuple):
    """A member written by a bulk insert, without an ORM object (:func:`new_member`)."""

    id: int
    member_no: str
    status: str
    bvn_enc: str | None
    nin_enc: str | None
    created_by: str
    first_name: str
    last_name: str
    joined_on: Any


def new_member(member_id: int, values: Mapping[str, Any]) -> NewMember:
    """The :class:`NewMember` of a row of :func:`member_values` inserted as ``member_id``."""
    return NewMember(member_id, *(values[f] for f in NewMember._fields[1:]))


def record_added(uow: UnitOfWork, m: Member, **extra: Any) -> None:
    _audit_added(uow, m, **extra)
    if m.status == "pending_kyc":
        from coopctl.members.kyc import request_approval

        request_approval(uow, m)


def record_added_many(uow: UnitOfWork, members: Sequence[AddedMember], **extra: Any) -> None:
    """:func:`record_added` for a batch (``members import``, go-live): each member's own
    ``member.add`` audit record (queued, written by the log's one executemany at
    commit), and the KYC approvals submitted in bulk. ``members`` may be ORM rows or
    the light rows of a bulk insert (:class:`NewMember`)."""
    if not members:
        return
    for m in members:
        _audit_added(uow, m, **extra)
    from coopctl.members.kyc import request_approvals

    request_approvals(uow, [m for m in members if m.status == "pending_kyc"])


def _audit_added(uow: UnitOfWork, m: AddedMember, **extra: Any) -> None:
    audit.record(
        uow,
        "member.add",
        "member",
        m.member_no,
        after={
            "first_name": m.first_name,
            "last_name": m.last_name,
            "status": m.status,
            "joined": m.joined_on,
            "phone": True,  # redacted by the audit log: only records that it was set
            "bvn": m.bvn_enc is not None,
            "nin": m.nin_enc is not None,
            **extra,
        },
    )


# --- show / list -----------------------------------------------------------------
def member_summary(member: Member, cipher: Any, *, reveal: bool = False) -> dict[str, Any]:
    """The member as shown to operators: PII masked unless ``reveal``."""
    phone = pii.get_field(cipher, member, "phone")
    dob = pii.get_dob(cipher, member)
    d: dict[str, Any] = {
        "member_no": member.member_no,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "other_names": member.other_names,
        "status": member.status,
        "kyc_status": member.kyc_status,
        "phone": pii.mask_phone(phone),
        "email": member.email,
        "bvn": pii.mask_digits(member.bvn_last4),
        "nin": pii.mask_digits(member.nin_last4),
        "dob": pii.mask_dob(dob),
        "joined": member.joined_on,
        "employer": member.employer,
        "staff_no": member.staff_no,
        "address": member.address,
        "kyc_note": member.kyc_note,
        "kyc_by": member.kyc_by,
        "exited_on": member.exited_on,
        "created_by": member.created_by,
    }
    if member.erased_on is not None:  # only erased members carry the key
        d["erased_on"] = member.erased_on
    if reveal:
        d.update(
            phone=phone,
            bvn=pii.get_field(cipher, member, "bvn"),
            nin=pii.get_field(cipher, member, "nin"),
            dob=dob,
            revealed=True,
        )
    return d


def show_member(uow: UnitOfWork, member_no: str, *, reveal: bool = False) -> dict[str, Any]:
    """``members show``; ``reveal`` needs members.reveal and leaves an audit row."""
    require(uow.operator, "members.view")
    if reveal:
        require(uow.operator, "members.reveal")
    m = get_member(uow, member_no)
    if reveal:
        audit.record(
            uow, "member.reveal", "member", m.member_no, after={"fields": list(pii.PII_FIELDS)}
        )
    from coopctl.members import documents

    d = member_summary(m, cipher_for(uow), reveal=reveal)
    d["documents"] = sorted({doc.kind for doc in documents.documents_of(uow, m)})
    d["missing_documents"] = documents.missing_kinds(uow, m)
    return d


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_members(
    uow: UnitOfWork,
    *,
    status: str | None = None,
    kyc: str | None = None,
    search: str | None = None,
    bvn: str | None = None,
    nin: str | None = None,
    limit: int | None = None,
) -> list[Member]:
    """Members by status, name/number/phone search, or BVN/NIN (blind index)."""
    require(uow.operator, "members.view")
    stmt = select(Member).order_by(Member.member_no)
    if status:
        if status not in MEMBER_STATUSES:
            raise ValidationError(f"--status: {status!r} is not one of {_STATUSES}")
        stmt = stmt.where(Member.status == status)
    if kyc:
        if kyc not in ("pending", "approved", "rejected"):
            raise ValidationError(f"--kyc: {kyc!r} is not one of pending, approved, rejected")
        stmt = stmt.where(Member.kyc_status == kyc)
    cipher = cipher_for(uow) if (bvn or nin or search) else None
    if bvn is not None:
        v = validate.eleven_digits(bvn, "--bvn", "BVN")
        if v is None:
            raise ValidationError("--bvn: must not be empty")
        stmt = stmt.where(Member.bvn_hash == pii.blind(cipher, "bvn", v))
    if nin is not None:
        v = validate.eleven_digits(nin, "--nin", "NIN")
        if v is None:
            raise ValidationError("--nin: must not be empty")
        stmt = stmt.where(Member.nin_hash == pii.blind(cipher, "nin", v))
    if search is not None:
        stmt = stmt.where(_search_clause(uow, search, cipher))
    if limit:
        stmt = stmt.limit(limit)
    return list(uow.session.scalars(stmt))


def _search_clause(uow: UnitOfWork, text: str, cipher: Any) -> Any:
    """Member number (check digit verified), phone (E.164 blind index) or name words."""
    t = text.strip()
    if not t:
        raise ValidationError("--search: must not be empty")
    if t[:1] in "Mm" and t[1:].isdigit():
        return Member.member_no == validate.member_no(t, field="--search")
    if any(c.isdigit() for c in t) and validate._PHONE_CHARS.match(t):
        region = member_settings(uow)["phone_region"]
        try:
            e164 = validate.phone(t, "--search", region=region)
        except MemberFieldError:
            raise ValidationError(
                f"--search: {t!r} is neither a member number nor a valid phone number"
            ) from None
        return Member.phone_hash == pii.blind(cipher, "phone", e164)
    words = validate.fold(t).split()
    return and_(*[Member.search_name.like(f"%{_like_escape(w)}%", escape="\\") for w in words])


# --- status ------------------------------------------------------------------------
def set_status(
    uow: UnitOfWork,
    member: Member,
    new_status: str,
    *,
    reason: str = "",
    on: date | None = None,
    _via_kyc: bool = False,
) -> Member:
    """Move ``member`` to ``new_status`` along the transition table (exit 5 otherwise).

    pending_kyc → active happens only through KYC approval; active ↔ suspended
    through ``members update --status`` (suspension needs a reason); → exited
    through member exit (``on`` = exit date, default the business date).
    """
    if new_status not in MEMBER_STATUSES:
        raise ValidationError(f"--status: {new_status!r} is not one of {_STATUSES}")
    old = member.status
    if old == new_status:
        raise MemberStatusError(f"member {member.member_no} is already {old}")
    rule = TRANSITIONS.get((old, new_status))
    if rule is None:
        raise MemberStatusError(
            f"member {member.member_no}: {old} → {new_status} is not an allowed transition"
            f"{_hint(old, new_status)}"
        )
    permission, how = rule
    if how == "kyc" and not _via_kyc:
        raise MemberStatusError(
            f"member {member.member_no}: {old} → {new_status} happens only through KYC approval "
            "(coopctl members kyc approve)"
        )
    require(uow.operator, permission)
    if new_status == "suspended" and not reason.strip():
        raise ValidationError("--reason: a suspension needs a reason")
    member.status = new_status
    if new_status == "exited":
        member.exited_on = on or uow.today()
    uow.session.flush()
    audit.record(
        uow,
        "member.status",
        "member",
        member.member_no,
        before={"status": old},
        after={"status": new_status, "reason": reason},
    )
    return member


def _hint(old: str, new: str) -> str:
    if new == "exited":
        return " (members exit only from pending_kyc, active or suspended)"
    if old == "exited":
        return " (an exited member stays exited)"
    if old == "pending_kyc":
        return " (approve KYC first: coopctl members kyc approve)"
    return ""


def require_kyc(member: Member) -> None:
    """Raise KycRequiredError unless the member's KYC is approved (withdrawals, loans)."""
    if member.kyc_status != "approved":
        raise KycRequiredError(
            f"member {member.member_no} has not passed KYC (kyc_status {member.kyc_status}); "
            "withdrawals and loans wait for `coopctl members kyc approve`"
        )


def require_open(member: Member) -> None:
    """Raise MemberInactiveError for a suspended or exited member."""
    if member.status in ("suspended", "exited"):
        raise MemberInactiveError(f"member {member.member_no} is {member.status}")
