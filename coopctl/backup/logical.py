"""Moving a cooperative between SQLite and PostgreSQL: a dialect-neutral row copy.

The target gets the schema from the migrations (the same revision as the
backup), then every table's rows in foreign-key order through the models'
column types (so money stays integer kobo, timestamps stay UTC, booleans stay
booleans), all in one transaction. The ledger's triggers exist to stop an
application from writing a posted entry in a single step; a copy of rows that
were posted in the source must bypass them, so they are switched off for that
transaction only (PostgreSQL: ``ALTER TABLE … DISABLE TRIGGER USER``, which
keeps foreign keys enforced; the references of journal lines, which PostgreSQL
checks by trigger, are checked once, set-based, before commit; SQLite: the
trigger definitions are dropped and re-created from ``sqlite_master`` before
commit). The copy is then proven by
the same checks and figures as any restore: ledger verify (every entry
balanced, sub-ledgers equal their lines), the audit chain, and the manifest's
row counts, posted-entry hash, trial balance and audit head.

Self-references (a reversal's link to the entry it reverses, and back) are
inserted as NULL and set in a second pass, so row order never matters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.engine import Connection, Engine

from coopctl.backup import figures
from coopctl.backup.errors import RestoreTargetError

BATCH = 2000


def _self_refs(table: Table) -> list[str]:
    return sorted({fk.parent.name for fk in table.foreign_keys if fk.column.table is table})


def copy_rows(source: Engine, target: Engine, *, revision: str | None) -> dict[str, int]:
    """Migrate ``target`` to ``revision`` and copy every row of ``source`` into it."""
    from coopctl.core import migrate
    from coopctl.core.schema import load_all

    if revision != migrate.head():
        raise RestoreTargetError(
            f"the backup is at schema revision {revision}, this coopctl at {migrate.head()}: "
            "moving between databases needs the same revision — restore it into the same kind "
            "of database, run `coopctl db upgrade`, take a new backup and move that"
        )
    migrate.upgrade(target, revision)
    metadata = load_all().metadata
    with source.connect() as sconn:
        src_tables = set(figures.table_names(sconn)) - {"alembic_version"}
        unknown = src_tables - set(metadata.tables)
        if unknown:
            raise RestoreTargetError(
                f"tables unknown to this coopctl: {', '.join(sorted(unknown))}"
            )
        counts: dict[str, int] = {}
        with target.begin() as tconn:
            saved = _triggers_off(tconn)
            tables = [t for t in metadata.sorted_tables if t.name in src_tables]
            for table in reversed(tables):  # rows a migration seeded, or --force's old rows
                tconn.execute(table.delete())
            for table in tables:
                counts[table.name] = _copy_table(sconn, tconn, table)
            check_line_refs(tconn)
            _triggers_on(tconn, saved)
            if tconn.dialect.name == "postgresql":
                _reset_sequences(tconn, [t for t in metadata.sorted_tables if t.name in counts])
        sconn.rollback()
    return counts


def _copy_table(sconn: Connection, tconn: Connection, table: Table) -> int:
    refs = _self_refs(table)
    pk = list(table.primary_key.columns)
    later: list[dict[str, Any]] = []
    n = 0
    batch: list[dict[str, Any]] = []
    result = sconn.execution_options(yield_per=BATCH).execute(select(table).order_by(*pk))
    for row in result.mappings():
        rec = dict(row)
        if refs and any(rec.get(c) is not None for c in refs):
            later.append({**{f"k_{c.name}": rec[c.name] for c in pk}, **{c: rec[c] for c in refs}})
            for c in refs:
                rec[c] = None
        batch.append(rec)
        if len(batch) >= BATCH:
            tconn.execute(table.insert(), batch)
            n += len(batch)
            batch = []
    if batch:
        tconn.execute(table.insert(), batch)
        n += len(batch)
    if later:
        from sqlalchemy import bindparam

        stmt = (
            table.update()
            .where(*[c == bindparam(f"k_{c.name}") for c in pk])
            .values({c: bindparam(c) for c in refs})
        )
        for i in range(0, len(later), BATCH):
            tconn.execute(stmt, later[i : i + BATCH])
    return n


def check_line_refs(conn: Connection) -> None:
    """Every journal line's entry, GL account and member account exist. On PostgreSQL a
    trigger checks this (migration 0024), and the copy runs with triggers off; SQLite's
    foreign keys stay on."""
    if conn.dialect.name != "postgresql":
        return
    bad = conn.exec_driver_sql(
        "SELECT COUNT(*) FROM journal_lines l "
        "WHERE NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.id = l.entry_id) "
        "OR NOT EXISTS (SELECT 1 FROM gl_accounts g WHERE g.id = l.gl_account_id) "
        "OR (l.account_id IS NOT NULL "
        "    AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = l.account_id))"
    ).scalar_one()
    if bad:
        raise RestoreTargetError(
            f"{bad} journal line(s) refer to a missing entry, GL account or member account"
        )


def _triggers_off(conn: Connection) -> list[tuple[str, str]]:
    if conn.dialect.name == "postgresql":
        for t in figures.table_names(conn):
            conn.exec_driver_sql(f'ALTER TABLE "{t}" DISABLE TRIGGER USER')
        return []
    rows = conn.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
    ).all()
    for name, _sql in rows:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    return [(str(n), str(s)) for n, s in rows]


def _triggers_on(conn: Connection, saved: list[tuple[str, str]]) -> None:
    if conn.dialect.name == "postgresql":
        for t in figures.table_names(conn):
            conn.exec_driver_sql(f'ALTER TABLE "{t}" ENABLE TRIGGER USER')
        return
    for _name, sql in saved:
        conn.exec_driver_sql(sql)


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Move each identity/serial sequence past the copied ids."""
    for t in tables:
        for col in t.primary_key.columns:
            seq = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": t.name, "c": col.name}
            ).scalar()
            if seq:
                conn.execute(
                    text(
                        f'SELECT setval(:s, COALESCE((SELECT MAX("{col.name}") FROM "{t.name}"), 0)'
                        " + 1, false)"
                    ),
                    {"s": seq},
                )
