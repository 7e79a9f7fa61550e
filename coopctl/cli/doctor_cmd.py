"""``coopctl doctor``."""

from __future__ import annotations

from coopctl.cli.common import FormatOpt, app_context, emit, message, new_app

app = new_app("Check the installation and the books.")


@app.command("doctor")
def doctor(fmt: FormatOpt = "table") -> None:
    """Check the database, migrations, key file, audit chain and the books; exit 6 on a problem.

    Example:

        coopctl doctor --format json
    """
    from coopctl.core.doctor import run_doctor
    from coopctl.core.errors import ReviewNeededError

    ctx = app_context()
    result = run_doctor(ctx)
    for note in ctx.extra.get("notes", []):
        message(note)
    emit(result, fmt, rows_key="problems", columns=["check", "detail"])
    if not result["ok"]:
        raise ReviewNeededError(f"doctor found {len(result['problems'])} problem(s)")
    message("all checks passed")
