"""Operators, roles and permissions; TOTP for approvers.

The permission matrix below is the one place that says who may do what. Every
service entry point calls :func:`require` with the permission it needs before
doing any work.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select

if TYPE_CHECKING:
    from decimal import Decimal

    from coopctl.core.db import UnitOfWork
    from coopctl.core.models import Operator

from coopctl.core.errors import OtpError, PermissionDeniedError

# permission → roles holding it.  (A=admin M=manager C=accountant T=teller
# L=loan_officer U=auditor S=system)
_MATRIX: dict[str, str] = {
    "operators.manage":      "A",
    "operators.view":        "AMU",
    "audit.view":            "AMCU",
    "ledger.view":           "AMCTLUS",
    "ledger.journal":        "AMC",
    "ledger.accounts":       "AC",
    "ledger.close":          "AMC",
    "ledger.reopen":         "A",
    "postings.approve":      "AM",
    "postings.reverse":      "AMC",
    "postings.expire":       "AMS",
    "approvals.view":        "AMCTLU",
    "approvals.expire":      "AMS",
    "members.view":          "AMCTLU",
    "members.manage":        "AMT",
    "members.reveal":        "AM",
    "members.kyc":           "AM",
    "members.exit":          "AM",
    "products.view":         "AMCTLU",
    "products.manage":       "AM",
    "accounts.view":         "AMCTLU",
    "accounts.manage":       "AMT",
    "teller.post":           "AMT",
    "checkoff.import":       "AMC",
    "deposits.interest":     "AMCS",
    "loans.view":            "AMCTLU",
    "loans.apply":           "AML",
    "loans.approve":         "AML",
    "loans.disburse":        "AM",
    "loans.repay":           "AMTL",
    "loans.writeoff":        "AM",
    "loans.manage":          "AML",
    "loans.provision":       "AMCS",
    "banks.manage":          "AC",
    "recon.view":            "AMCU",
    "recon.manage":          "AC",
    "payments.manage":       "ACS",
    "reports.view":          "AMCLU",
    "budgets.manage":        "AC",
    "budgets.approve":       "AM",
    "jobs.view":             "AMCU",
    "jobs.run":              "AMCS",
    "backup.manage":         "AS",
    "system.doctor":         "AMCU",
    "security.rotate_key":   "A",
}  # fmt: skip

_ROLE_LETTER = {
    "admin": "A",
    "manager": "M",
    "accountant": "C",
    "teller": "T",
    "loan_officer": "L",
    "auditor": "U",
    "system": "S",
}

# System jobs post interest, penalties and provisions: they need these too.
_SYSTEM_EXTRA = {"teller.post", "loans.repay", "loans.manage", "ledger.journal"}


def permissions_of(role: str) -> frozenset[str]:
    letter = _ROLE_LETTER[role]
    perms = {p for p, roles in _MATRIX.items() if letter in roles}
    if role == "system":
        perms |= _SYSTEM_EXTRA
    return frozenset(perms)


def all_permissions() -> list[str]:
    return sorted(_MATRIX)


def current_username() -> str:
    """``$COOPCTL_OPERATOR``, else the OS login name."""
    env = os.environ.get("COOPCTL_OPERATOR")
    if env:
        return env.strip()
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no passwd entry in some containers
        return "unknown"


def load_operator(session: object, username: str | None = None) -> Operator:
    """The enabled operator row for ``username`` (default: current identity)."""

    from sqlalchemy.orm import Session

    from coopctl.core.models import Operator

    assert isinstance(session, Session)
    name = username or current_username()
    op = session.scalars(select(Operator).where(Operator.username == name)).first()
    if op is None:
        raise PermissionDeniedError(f"operator {name!r} is not known to coopctl")
    if op.status != "active":
        raise PermissionDeniedError(f"operator {name!r} is disabled")
    return op


def require(operator: object, permission: str) -> None:
    """Raise PermissionDeniedError unless ``operator`` holds ``permission``."""
    if permission not in _MATRIX:
        raise AssertionError(f"undeclared permission {permission!r}")
    role = getattr(operator, "role", None)
    if role is None or permission not in permissions_of(role):
        name = getattr(operator, "username", "?")
        raise PermissionDeniedError(f"operator {name!r} ({role}) lacks permission {permission}")


def require_any_role(operator: object, roles: Iterable[str], what: str) -> None:
    role = getattr(operator, "role", None)
    if role not in set(roles):
        raise PermissionDeniedError(
            f"operator {getattr(operator, 'username', '?')!r} ({role}) may not {what}"
        )


def needs_checker(uow: UnitOfWork, kind: str, amount: Decimal | None) -> bool:
    """Whether the workflow ``[approvals.<kind>]`` needs a checker for ``amount``.
    Settings are required (a unit of work cannot exist without them): a missing
    workflow is an error, never "no checker needed"."""
    from coopctl.approvals.service import rule_for

    return rule_for(uow, kind, amount) is not None


# --- TOTP --------------------------------------------------------------------
def new_totp_secret() -> str:
    import pyotp

    return str(pyotp.random_base32())


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    import pyotp

    return str(pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer))


def check_otp(uow: object, operator: object, code: str | None, *, max_failures: int = 5) -> None:
    """Verify a TOTP code for an enrolled operator; lock after ``max_failures`` bad codes.

    The failure count is committed even though the command then fails, so the
    lockout cannot be dodged by retrying.
    """
    import pyotp

    from coopctl.core.db import UnitOfWork

    assert isinstance(uow, UnitOfWork)
    secret_token = getattr(operator, "totp_secret", None)
    if not secret_token:
        raise OtpError(f"operator {getattr(operator, 'username', '?')!r} is not enrolled in MFA")
    if getattr(operator, "locked", False):
        raise OtpError("operator is locked after too many bad codes; an admin must unlock")
    from coopctl.core.context import cipher_for

    secret = cipher_for(uow).decrypt(secret_token, context="totp")
    if code and pyotp.TOTP(str(secret)).verify(code.strip(), valid_window=1):
        operator.otp_failures = 0  # type: ignore[attr-defined]
        return
    _record_otp_failure(uow, getattr(operator, "id"), max_failures)  # noqa: B009
    raise OtpError("missing or wrong OTP code" if code else "this approval needs --otp CODE")


def _record_otp_failure(uow: object, operator_id: int, max_failures: int) -> None:
    """Count a failed code in its own transaction so a rollback cannot erase it."""

    from sqlalchemy.orm import Session

    from coopctl.core.db import UnitOfWork
    from coopctl.core.models import Operator

    assert isinstance(uow, UnitOfWork)
    uow.session.rollback()
    with Session(uow.engine) as s:
        op = s.get(Operator, operator_id)
        assert op is not None
        op.otp_failures += 1
        if op.otp_failures >= max_failures:
            op.locked = True
        s.commit()
