"""Exact aggregates (issue 9): no schema change.

Exact sums are a SQL construct (coopctl/core/sums.py) and, on SQLite, an aggregate
registered on each connection; nothing is stored. The revision keeps the numbering
of the revisions that follow it.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import coopctl.core.db  # noqa: F401

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
