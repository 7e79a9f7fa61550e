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
        cap = _max_errors()
        for d in exc.details[:cap]:
            _say(f"  {d}")
        if len(exc.details) > cap:
            _say(f"  … and {len(exc.details) - cap} more")
        return exc.exit_code
    code, msg = _map_environment_error(exc)
    if code:
        _say(f"error: {msg}")
        return code
    code, msg = _map_database_error(exc)
    if code:
        _say(f"error: {msg}")
        return code
    if _is_integer_overflow(exc):
        _say(f"error: {BEYOND_BOOKS}")
        return 5
    _say(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
    return 1


# Environment failures (CLI.md exit 3 "not reachable"; docs/operator-guide.md):
# the machine, not the input or the rules, stopped the command. Nothing was written.
ENVIRONMENT_EXIT = 3


def _max_errors() -> int:
    from coopctl.core import limits

    return limits.current().max_errors


def _map_environment_error(exc: BaseException) -> tuple[int, str]:
    import errno

    if not isinstance(exc, OSError):
        return 0, ""
    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return ENVIRONMENT_EXIT, f"no space left on the device{where}; nothing was written"
    if exc.errno == errno.EROFS:
        return ENVIRONMENT_EXIT, f"the file system is read-only{where}; nothing was written"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return ENVIRONMENT_EXIT, f"permission denied{where}; nothing was written"
    if exc.errno == errno.EIO:
        return ENVIRONMENT_EXIT, f"input/output error{where}; nothing was written"
    return 0, ""


# A balance (or a count) pushed past what a BIGINT column holds: the database (or the
# driver binding the value) refused; the one-line reason, exit 5, nothing written.
BEYOND_BOOKS = (
    "an amount or balance would pass the largest the books hold "
    "(92,233,720,368,547,758.07); nothing was written"
)


def _is_integer_overflow(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", None) or exc).lower()
    return isinstance(exc, OverflowError) or any(
        s in text
        for s in (
            "integer overflow",
            "out of range for type bigint",
            "bigint out of range",
            "int too large to convert",
        )
    )


def _map_database_error(exc: BaseException) -> tuple[int, str]:
    """Database refusals that reach here are rule violations the database enforced."""
    mod = type(exc).__module__
    if not mod.startswith("sqlalchemy"):
        return 0, ""
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, sa_exc.IntegrityError):
        return 5, f"refused by the database: {_first_line(exc.orig)}"
    if _is_integer_overflow(exc):
        return 5, BEYOND_BOOKS
    if isinstance(exc, sa_exc.OperationalError):
        text = _first_line(exc.orig)
        low = text.lower()
        if "readonly database" in low or "read-only" in low or "read only" in low:
            return ENVIRONMENT_EXIT, (
                f"the database is read-only ({text}); commands that write need write access"
            )
        if "disk is full" in low or "no space left" in low or "disk full" in low:
            return ENVIRONMENT_EXIT, f"no space left for the database ({text}); nothing was written"
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
    from coopctl.core.text import visible

    print(visible(text, keep_newlines=True), file=sys.stderr)
