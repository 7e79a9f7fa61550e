"""Operators, roles and permissions; TOTP for approvers.

The permission matrix below is the one place that says who may do what. Every
service entry point calls :func:`require` with the permission it needs before
doing any work.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

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
    "members.erase":         "AMS",
    "products.view":         "AMCTLU",
    "products.manage":       "AM",
    "accounts.view":         "AMCTLU",
    "accounts.manage":       "AMT",
    "teller.post":           "AMT",
    "standing_orders.manage": "AMT",
    "standing_orders.third_party": "AM",
    "checkoff.import":       "AMC",
    "deposits.interest":     "AMCS",
    "deposits.dormancy":     "AMS",
    "accounts.reactivate":   "AMT",
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
    "dividends.view":        "AMCU",
    "dividends.declare":     "AMC",
    "dividends.approve":     "AM",
    "dividends.preference":  "AMT",
    "docs.view":             "AMCLU",
    "docs.manage":           "AM",
    "jobs.view":             "AMCU",
    "jobs.run":              "AMCS",
    "backup.manage":         "AS",
    "system.doctor":         "AMCU",
    "security.rotate_key":   "A",
    "security.upgrade":      "A",
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
# The month_end job also closes the verified month and writes the report pack.
_SYSTEM_EXTRA = {
    "teller.post", "loans.repay", "loans.manage", "ledger.journal", "ledger.close", "reports.view",
    "jobs.view",
}  # fmt: skip


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


def has_permission(operator: object, permission: str) -> bool:
    """Whether ``operator`` holds ``permission`` (for filtering what a list shows)."""
    if permission not in _MATRIX:
        raise AssertionError(f"undeclared permission {permission!r}")
    role = getattr(operator, "role", None)
    return role is not None and permission in permissions_of(role)


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


# --- key checks (which key the cooperative's data is under) ----------------------------
def key_check_row(uow: Any, purpose: str, *, lock: bool = False, exclusive: bool = False) -> Any:
    """The ``key_checks`` row of ``purpose`` (None before ``init``/``security upgrade``).

    With ``lock`` on PostgreSQL the row is read FOR SHARE: a key rotation updates it
    first, so a writer either finishes before the rotation starts or waits for it
    and then sees the new key id (this closes the rotation race). The rotation itself
    takes it ``exclusive`` (FOR UPDATE) before anything else.
    """
    from coopctl.core.models import KeyCheck

    stmt = select(KeyCheck).where(KeyCheck.purpose == purpose)
    if exclusive and uow.dialect == "postgresql":
        stmt = stmt.with_for_update()
    elif lock and uow.dialect == "postgresql":
        ro = uow.session.execute(text("SELECT current_setting('transaction_read_only')")).scalar()
        if ro == "off":
            stmt = stmt.with_for_update(read=True)
    return uow.session.scalars(stmt).first()


def store_key_check(uow: Any, purpose: str, key: bytes, *, wrapped: str | None = None) -> Any:
    """Record (or replace, at rotation) the key id and check value of ``purpose``."""
    from coopctl.core import clock, crypto
    from coopctl.core.models import KeyCheck

    row = uow.session.get(KeyCheck, purpose)
    if row is None:
        row = KeyCheck(purpose=purpose)
        uow.session.add(row)
    row.key_id = crypto.key_id(key)
    row.check_value = crypto.check_value(key)
    row.wrapped = wrapped
    row.set_at = clock.utcnow()
    uow.session.flush()
    return row


def wrong_key(path: object, have: str, want: str, what: str = "key file") -> Exception:
    from coopctl.core.crypto import KeyMismatchError

    return KeyMismatchError(
        f"the {what} {path} holds key id {have}, but this cooperative's data is under key "
        f"id {want}: put the right key back (from a backup or a *.old-* copy); "
        "nothing was read or written"
    )


def verified_cipher(uow: Any) -> Any:
    """The field cipher, after checking it is the key the database expects (once per
    unit of work). Wrong key → KeyMismatchError (exit 4) naming the expected key id."""
    cached = uow.__dict__.get("_verified_cipher")
    if cached is not None:
        return cached
    ctx = uow.ctx
    cipher = ctx.cipher()
    row = key_check_row(uow, "field", lock=True)
    if row is None:
        _legacy_probe(uow, cipher)
    elif row.check_value != cipher.check_value:
        ctx._cipher = None  # a long-running process: the key may have been rotated since
        cipher = ctx.cipher()
        if row.check_value != cipher.check_value:
            raise wrong_key(uow.settings.key_file, cipher.key_id, row.key_id)
    uow.__dict__["_verified_cipher"] = cipher
    return cipher


def legacy_probe(uow: Any) -> tuple[str, str] | None:
    """One stored ciphertext and its associated data (members' phone, else a TOTP secret)."""
    from coopctl.core.models import Operator
    from coopctl.members.models import Member

    row = uow.session.execute(
        select(Member.phone_enc, Member.member_no).order_by(Member.id).limit(1)
    ).first()
    if row is not None and row[0]:
        return str(row[0]), f"member:{row[1]}:phone"
    token = uow.session.scalars(
        select(Operator.totp_secret).where(Operator.totp_secret.is_not(None)).limit(1)
    ).first()
    return (str(token), "totp") if token else None


def _legacy_probe(uow: Any, cipher: Any) -> None:
    """No key check stored yet (a cooperative from before key ids): the key must at
    least decrypt a stored value."""
    from coopctl.core.crypto import KeyFileError, KeyMismatchError

    probe = legacy_probe(uow)
    if probe is None:
        return
    try:
        cipher.decrypt(probe[0], context=probe[1])
    except KeyFileError:
        raise KeyMismatchError(
            f"the key file {uow.settings.key_file} (key id {cipher.key_id}) does not decrypt "
            "this cooperative's data; put the right key back, then run "
            "`coopctl security upgrade` once to store its key check"
        ) from None


def ensure_audit_key_file(settings: Any) -> Path | None:
    """Create the audit key file (0600) unless a key is already available; returns the
    path created (None when the file or ``$COOPCTL_AUDIT_KEY`` already provides one)."""
    from coopctl.core import audit, crypto

    if os.environ.get("COOPCTL_AUDIT_KEY"):
        return None
    path = audit.audit_key_path(settings)
    if path.exists():
        return None
    crypto.create_key_file(path)
    return path


def install_key_checks(uow: Any, field_key: bytes) -> None:
    """Record the key checks of a new (or upgraded) cooperative: the field key, the audit
    key and a fresh document key wrapped under the field key."""
    from coopctl.core import audit, crypto

    store_key_check(uow, "field", field_key)
    audit_key = audit.load_audit_key(uow.settings)
    if audit_key is None:
        raise crypto.KeyFileError(f"{audit.audit_key_path(uow.settings)}: audit key missing")
    store_key_check(uow, "audit", audit_key)
    if key_check_row(uow, "documents") is None:
        doc_key = os.urandom(crypto.KEY_BYTES)
        wrapped = crypto.FieldCipher(field_key).wrap(doc_key, context="document key")
        store_key_check(uow, "documents", doc_key, wrapped=wrapped)


def document_cipher(uow: Any) -> Any:
    """The cooperative's document cipher (its key unwrapped with the verified field key);
    the key is created here on first use if ``init``/``upgrade`` did not make one."""
    from coopctl.core import crypto

    cached = uow.__dict__.get("_document_cipher")
    if cached is not None:
        return cached
    field = verified_cipher(uow)
    row = key_check_row(uow, "documents")
    if row is None or not row.wrapped:
        doc_key = os.urandom(crypto.KEY_BYTES)
        row = store_key_check(
            uow, "documents", doc_key, wrapped=field.wrap(doc_key, context="document key")
        )
    else:
        doc_key = field.unwrap(row.wrapped, context="document key")
        if crypto.check_value(doc_key) != row.check_value:
            raise crypto.KeyFileError("the stored document key does not match its check value")
    cipher = crypto.DocumentCipher(doc_key)
    uow.__dict__["_document_cipher"] = cipher
    return cipher
