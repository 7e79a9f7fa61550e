"""Developer aid: print Alembic ``op.create_table`` code for the named tables.

    python tools/autogen.py members member_documents

The output is pasted into a hand-written migration (which adds triggers).
"""

from __future__ import annotations

import sys

from alembic.autogenerate import produce_migrations, render_python_code
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from coopctl.core.schema import load_all


def main(tables: list[str]) -> None:
    md = load_all().metadata
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "include_object": lambda obj, name, type_, reflected, compare_to: (
                    (type_ != "table" or name in tables)
                    and (type_ not in ("index", "unique_constraint") or obj.table.name in tables)
                ),
                "render_as_batch": True,
                "compare_type": True,
            },
        )
        script = produce_migrations(ctx, md)
        print(render_python_code(script.upgrade_ops, render_as_batch=True))
        print("# ---- downgrade")
        print(render_python_code(script.downgrade_ops, render_as_batch=True))


if __name__ == "__main__":
    main(sys.argv[1:])
