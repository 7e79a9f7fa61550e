"""``doctor``: installation checks, then the shared check list."""

from __future__ import annotations

import os
from typing import Any

from coopctl.core import checks, crypto, migrate
from coopctl.core.checks import Problem
from coopctl.core.context import AppContext
from coopctl.core.security import document_cipher, key_check_row, legacy_probe


def key_problems(u: Any) -> list[Problem]:
    """The key file and the audit key are the ones the database's key checks name."""
    from coopctl.core import audit

    out: list[Problem] = []
    row = key_check_row(u, "field")
    try:
        cipher = crypto.FieldCipher.from_file(u.settings.key_file)
    except crypto.KeyFileError:
        return out  # reported by the key_file check
    if row is None:
        probe = legacy_probe(u)
        if probe is not None:
            try:
                cipher.decrypt(probe[0], context=probe[1])
            except crypto.KeyFileError:
                out.append(
                    Problem(
                        "key_check",
                        f"the key file {u.settings.key_file} does not decrypt "
                        "this cooperative's data",
                    )
                )
        out.append(
            Problem(
                "key_check",
                "no key check stored (a cooperative from before key ids): run "
                "`coopctl security upgrade` once",
            )
        )
    elif row.check_value != cipher.check_value:
        out.append(
            Problem(
                "key_check",
                f"the key file {u.settings.key_file} holds key id {cipher.key_id}; this "
                f"cooperative's data is under key id {row.key_id}",
            )
        )
    arow = key_check_row(u, "audit")
    if arow is not None:
        try:
            akey = audit.load_audit_key(u.settings)
        except crypto.KeyFileError as exc:
            return [*out, Problem("audit_key", exc.message)]
        if akey is None:
            out.append(Problem("audit_key", f"{audit.audit_key_path(u.settings)}: missing"))
        elif crypto.check_value(akey) != arow.check_value:
            out.append(
                Problem(
                    "audit_key",
                    f"the audit key {audit.audit_key_source(u.settings)} has key id "
                    f"{crypto.key_id(akey)}; the audit log is keyed under {arow.key_id}",
                )
            )
        elif not os.environ.get("COOPCTL_AUDIT_KEY"):
            out += [
                Problem("audit_key", p)
                for p in crypto.key_file_problems(audit.audit_key_path(u.settings))
            ]
    return out


def run_doctor(ctx: AppContext) -> dict[str, Any]:
    from coopctl.core.errors import NotInitialisedError

    problems: list[Problem] = []
    try:
        engine = ctx.engine
    except NotInitialisedError as exc:
        problems.append(Problem("database", exc.message))
        return {"ok": False, "problems": [p.as_dict() for p in problems]}
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            conn.rollback()
    except Exception as exc:
        problems.append(Problem("database", f"unreachable: {str(exc).splitlines()[0]}"))
        return {"ok": False, "problems": [p.as_dict() for p in problems]}
    rev, head = migrate.current(engine), migrate.head()
    if rev != head:
        problems.append(
            Problem("migrations", f"database at {rev}, code at {head}: run `coopctl db upgrade`")
        )
    problems += [Problem("key_file", p) for p in crypto.key_file_problems(ctx.settings.key_file)]
    from coopctl.payments.inbox import secret_problems  # secrets set when payments is on

    problems += [Problem("payments_secrets", p) for p in secret_problems(ctx.settings)]
    if rev is not None:
        from coopctl.core.security import require

        with ctx.uow() as u:
            require(u.operator, "system.doctor")
            u.session.info["data_dir"] = ctx.settings.data_dir  # for the document store check
            problems += key_problems(u)
            if not any(p.check == "key_check" for p in problems):
                try:  # the document check decrypts: only with the right key
                    u.session.info["document_cipher"] = document_cipher(u)
                except crypto.KeyFileError as exc:
                    problems.append(Problem("documents_stored", exc.message))
            u.session.info["settings"] = ctx.settings  # for the late-job check
            problems += checks.run(
                u.session, groups=("ledger", "deposits", "loans", "members", "jobs")
            )
        from coopctl.backup import retention  # the age of the newest verified backup

        found, note = retention.health(ctx)
        problems += [Problem(name, detail) for name, detail in found]
        ctx.extra.setdefault("notes", []).append(note)
    return {"ok": not problems, "problems": [p.as_dict() for p in problems]}
