"""The one place where exceptions become exit codes and one clean line on stderr."""

from __future__ import annotations

import sys
import traceback


def exit_code_for(exc: BaseException, *, debug: bool) -> int:
    from coopctl.core.errors import CoopError

    if isinstance(exc, SystemExit):
        return int(exc.code or 0) if isinstance(exc.code, int | None) else 1
    if isinstance(exc, KeyboardInterrupt):
        _say("interrupted")
        return 130
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, CoopError):
        _say(f"error: {exc.message}")
        for d in exc.details:
            _say(f"  {d}")
        return exc.exit_code
    code, msg = _map_database_error(exc)
    if code:
        _say(f"error: {msg}")
        return code
    _say(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
    return 1


def _map_database_error(exc: BaseException) -> tuple[int, str]:
    """Database refusals that reach here are rule violations the database enforced."""
    mod = type(exc).__module__
    if not mod.startswith("sqlalchemy"):
        return 0, ""
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, sa_exc.IntegrityError):
        return 5, f"refused by the database: {_first_line(exc.orig)}"
    if isinstance(exc, sa_exc.OperationalError):
        text = _first_line(exc.orig)
        if "no such table" in text or "does not exist" in text:
            return 5, f"database not initialised ({text}); run `coopctl init`"
        if "unable to open" in text or "could not connect" in text or "Connection refused" in text:
            return 3, f"database unreachable: {text}"
        return 5, f"refused by the database: {text}"
    if isinstance(exc, sa_exc.ProgrammingError | sa_exc.InternalError):
        return 5, f"refused by the database: {_first_line(exc.orig)}"
    return 0, ""


def _first_line(x: object) -> str:
    return str(x).strip().splitlines()[0] if str(x).strip() else repr(x)


def _say(text: str) -> None:
    print(text, file=sys.stderr)
