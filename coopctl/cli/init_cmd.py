"""``coopctl init``."""

from __future__ import annotations

from typing import Annotated

import typer

from coopctl.cli.common import FormatOpt, app_context, emit, message, new_app

app = new_app("Create the schema and seed a new cooperative.")


@app.command("init")
def init(
    name: Annotated[str, typer.Option("--name", help="The cooperative's name.")] = "My Cooperative",
    currency: Annotated[str, typer.Option("--currency", help="ISO currency code.")] = "NGN",
    admin: Annotated[
        str | None, typer.Option("--admin", help="First admin login (default: you).")
    ] = None,
    fiscal_year_start: Annotated[
        int, typer.Option("--fiscal-year-start", help="Month the fiscal year starts (1-12).")
    ] = 1,
    fmt: FormatOpt = "table",
) -> None:
    """Create the schema, chart of accounts, default products, first admin and key file.

    Example:

        coopctl init --name "Unity Staff Cooperative" --admin ada
    """
    from coopctl.core.init_service import initialise
    from coopctl.core.security import current_username

    ctx = app_context()
    result = initialise(
        ctx,
        name=name,
        currency=currency,
        admin=admin or current_username(),
        fiscal_year_start=fiscal_year_start,
    )
    message(f"initialised {result.name!r} on {result.database}")
    if result.key_created:
        message(f"new field-encryption key: {result.key_file} (mode 0600) — back it up")
    else:
        message(f"using the existing key file {result.key_file}")
    if result.audit_key_file is not None:
        message(f"new audit key: {result.audit_key_file} (mode 0600) — back it up")
    emit(
        {
            "name": result.name,
            "database": result.database,
            "admin": result.admin,
            "key_file": str(result.key_file),
            "audit_key_file": str(result.audit_key_file) if result.audit_key_file else None,
            "gl_accounts": result.gl_accounts,
            "seeded": result.seeded,
        },
        fmt,
    )
