"""One Alembic history for both databases, agreeing with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from coopctl.core import migrate
from coopctl.core.db import make_engine
from coopctl.core.schema import load_all
from tests.conftest import Coop

# PostgreSQL checks the references of journal lines with set-based triggers instead of
# these three foreign keys (migration 0024); the models keep them for the ORM's joins.
PG_TRIGGER_CHECKED_FKS = {
    "fk_journal_lines_entry_id_journal_entries",
    "fk_journal_lines_gl_account_id_gl_accounts",
    "fk_journal_lines_account_id_accounts",
}


def _diff(engine: object) -> list[object]:
    md = load_all().metadata
    with engine.connect() as conn:  # type: ignore[attr-defined]
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, md)
        conn.rollback()
    diff = [
        d
        for d in diff
        if not (isinstance(d, tuple) and d[0] == "remove_table" and d[1].name == "alembic_version")
    ]
    if engine.dialect.name != "postgresql":  # type: ignore[attr-defined]
        return diff
    by_trigger = [d for d in diff if d[0] == "add_fk" and d[1].name in PG_TRIGGER_CHECKED_FKS]
    assert sorted(d[1].name for d in by_trigger) == sorted(PG_TRIGGER_CHECKED_FKS)
    return [d for d in diff if d not in by_trigger]


def test_migrations_up_down_up_and_schema_matches_models(empty_db: Coop) -> None:
    engine = make_engine(empty_db.url)
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    assert _diff(engine) == []
    migrate.downgrade(engine, "base")
    assert migrate.current(engine) is None
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    assert _diff(engine) == []
