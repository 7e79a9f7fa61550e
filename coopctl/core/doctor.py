"""``doctor``: installation checks, then the shared check list."""

from __future__ import annotations

from typing import Any

from coopctl.core import checks, crypto, migrate
from coopctl.core.checks import Problem
from coopctl.core.context import AppContext


def run_doctor(ctx: AppContext) -> dict[str, Any]:
    problems: list[Problem] = []
    engine = ctx.engine
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
    if rev is not None:
        from coopctl.core.security import require

        with ctx.uow() as u:
            require(u.operator, "system.doctor")
            u.session.info["data_dir"] = ctx.settings.data_dir  # for the document store check
            u.session.info["settings"] = ctx.settings  # for the late-job check
            problems += checks.run(
                u.session, groups=("ledger", "deposits", "loans", "members", "jobs")
            )
    return {"ok": not problems, "problems": [p.as_dict() for p in problems]}
