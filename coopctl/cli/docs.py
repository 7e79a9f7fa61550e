"""``coopctl docs …``: documents attached to a member, a loan, a journal entry or the
cooperative (one encrypted store; docs/documents.md). Top-level imports stay light."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coopctl.cli.common import FormatOpt, emit, message, new_app, parse_date_opt, uow

app = new_app(
    "Documents attached to members, loans, journal entries or the cooperative.\n\n"
    "Example:\n\n    coopctl docs add minutes-2026-03.pdf --general --kind board_minutes "
    '--title "Board meeting, March 2026"'
)

COLS = ["doc_id", "owner_type", "owner", "kind", "title", "version", "mime", "size",
        "original_name", "added_on", "uploaded_by", "latest"]  # fmt: skip

MemberOpt = Annotated[
    str | None, typer.Option("--member", help="Attached to this member (M00000013).")
]
LoanOpt = Annotated[str | None, typer.Option("--loan", help="Attached to this loan (L00000007).")]
EntryOpt = Annotated[
    str | None, typer.Option("--entry", help="Attached to this journal entry (JE00000042).")
]
GeneralOpt = Annotated[
    bool, typer.Option("--general", help="The cooperative's own papers (minutes, by-laws).")
]
KindOpt = Annotated[
    str | None, typer.Option("--kind", help="Document kind, e.g. receipt, board_minutes.")
]


@app.command("add")
def add(
    file: Annotated[Path, typer.Argument(help="PDF, JPEG or PNG file.")],
    kind: Annotated[str, typer.Option("--kind", help="e.g. receipt, collateral, by_laws.")],
    member: MemberOpt = None,
    loan: LoanOpt = None,
    entry: EntryOpt = None,
    general: GeneralOpt = False,
    title: Annotated[
        str | None,
        typer.Option("--title", help="A title; the same kind + title again is a new version."),
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Attach a document (encrypted at rest; the same kind and title again make a new
    version; the same file again is not stored twice).

    Needs, by what it is attached to: members.manage (member), loans.manage (loan),
    ledger.journal (entry), docs.manage (general).

    Example:

        coopctl docs add receipts/generator-fuel.pdf --entry JE00000042 --kind receipt
    """
    from coopctl.core.errors import ValidationError
    from coopctl.docs import service

    owner = service.chosen_owner(member, loan, entry, general)
    if owner is None:
        raise ValidationError("say what the document is attached to: --member, --loan, --entry "
                              "or --general")  # fmt: skip
    with uow(None) as u:
        res = service.add(u, owner, file, kind, title)
        data = service.as_dict(res.document, res.owner.ref)
        u.commit()
    what = f"{data['kind']} {data['title']!r} " if data["title"] else f"{data['kind']} "
    if res.created:
        message(f"document {data['doc_id']}: {what}version {data['version']} stored")
    else:
        message(
            f"document {data['doc_id']}: the same file is already on file as {what}"
            f"version {data['version']}; not stored again"
        )
    emit(data | {"created": res.created}, fmt)


@app.command("list")
def list_cmd(
    member: MemberOpt = None,
    loan: LoanOpt = None,
    entry: EntryOpt = None,
    general: GeneralOpt = False,
    kind: KindOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List documents (every version) of one owner, or every document you may see.

    Example:

        coopctl docs list --loan L00000007 --kind collateral
    """
    from coopctl.docs import service

    owner = service.chosen_owner(member, loan, entry, general)
    with uow(None) as u:
        rows = service.list_documents(u, owner, kind)
    emit(rows, fmt, columns=None if fmt == "json" else COLS)


@app.command("search")
def search_cmd(
    text: Annotated[
        str | None,
        typer.Option("--text", help="Part of the title, kind or file name (not the contents)."),
    ] = None,
    kind: KindOpt = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Filed on or after (YYYY-MM-DD).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Filed on or before (YYYY-MM-DD).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Find documents by title, kind or file name (any case; contents are encrypted and
    not searched), kind, and the business date they were filed; newest first.

    Example:

        coopctl docs search --text invoice --from 2026-01-01 --to 2026-03-31
    """
    from coopctl.docs import service

    d_from = parse_date_opt(date_from, "--from")
    d_to = parse_date_opt(date_to, "--to")
    with uow(None) as u:
        rows = service.search(u, text, kind, d_from, d_to)
    emit(rows, fmt, columns=None if fmt == "json" else COLS)


@app.command("get")
def get(
    doc_id: Annotated[str, typer.Argument(help="Document id (from docs list).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the file here.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Decrypt a stored document to a file (verified against its SHA-256; audited).
    An existing file is kept unless --force.

    Example:

        coopctl docs get 42 -o /tmp/generator-fuel.pdf
    """
    from coopctl.docs import service

    with uow(None) as u:
        data = service.get_document(u, doc_id, output, force=force)
        u.commit()
    message(f"document {data['doc_id']} written to {output}")
    emit(data, fmt)
