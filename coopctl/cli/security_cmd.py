"""``coopctl security …``: key rotation and security tasks."""

from __future__ import annotations

import sys

import typer

from coopctl.cli.common import FormatOpt, YesOpt, app_context, emit, message, new_app, uow

app = new_app(
    "Keys (status, rotation, one-time upgrade) and the encrypted document store."
    "\n\nExample:\n\n    coopctl security key-status"
)


@app.command("rotate-key")
def rotate_key(
    yes: YesOpt = False,
    fmt: FormatOpt = "table",
) -> None:
    """Re-encrypt all PII and TOTP secrets under a new key, in one transaction.

    The new key is written to KEY.new, everything is re-encrypted and
    re-indexed, the transaction commits, then the old key is kept as
    KEY.old-<timestamp> (0600) and KEY.new becomes KEY. Run it while no other
    coopctl process (daemon, tellers) is writing. Needs security.rotate_key.

    Example:

        coopctl security rotate-key --yes --format json
    """
    from coopctl.members import rotation

    ctx = app_context()
    if not yes and sys.stdin.isatty():
        typer.confirm(
            f"Re-encrypt all protected fields under a new key ({ctx.settings.key_file})?",
            abort=True,
        )
    with uow("security.rotate_key") as u:
        rot = rotation.rotate(u)
        u.commit()
    try:
        rotation.install(rot, ctx)
    except OSError as exc:
        from coopctl.core.crypto import KeyFileError

        raise KeyFileError(
            f"the database is now encrypted under {rot.new_file}, but installing it failed "
            f"({exc}); run `coopctl security rotate-key` again to finish, or rename "
            f"{rot.new_file} to {rot.key_file} by hand"
        ) from exc
    if rot.resumed:
        message(f"finished the interrupted rotation; old key kept as {rot.old_copy}")
    else:
        total = sum(rot.counts.values())
        message(f"re-encrypted {total} record(s) under a new key; old key kept as {rot.old_copy}")
    emit(rot.as_dict(), fmt)


@app.command("key-status")
def key_status(fmt: FormatOpt = "table") -> None:
    """Show the key files in use, their key ids, the key ids the database expects,
    and whether the files are private (mode 0600).

    Example:

        coopctl security key-status --format json
    """
    from coopctl.core import audit, crypto
    from coopctl.core.security import key_check_row

    with uow("system.doctor") as u:
        path = u.settings.key_file
        rows = {p: key_check_row(u, p) for p in ("field", "audit", "documents")}
        want = {p: (r.key_id if r is not None else None) for p, r in rows.items()}
        audit_src = audit.audit_key_source(u.settings)
        problems = crypto.key_file_problems(path)
        have: str | None = None
        try:
            have = crypto.key_id(crypto.read_key(path))
        except crypto.KeyFileError:
            pass
        try:
            akey = audit.load_audit_key(u.settings)
        except crypto.KeyFileError as exc:
            akey, problems = None, [*problems, exc.message]
    if want["field"] and have and want["field"] != have:
        problems.append(f"{path} holds key id {have}; the database expects {want['field']}")
    audit_have = crypto.key_id(akey) if akey else None
    if want["audit"] and audit_have != want["audit"]:
        problems.append(f"audit key {audit_src}: key id {audit_have}, expected {want['audit']}")
    if want["field"] is None:
        problems.append("no key checks stored: run `coopctl security upgrade` once")
    emit(
        {
            "key_file": str(path),
            "key_id": have,
            "expected_key_id": want["field"],
            "audit_key": audit_src,
            "audit_key_id": audit_have,
            "expected_audit_key_id": want["audit"],
            "document_key_id": want["documents"],
            "anchor_log": str(audit.anchor_path(u.settings)),
            "ok": not problems,
            "problems": problems,
        },
        fmt,
    )


@app.command("upgrade")
def upgrade_cmd(fmt: FormatOpt = "table") -> None:
    """One-time: bring a cooperative initialised before key ids to the current formats.

    Checks that the key file decrypts every stored value (else exit 4 and nothing
    changes), rewrites old ciphertexts with the key id, stores the key check values,
    creates the audit key (DATA/audit.key, 0600) if there is none and starts the keyed,
    anchored audit chain. Running it again changes nothing. Needs security.upgrade
    (admin). Then run `coopctl security encrypt-documents` for the document store.

    Example:

        coopctl security upgrade --format json
    """
    from coopctl.members import rotation

    with uow("security.upgrade") as u:
        res = rotation.upgrade(u)
        u.commit()
    if res.audit_key_created is not None:
        message(f"new audit key: {res.audit_key_created} (mode 0600) — back it up")
    if res.changed:
        message(f"upgraded: data under key id {res.key_id}, audit chain keyed")
    else:
        message("already up to date; nothing changed")
    emit(res.as_dict(), fmt)


@app.command("encrypt-documents")
def encrypt_documents(fmt: FormatOpt = "table") -> None:
    """Encrypt a document store written before encryption, in place; resumable.

    Each plain file is encrypted to its keyed address, decrypted back and compared
    with its SHA-256, and its rows are switched over in one transaction per file;
    plain files are deleted once no row needs them. Interrupted, it simply continues
    where it stopped when run again. Needs security.upgrade (admin).

    Example:

        coopctl security encrypt-documents --format json
    """
    from coopctl.members import doc_crypto

    ctx = app_context()
    with uow("security.upgrade") as u:
        todo = doc_crypto.legacy_hashes(u)
    files = rows = 0
    for sha in todo:
        with uow("security.upgrade") as u:
            rows += doc_crypto.convert_one(u, sha)
            u.commit()
        files += 1
    with uow("security.upgrade") as u:
        removed = doc_crypto.remove_plain(u)
    message(
        f"encrypted {files} stored file(s) ({rows} document row(s)); "
        f"removed {len(removed)} plain file(s) from {ctx.settings.data_dir / 'documents'}"
    )
    emit({"files_encrypted": files, "rows": rows, "plain_removed": len(removed)}, fmt)
