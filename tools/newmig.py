"""Developer aid: write a migration file creating the named tables.

    python tools/newmig.py 0002 0001 members "members and documents" members member_documents

Triggers and data changes are then added by hand to the generated file.
"""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import autogen

TEMPLATE = '''"""{message}

Revision ID: {rev}
Revises: {down}
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopctl.core.db

revision = "{rev}"
down_revision = {down_repr}
branch_labels = None
depends_on = None


def upgrade() -> None:
{up}

def downgrade() -> None:
{down_body}
'''


def main() -> None:
    rev, down, slug, message, *tables = sys.argv[1:]
    buf = io.StringIO()
    with redirect_stdout(buf):
        autogen.main(tables)
    up, _, dn = buf.getvalue().partition("# ---- downgrade\n")
    text = TEMPLATE.format(
        message=message,
        rev=rev,
        down=down,
        down_repr=repr(down) if down != "None" else "None",
        up="    " + up.strip() + "\n",
        down_body="    " + dn.strip() + "\n",
    )
    out = Path(__file__).parents[1] / "migrations" / "versions" / f"{rev}_{slug}.py"
    out.write_text(text)
    print(out)


if __name__ == "__main__":
    main()
