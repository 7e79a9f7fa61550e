"""Operator administration: add, list, disable, enable, unlock, MFA enrolment."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.context import cipher_for
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import BusinessRuleError, DuplicateError, NotFoundError, ValidationError
from coopctl.core.models import ROLES, Operator
from coopctl.core.security import new_totp_secret, provisioning_uri, require

_USER_RE = re.compile(r"^[a-z_][a-z0-9_.-]{0,63}$", re.IGNORECASE)


def _get(uow: UnitOfWork, username: str) -> Operator:
    op = uow.session.scalars(select(Operator).where(Operator.username == username)).first()
    if op is None:
        raise NotFoundError(f"operator {username!r} not found")
    return op


def as_dict(op: Operator) -> dict[str, Any]:
    return {
        "username": op.username,
        "name": op.full_name,
        "role": op.role,
        "status": op.status,
        "mfa": bool(op.totp_secret),
        "locked": op.locked,
    }


def add(uow: UnitOfWork, username: str, role: str, full_name: str = "") -> Operator:
    require(uow.operator, "operators.manage")
    if not _USER_RE.match(username):
        raise ValidationError(f"USER: {username!r} is not a valid login name")
    if role not in ROLES:
        raise ValidationError(f"--role: {role!r} is not one of {', '.join(ROLES)}")
    if uow.session.scalars(select(Operator).where(Operator.username == username)).first():
        raise DuplicateError(f"operator {username!r} already exists")
    op = Operator(
        username=username,
        full_name=full_name,
        role=role,
        status="active",
        created_at=clock.utcnow(),
        created_by=uow.operator.id,
    )
    uow.session.add(op)
    uow.session.flush()
    audit.record(uow, "operator.add", "operator", username, after={"role": role})
    return op


def list_all(uow: UnitOfWork) -> list[Operator]:
    require(uow.operator, "operators.view")
    return list(uow.session.scalars(select(Operator).order_by(Operator.username)))


def set_status(uow: UnitOfWork, username: str, status: str) -> Operator:
    require(uow.operator, "operators.manage")
    op = _get(uow, username)
    if op.id == uow.operator.id and status == "disabled":
        raise BusinessRuleError("an operator cannot disable themselves")
    if status == "disabled" and op.role == "admin":
        admins = uow.session.scalars(
            select(Operator).where(Operator.role == "admin", Operator.status == "active")
        ).all()
        if len(admins) <= 1:
            raise BusinessRuleError("the last active admin cannot be disabled")
    before = op.status
    op.status = status
    audit.record(
        uow,
        f"operator.{status}",
        "operator",
        username,
        before={"status": before},
        after={"status": status},
    )
    return op


def unlock(uow: UnitOfWork, username: str) -> Operator:
    require(uow.operator, "operators.manage")
    op = _get(uow, username)
    op.locked = False
    op.otp_failures = 0
    audit.record(uow, "operator.unlock", "operator", username)
    return op


def mfa_enroll(uow: UnitOfWork, username: str) -> str:
    """Give ``username`` a new TOTP secret; returns the otpauth URI (shown once)."""
    if username != uow.operator.username:
        require(uow.operator, "operators.manage")
    op = _get(uow, username)
    secret = new_totp_secret()
    op.totp_secret = cipher_for(uow).encrypt(secret, context="totp")
    op.otp_failures = 0
    op.locked = False
    audit.record(uow, "operator.mfa_enroll", "operator", username)
    issuer = uow.settings["security"]["otp_issuer"]
    return provisioning_uri(secret, username, issuer)
