"""``coopctl operators …``."""

from __future__ import annotations

from typing import Annotated

import typer

from coopctl.cli.common import FormatOpt, emit, message, new_app, uow

app = new_app("Operators (staff logins), roles and MFA.\n\nExample:\n\n    coopctl operators list")

ROLE_HELP = "admin, manager, accountant, teller, loan_officer, auditor or system."


@app.command("add")
def add(
    user: Annotated[str, typer.Argument(help="Login name (OS user or COOPCTL_OPERATOR).")],
    role: Annotated[str, typer.Option("--role", help=ROLE_HELP)],
    name: Annotated[str, typer.Option("--name", help="Full name.")] = "",
    fmt: FormatOpt = "table",
) -> None:
    """Add an operator with a role.

    Example:

        coopctl operators add bola --role teller --name "Bola Ade"
    """
    from coopctl.core import operators

    with uow("operators.manage") as u:
        op = operators.add(u, user, role, name)
        u.commit()
        emit(operators.as_dict(op), fmt)


@app.command("list")
def list_(fmt: FormatOpt = "table") -> None:
    """List operators with their role and status.

    Example:

        coopctl operators list --format json
    """
    from coopctl.core import operators

    with uow("operators.view") as u:
        emit([operators.as_dict(o) for o in operators.list_all(u)], fmt)


def _status(user: str, status: str, fmt: str) -> None:
    from coopctl.core import operators

    with uow("operators.manage") as u:
        op = operators.set_status(u, user, status)
        u.commit()
        emit(operators.as_dict(op), fmt)


@app.command("disable")
def disable(user: str, fmt: FormatOpt = "table") -> None:
    """Disable an operator: every command they run then exits 4.

    Example:

        coopctl operators disable bola
    """
    _status(user, "disabled", fmt)


@app.command("enable")
def enable(user: str, fmt: FormatOpt = "table") -> None:
    """Enable a disabled operator.

    Example:

        coopctl operators enable bola
    """
    _status(user, "active", fmt)


@app.command("unlock")
def unlock(user: str, fmt: FormatOpt = "table") -> None:
    """Unlock an operator locked after too many bad OTP codes.

    Example:

        coopctl operators unlock bola
    """
    from coopctl.core import operators

    with uow("operators.manage") as u:
        op = operators.unlock(u, user)
        u.commit()
        emit(operators.as_dict(op), fmt)


@app.command("mfa-enroll")
def mfa_enroll(user: str) -> None:
    """Enrol an operator in TOTP MFA; prints the otpauth URI (and a QR code on a TTY).

    Example:

        coopctl operators mfa-enroll ada
    """
    import sys

    from coopctl.core import operators

    with uow(None) as u:
        uri = operators.mfa_enroll(u, user)
        u.commit()
    print(uri)
    if sys.stdout.isatty():
        try:
            import qrcode

            qr = qrcode.QRCode(border=1)
            qr.add_data(uri)
            qr.print_ascii(invert=True)
        except ImportError:  # pragma: no cover
            pass
    message("scan the URI in an authenticator app; approvals will then ask for --otp")
