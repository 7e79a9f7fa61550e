"""``coopctl db upgrade | current``."""

from __future__ import annotations

from coopctl.cli.common import FormatOpt, app_context, emit, message, new_app, uow

app = new_app("Database migrations.\n\nExample:\n\n    coopctl db current")


@app.command("upgrade")
def upgrade(fmt: FormatOpt = "table") -> None:
    """Migrate the database schema to the newest revision.

    Example:

        coopctl --db postgresql+psycopg://coop@db/coop db upgrade
    """
    from coopctl.core import migrate

    with uow("system.doctor"):
        pass
    engine = app_context().engine
    before = migrate.current(engine)
    migrate.upgrade(engine)
    after = migrate.current(engine)
    message("already at head" if before == after else f"upgraded {before} → {after}")
    emit({"before": before, "current": after, "head": migrate.head()}, fmt)


@app.command("current")
def current(fmt: FormatOpt = "table") -> None:
    """Show the schema revision of the database and the newest one shipped.

    Example:

        coopctl db current --format json
    """
    from coopctl.core import migrate

    with uow("system.doctor"):
        pass
    rev = migrate.current(app_context().engine)
    head = migrate.head()
    emit({"current": rev, "head": head, "at_head": rev == head}, fmt)
