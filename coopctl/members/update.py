"""``members update``: correct a member's details, suspend or reactivate them.

Identity fields (names, date of birth, BVN, NIN) of a KYC-approved member need
permission ``members.kyc`` as well as ``members.manage``. BVN, NIN and date of
birth can be corrected but not removed. Changed PII is re-encrypted and
re-indexed; the audit row names the changed fields without their values.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from coopctl.core import audit
from coopctl.core.context import cipher_for
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import ValidationError
from coopctl.core.security import require
from coopctl.members import pii, validate
from coopctl.members.errors import MemberFieldError, MemberStatusError
from coopctl.members.models import MEMBER_STATUSES, Member
from coopctl.members.service import (
    TRANSITIONS,
    check_unique,
    get_member,
    member_settings,
    raise_all,
    set_status,
)

_STATUSES = ", ".join(MEMBER_STATUSES)
IDENTITY_FIELDS = ("first_name", "last_name", "other_names", "dob", "bvn", "nin")
UPDATABLE = (
    "first_name", "last_name", "other_names", "phone", "email", "dob", "bvn", "nin",
    "employer", "staff_no", "address",
)  # fmt: skip


def update_member(
    uow: UnitOfWork,
    member_no: str,
    changes: Mapping[str, str | None],
    *,
    status: str | None = None,
    reason: str = "",
) -> tuple[Member, list[str]]:
    """Change contact/identity fields and/or suspend/reactivate; returns the changed fields.

    Identity fields (names, dob, BVN, NIN) of a KYC-approved member need
    permission members.kyc as well. BVN, NIN and date of birth can be
    corrected but not removed.
    """
    require(uow.operator, "members.manage")
    given = {k: v for k, v in changes.items() if v is not None}
    unknown = set(given) - set(UPDATABLE)
    if unknown:
        raise AssertionError(f"not updatable: {sorted(unknown)}")
    if not given and status is None:
        raise ValidationError("nothing to update: give at least one option")
    m = get_member(uow, member_no, lock=True)
    if m.status == "exited":
        raise MemberStatusError(f"member {m.member_no} has exited; the record is closed")
    if status is not None:
        _check_update_route(m, status)
    clean = _validate_changes(uow, m, given)
    cipher = cipher_for(uow)
    changed = _diff(m, clean, cipher)
    if any(f in IDENTITY_FIELDS for f in changed) and m.kyc_status == "approved":
        require(uow.operator, "members.kyc")  # verified identity: a KYC officer changes it
    if changed:
        unique: dict[str, Any] = {f: clean[f] for f in ("bvn", "nin") if f in changed}
        if "employer" in changed or "staff_no" in changed:
            unique["employer"] = clean.get("employer", m.employer)
            unique["staff_no"] = clean.get("staff_no", m.staff_no)
        check_unique(uow, unique, exclude_id=m.id)
        before = {f: _public(m, f) for f in changed}
        for f in changed:
            _apply(m, f, clean[f], cipher)
        uow.session.flush()
        audit.record(
            uow,
            "member.update",
            "member",
            m.member_no,
            before=before,
            after={f: _public(m, f) for f in changed},
        )
    if status is not None:
        set_status(uow, m, status, reason=reason)
        changed.append("status")
    if not changed:
        uow.note("nothing changed: the values given are already on file")
    return m, changed


def _check_update_route(m: Member, status: str) -> None:
    """``members update --status`` only suspends and reactivates."""
    if status not in MEMBER_STATUSES:
        raise ValidationError(f"--status: {status!r} is not one of {_STATUSES}")
    rule = TRANSITIONS.get((m.status, status))
    if rule is not None and rule[1] != "update":
        how = "KYC approval (members kyc approve)" if rule[1] == "kyc" else "members exit"
        raise MemberStatusError(
            f"member {m.member_no}: {m.status} → {status} happens only through {how}"
        )


def _validate_changes(uow: UnitOfWork, m: Member, given: Mapping[str, str]) -> dict[str, Any]:
    cfg = member_settings(uow)
    out: dict[str, Any] = {}
    errors: list[MemberFieldError] = []
    label = validate._cli_label
    checks: dict[str, Any] = {
        "first_name": lambda v: validate.person_name(v, label("first_name")),
        "last_name": lambda v: validate.person_name(v, label("last_name")),
        "other_names": lambda v: validate.person_name(v, label("other_names"), required=False),
        "phone": lambda v: validate.phone(v, label("phone"), region=cfg["phone_region"]),
        "email": lambda v: validate.email(v, label("email")),
        "bvn": lambda v: validate.eleven_digits(v, label("bvn"), "BVN"),
        "nin": lambda v: validate.eleven_digits(v, label("nin"), "NIN"),
        "employer": lambda v: validate.plain_text(v, label("employer"), max_len=200),
        "staff_no": lambda v: validate.plain_text(v, label("staff_no"), max_len=50),
        "address": lambda v: validate.plain_text(v, label("address"), max_len=500),
        "dob": lambda v: _dob(uow, m, v, cfg["min_age"]),
    }
    for f, v in given.items():
        try:
            value = checks[f](v)
            if value is None and f in ("bvn", "nin", "dob"):
                raise MemberFieldError(label(f), "cannot be removed, only corrected")
            out[f] = value
        except MemberFieldError as exc:
            errors.append(exc)
    raise_all(errors)
    return out


def _dob(uow: UnitOfWork, m: Member, v: str, min_age: int) -> date | None:
    d = validate.a_date(v, "--dob")
    if d is None:
        return None
    return validate.date_of_birth(
        d, joined=m.joined_on, today=uow.today(), min_age=min_age, field="--dob"
    )


def _diff(m: Member, clean: Mapping[str, Any], cipher: Any) -> list[str]:
    changed = []
    for f, v in clean.items():
        if f in pii.PII_FIELDS:
            current: Any = pii.get_dob(cipher, m) if f == "dob" else pii.get_field(cipher, m, f)
        else:
            current = getattr(m, f)
        if current != v:
            changed.append(f)
    return changed


def _apply(m: Member, field: str, value: Any, cipher: Any) -> None:
    if field in pii.PII_FIELDS:
        pii.set_field(cipher, m, field, value)
        return
    setattr(m, field, value if value is not None else ("" if field != "email" else None))
    if field in ("first_name", "last_name", "other_names"):
        m.search_name = validate.search_name(m.first_name, m.last_name, m.other_names)


def _public(m: Member, field: str) -> Any:
    """Audit value of a field: PII is only marked as changed (the log redacts it anyway)."""
    return "changed" if field in pii.PII_FIELDS else getattr(m, field)
