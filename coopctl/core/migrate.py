"""Alembic, driven from code: ``coopctl db upgrade | current`` and ``init``.

The migration scripts live in the top-level ``migrations/`` folder, shipped in
the wheel as the ``coopctl.migrations`` package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def script_location() -> str:
    import coopctl.migrations as m

    return str(Path(m.__file__).parent)


def alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", script_location())
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"migration history must be linear, heads: {heads}"
    return str(heads[0])


def current(engine: Any) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
        conn.rollback()
    return rev


def upgrade(engine: Any, revision: str = "head") -> None:
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def upgrade_on(connection: Any, revision: str = "head") -> None:
    """Upgrade inside the caller's open transaction (``init`` seeds in the same one)."""
    from alembic import command

    command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Any, revision: str) -> None:
    from alembic import command

    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)
