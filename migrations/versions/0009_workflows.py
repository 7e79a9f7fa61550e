"""Workflows and hardening: check-off receipts by bank and reference, import fingerprints (issues 9, 10)

A check-off import is unique by (bank, reference) as well as by file SHA-256, and
carries a fingerprint of its lines (member number and amount in kobo, sorted).
Existing imports are backfilled from their stored lines; when two existing imports
share a bank and reference, the later ones get ``#<id>`` appended to their
reference key (their ``reference`` text is kept as imported).

Columns are added in place (no table rebuild on SQLite, so the check-off lines that
reference these rows stay untouched); the uniqueness is a unique index.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa
from alembic import op

import coopctl.core.db  # noqa: F401

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_BLANKS = re.compile(r"\s+")


def _ref_key(ref: str) -> str:
    # the same rule as coopctl.core.imports.reference_key, frozen at this revision
    return _BLANKS.sub(" ", ref.strip()).upper()


def _fingerprint(rows: list[tuple[str, int]]) -> str:
    # the same rule as coopctl.core.imports.content_fingerprint, frozen at this revision
    canon = sorted(f"{_BLANKS.sub(' ', no.strip()).upper()}\x1f{kobo}" for no, kobo in rows)
    return hashlib.sha256("\x1e".join(canon).encode("utf-8")).hexdigest()


def _backfill() -> None:
    conn = op.get_bind()
    imports = conn.execute(
        sa.text("SELECT id, bank_code, reference FROM checkoff_imports ORDER BY id")
    ).all()
    lines: dict[int, list[tuple[str, int]]] = {}
    for import_id, member_no, amount in conn.execute(
        sa.text(
            "SELECT l.import_id, m.member_no, l.amount FROM checkoff_lines l "
            "JOIN members m ON m.id = l.member_id"
        )
    ):
        lines.setdefault(import_id, []).append((member_no, int(amount)))
    seen: set[tuple[str, str]] = set()
    for import_id, bank_code, reference in imports:
        key = _ref_key(reference)
        if (bank_code, key) in seen:
            key = f"{key[:90]} #{import_id}"
        seen.add((bank_code, key))
        conn.execute(
            sa.text(
                "UPDATE checkoff_imports SET reference_key = :k, content_sha256 = :f "
                "WHERE id = :i"
            ),
            {"k": key, "f": _fingerprint(lines.get(import_id, [])), "i": import_id},
        )


def upgrade() -> None:
    op.add_column(
        "checkoff_imports",
        sa.Column("reference_key", sa.String(length=100), nullable=False, server_default=""),
    )
    op.add_column(
        "checkoff_imports",
        sa.Column("content_sha256", sa.String(length=64), nullable=False, server_default=""),
    )
    op.add_column("checkoff_imports", sa.Column("warning", sa.Text(), nullable=True))
    _backfill()
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("checkoff_imports", "reference_key", server_default=None)
        op.alter_column("checkoff_imports", "content_sha256", server_default=None)
    op.create_index(
        "ix_checkoff_imports_content_sha256", "checkoff_imports", ["content_sha256"], unique=False
    )
    op.create_index(
        "ux_checkoff_imports_bank_reference",
        "checkoff_imports",
        ["bank_code", "reference_key"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ux_checkoff_imports_bank_reference", table_name="checkoff_imports")
    op.drop_index("ix_checkoff_imports_content_sha256", table_name="checkoff_imports")
    op.drop_column("checkoff_imports", "warning")
    op.drop_column("checkoff_imports", "content_sha256")
    op.drop_column("checkoff_imports", "reference_key")
