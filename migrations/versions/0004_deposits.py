"""Deposit products, deposit accounts, bank accounts, check-off imports

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import coopctl.core.db  # noqa: F401

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # tables are added here by the deposits context


def downgrade() -> None:
    pass
