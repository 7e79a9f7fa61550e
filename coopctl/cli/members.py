"""``coopctl members …``: members, KYC, documents (and ``exit``, from member_exit).

Top-level imports stay light: phonenumbers, email_validator, cryptography and
SQLAlchemy are imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from coopctl.cli.common import DryRunOpt, FormatOpt, OtpOpt, emit, message, new_app, uow

app = new_app(
    "Members, KYC, documents, exit.\n\nExample:\n\n    coopctl members list --search adaeze"
)
kyc_app = new_app(
    "KYC decisions: approve (maker-checker) or reject.\n\nExample:\n\n"
    "    coopctl members kyc approve M00000013"
)
docs_app = new_app(
    "KYC documents: add, list, get.\n\nExample:\n\n"
    "    coopctl members docs add M00000013 id.pdf --kind id_card"
)
app.add_typer(kyc_app, name="kyc")
app.add_typer(docs_app, name="docs")

LIST_COLS = ["member_no", "first_name", "last_name", "status", "kyc_status", "phone", "joined"]
DOC_COLS = ["doc_id", "kind", "version", "mime", "size", "original_name", "uploaded_by",
            "uploaded_at", "latest"]  # fmt: skip

MemberNoArg = Annotated[str, typer.Argument(help="Member number, e.g. M00000013.")]
FirstOpt = Annotated[str | None, typer.Option("--first-name", help="First name.")]
LastOpt = Annotated[str | None, typer.Option("--last-name", help="Last (family) name.")]
OtherOpt = Annotated[str | None, typer.Option("--other-names", help="Middle/other names.")]
PhoneOpt = Annotated[
    str | None, typer.Option("--phone", help="Phone, e.g. 08031234821 or +2348031234821.")
]
EmailOpt = Annotated[str | None, typer.Option("--email", help="E-mail address.")]
DobOpt = Annotated[str | None, typer.Option("--dob", help="Date of birth YYYY-MM-DD.")]
BvnOpt = Annotated[str | None, typer.Option("--bvn", help="Bank Verification Number (11 digits).")]
NinOpt = Annotated[
    str | None, typer.Option("--nin", help="National Identification Number (11 digits).")
]
EmployerOpt = Annotated[str | None, typer.Option("--employer", help="Employer (check-off).")]
StaffOpt = Annotated[str | None, typer.Option("--staff-no", help="Staff number at the employer.")]
AddressOpt = Annotated[str | None, typer.Option("--address", help="Postal address.")]


def _show(data: dict[str, Any], fmt: str) -> None:
    """One record: the shared record renderer (table: key/value, empty fields left out)."""
    emit(data, fmt)


def _summary(u: Any, member: Any) -> dict[str, Any]:
    from coopctl.core.context import cipher_for
    from coopctl.members.service import member_summary

    return member_summary(member, cipher_for(u))


@app.command("add")
def add(
    first_name: FirstOpt = None,
    last_name: LastOpt = None,
    phone: PhoneOpt = None,
    email: EmailOpt = None,
    dob: DobOpt = None,
    bvn: BvnOpt = None,
    nin: NinOpt = None,
    joined: Annotated[
        str | None, typer.Option("--joined", help="Join date YYYY-MM-DD (default today).")
    ] = None,
    other_names: OtherOpt = None,
    employer: EmployerOpt = None,
    staff_no: StaffOpt = None,
    address: AddressOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Register a member (status pending_kyc until KYC is approved).

    BVN, NIN, phone and date of birth are stored encrypted and shown masked.

    Example:

        coopctl members add --first-name Adaeze --last-name Okafor --phone 08031234821
    """
    from coopctl.members import service

    raw = {
        "first_name": first_name, "last_name": last_name, "other_names": other_names,
        "phone": phone, "email": email, "dob": dob, "bvn": bvn, "nin": nin, "joined": joined,
        "employer": employer, "staff_no": staff_no, "address": address,
    }  # fmt: skip
    with uow("members.manage") as u:
        m = service.add_member(u, raw)
        data = _summary(u, m)
        u.commit()
    message(f"member {m.member_no} added; KYC pending (documents, then a manager approves)")
    _show(data, fmt)


@app.command("list")
def list_(
    status: Annotated[
        str | None, typer.Option("--status", help="pending_kyc, active, suspended or exited.")
    ] = None,
    kyc: Annotated[
        str | None, typer.Option("--kyc", help="KYC status: pending, approved, rejected.")
    ] = None,
    search: Annotated[
        str | None, typer.Option("--search", help="Name words, member number or phone.")
    ] = None,
    bvn: Annotated[str | None, typer.Option("--bvn", help="Find by BVN (exact).")] = None,
    nin: Annotated[str | None, typer.Option("--nin", help="Find by NIN (exact).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most N members.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """List members (PII masked), by status, search text, BVN or NIN.

    Example:

        coopctl members list --search "okafor" --status active --format json
    """
    from coopctl.core.context import cipher_for
    from coopctl.members.service import list_members, member_summary

    with uow("members.view") as u:
        members = list_members(
            u, status=status, kyc=kyc, search=search, bvn=bvn, nin=nin, limit=limit
        )
        cipher = cipher_for(u)
        rows = [member_summary(m, cipher) for m in members]
    emit(rows, fmt, columns=None if fmt == "json" else LIST_COLS)


@app.command("show")
def show(
    member_no: MemberNoArg,
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Show BVN/NIN/phone/dob in clear (audited).")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Show one member, PII masked; --reveal (permission members.reveal) is audited.

    Example:

        coopctl members show M00000013 --format json
    """
    from coopctl.members.service import show_member

    with uow("members.view") as u:
        data = show_member(u, member_no, reveal=reveal)
        if reveal:
            u.commit()  # the audit row of the reveal
    _show(data, fmt)


@app.command("update")
def update(
    member_no: MemberNoArg,
    first_name: FirstOpt = None,
    last_name: LastOpt = None,
    other_names: OtherOpt = None,
    phone: PhoneOpt = None,
    email: Annotated[str | None, typer.Option("--email", help="E-mail ('' removes it).")] = None,
    dob: DobOpt = None,
    bvn: BvnOpt = None,
    nin: NinOpt = None,
    employer: EmployerOpt = None,
    staff_no: StaffOpt = None,
    address: AddressOpt = None,
    status: Annotated[
        str | None, typer.Option("--status", help="active or suspended (reactivate/suspend).")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (needed to suspend).")] = "",
    fmt: FormatOpt = "table",
) -> None:
    """Correct a member's details, or suspend / reactivate them.

    Identity fields of a KYC-approved member (names, dob, BVN, NIN) need
    permission members.kyc.

    Example:

        coopctl members update M00000013 --phone 08059876543 --email ada@example.com
    """
    from coopctl.members.update import update_member

    changes = {
        "first_name": first_name, "last_name": last_name, "other_names": other_names,
        "phone": phone, "email": email, "dob": dob, "bvn": bvn, "nin": nin,
        "employer": employer, "staff_no": staff_no, "address": address,
    }  # fmt: skip
    with uow("members.manage") as u:
        m, changed = update_member(u, member_no, changes, status=status, reason=reason)
        data = _summary(u, m)
        u.commit()
    if changed:
        message(f"member {m.member_no}: updated {', '.join(changed)}")
    _show(data, fmt)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV file (see docs/members.md).")],
    dry_run: DryRunOpt = False,
    fmt: FormatOpt = "table",
) -> None:
    """Import members from CSV, all or nothing; every bad line is reported.

    Header: first_name,last_name,phone,email,dob,bvn,nin,joined,employer,staff_no
    (first_name, last_name, phone required; any order; other_names, address allowed).

    Example:

        coopctl members import new-members.csv --dry-run
    """
    from coopctl.members.importer import import_members

    with uow("members.manage") as u:
        res = import_members(u, file, dry_run=dry_run)
        if not dry_run and not res.already_imported:
            u.commit()
    if dry_run and not res.already_imported:
        message(f"{file}: {res.rows} members would be imported (dry run; nothing written)")
    elif res.imported:
        message(
            f"{file}: imported {res.imported} members {res.first_member_no}–{res.last_member_no}"
        )
    emit(res.as_dict(), fmt)


# --- KYC ---------------------------------------------------------------------------
@kyc_app.command("approve")
def kyc_approve(
    member_no: MemberNoArg,
    otp: OtpOpt = None,
    comment: Annotated[str, typer.Option("--comment", help="Note kept with the decision.")] = "",
    fmt: FormatOpt = "table",
) -> None:
    """Approve a member's KYC (all required documents; not by the operator who added them).

    A shortcut onto `approvals approve` for the member's KYC approval; at the
    last level the member becomes active.

    Example:

        coopctl members kyc approve M00000013
    """
    from coopctl.approvals.service import raise_if_failed
    from coopctl.members import kyc

    with uow("members.kyc") as u:
        m, action = kyc.approve(u, member_no, otp=otp, comment=comment)
        data = _summary(u, m)
        u.commit()
    raise_if_failed(action)
    if m.status == "active":
        message(f"member {m.member_no}: KYC approved; the member is active")
    _show(data, fmt)


@kyc_app.command("reject")
def kyc_reject(
    member_no: MemberNoArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (shown to staff, audited).")] = "",
    fmt: FormatOpt = "table",
) -> None:
    """Reject a member's KYC with a reason; the member stays pending_kyc.

    Example:

        coopctl members kyc reject M00000013 --reason "ID card expired"
    """
    from coopctl.members import kyc

    with uow("members.kyc") as u:
        m = kyc.reject(u, member_no, reason)
        data = _summary(u, m)
        u.commit()
    _show(data, fmt)


# --- documents -----------------------------------------------------------------------
@docs_app.command("add")
def docs_add(
    member_no: MemberNoArg,
    file: Annotated[Path, typer.Argument(help="PDF, JPEG or PNG file.")],
    kind: Annotated[str, typer.Option("--kind", help="e.g. id_card, passport_photo.")],
    fmt: FormatOpt = "table",
) -> None:
    """Attach a KYC document (stored once by SHA-256; versioned per kind).

    Example:

        coopctl members docs add M00000013 scans/ada-id.pdf --kind id_card
    """
    from coopctl.members import documents

    with uow("members.manage") as u:
        res = documents.add_document(u, member_no, file, kind)
        data = documents.as_dict(res.document, documents.member_no_of(u, res.document))
        u.commit()
    if res.created:
        message(f"document {data['doc_id']}: {data['kind']} version {data['version']} stored")
    else:
        message(
            f"document {data['doc_id']}: the same file is already on file as "
            f"{data['kind']} version {data['version']}; not stored again"
        )
    emit(data | {"created": res.created}, fmt)


@docs_app.command("list")
def docs_list(member_no: MemberNoArg, fmt: FormatOpt = "table") -> None:
    """List a member's documents (every version).

    Example:

        coopctl members docs list M00000013
    """
    from coopctl.members import documents

    with uow("members.view") as u:
        rows = documents.list_documents(u, member_no)
    emit(rows, fmt, columns=None if fmt == "json" else DOC_COLS)


@docs_app.command("get")
def docs_get(
    doc_id: Annotated[str, typer.Argument(help="Document id (from docs list).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the file here.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Copy a stored document to a file (checks its SHA-256; needs members.reveal; audited).

    Example:

        coopctl members docs get 7 -o /tmp/ada-id.pdf
    """
    from coopctl.members import documents

    with uow("members.reveal") as u:
        data = documents.get_document(u, doc_id, output, force=force)
        u.commit()
    message(f"document {doc_id} written to {output}")
    emit(data, fmt)


def _register_exit() -> None:
    """Member exit (the workflow ``coopctl.workflows.member_exit``) has its commands in
    ``coopctl.cli.member_exit``."""
    from coopctl.cli import member_exit

    member_exit.register_exit(app)
    from coopctl.cli import member_erase

    member_erase.register_erase(app)


_register_exit()
