"""Approvals engine: pending actions and decisions (issue 10)

Creates ``pending_actions`` and ``approval_decisions`` and moves every item that
waits for a checker today into them, losing none: pending journal entries
(manual journals, withdrawals, transfers, reversals), pending loan write-offs,
pending member exits, members waiting for KYC, draft budgets, and loan
applications with their committee votes so far. The rows they came from stay
as they are (the contexts keep their own state); the downgrade copies committee
votes cast after the upgrade back into ``loan_approvals`` and drops the tables.

Moved actions start with today's default workflow (one manager or admin; the
loan committee two approvers, or more when votes were cast already); the engine
re-reads the configured workflow (levels, roles, OTP, expiry) at each decision
and at `approvals expire`, so a cooperative's own settings apply to them too.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import coopctl.core.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = coopctl.core.db.UTCDateTime(timezone=True)
CHECKERS = ["manager", "admin"]
COMMITTEE = ["manager", "admin", "loan_officer"]
ENTRY_KINDS = ("manual_journal", "withdrawal", "transfer", "reversal")


def upgrade() -> None:
    op.create_table(
        "pending_actions",
        sa.Column("id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("amount", coopctl.core.db.Money(), nullable=True),
        sa.Column("maker", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("levels", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("result", sa.String(length=100), nullable=True),
        sa.Column("ended_at", TS, nullable=True),
        sa.CheckConstraint(
            "state IN ('pending','approved','applied','rejected','expired','failed')",
            name=op.f("ck_pending_actions_state_known"),
        ),
        sa.CheckConstraint(
            "level >= 0 AND level <= levels", name=op.f("ck_pending_actions_level_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_actions")),
    )
    with op.batch_alter_table("pending_actions", schema=None) as batch_op:
        batch_op.create_index("ix_pending_actions_kind_subject", ["kind", "subject"], unique=False)
        batch_op.create_index("ix_pending_actions_state_kind", ["state", "kind"], unique=False)

    op.create_table(
        "approval_decisions",
        sa.Column("id", BigId, nullable=False),
        sa.Column("action_id", BigId, nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("otp_used", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("decided_at", TS, nullable=False),
        sa.CheckConstraint(
            "decision IN ('approved','rejected')",
            name=op.f("ck_approval_decisions_decision_known"),
        ),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["pending_actions.id"],
            name=op.f("fk_approval_decisions_action_id_pending_actions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_decisions")),
        sa.UniqueConstraint(
            "action_id", "operator", name=op.f("uq_approval_decisions_action_id_operator")
        ),
    )
    with op.batch_alter_table("approval_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_approval_decisions_action_id"), ["action_id"], unique=False
        )
    _move_pending_rows(op.get_bind())


# --- the data move -------------------------------------------------------------------------
_md = sa.MetaData()
_actions = sa.Table(
    "pending_actions",
    _md,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("kind", sa.String),
    sa.Column("subject", sa.String),
    sa.Column("payload", sa.Text),
    sa.Column("amount", sa.BigInteger),  # kobo, copied as is
    sa.Column("maker", sa.String),
    sa.Column("business_date", sa.Date),
    sa.Column("created_at", TS),
    sa.Column("expires_on", sa.Date),
    sa.Column("levels", sa.Integer),
    sa.Column("level", sa.Integer),
    sa.Column("rule", sa.Text),
    sa.Column("state", sa.String),
)
_decisions = sa.Table(
    "approval_decisions",
    _md,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("action_id", BigId),
    sa.Column("level", sa.Integer),
    sa.Column("decision", sa.String),
    sa.Column("operator", sa.String),
    sa.Column("role", sa.String),
    sa.Column("otp_used", sa.Boolean),
    sa.Column("comment", sa.Text),
    sa.Column("decided_at", TS),
)


def _rule(roles: list[str], levels: int) -> str:
    return json.dumps({"levels": [roles] * levels, "otp": False}, sort_keys=True)


def _action(
    conn: Any,
    kind: str,
    subject: str,
    payload: dict[str, Any],
    amount: int | None,
    maker: str,
    on: Any,
    created: Any,
    *,
    roles: list[str] = CHECKERS,
    levels: int = 1,
    level: int = 0,
) -> int:
    res = conn.execute(
        _actions.insert().values(
            kind=kind,
            subject=subject,
            payload=json.dumps(payload, sort_keys=True),
            amount=amount,
            maker=maker or "system",
            business_date=on,
            created_at=created or datetime.now(UTC),
            expires_on=None,
            levels=levels,
            level=level,
            rule=_rule(roles, levels),
            state="pending",
        )
    )
    return int(res.inserted_primary_key[0])


def _move_pending_rows(conn: Any) -> None:
    q = conn.execute
    for id_, kind, total, maker, on, created in q(
        sa.text(
            "SELECT id, approval_kind, total, maker, business_date, created_at "
            "FROM journal_entries WHERE status = 'pending' ORDER BY id"
        ).columns(
            sa.column("id"),
            sa.column("approval_kind"),
            sa.column("total"),
            sa.column("maker"),
            sa.column("business_date", sa.Date),
            sa.column("created_at", TS),
        )
    ).all():
        entry_no = f"JE{int(id_):08d}"
        kind = kind if kind in ENTRY_KINDS else "manual_journal"
        _action(
            conn,
            kind,
            entry_no,
            {"entry_no": entry_no, "date": on.isoformat()},
            int(total),
            maker,
            on,
            created,
        )
    for wid, loan_no, amount, reason, maker, on, created in q(
        sa.text(
            "SELECT w.id, l.loan_no, w.amount, w.reason, w.requested_by, w.requested_on, "
            "w.created_at FROM loan_writeoffs w JOIN loans l ON l.id = w.loan_id "
            "WHERE w.status = 'pending' ORDER BY w.id"
        ).columns(
            sa.column("id"),
            sa.column("loan_no"),
            sa.column("amount"),
            sa.column("reason"),
            sa.column("requested_by"),
            sa.column("requested_on", sa.Date),
            sa.column("created_at", TS),
        )
    ).all():
        _action(
            conn,
            "writeoff",
            loan_no,
            {"loan_no": loan_no, "request_id": int(wid), "reason": reason},
            int(amount),
            maker,
            on,
            created,
        )
    for request_no, member_no, refund, offset, maker, on, created in q(
        sa.text(
            "SELECT x.request_no, m.member_no, x.refund, x.loans_offset, x.maker, "
            "x.business_date, x.created_at FROM member_exits x JOIN members m "
            "ON m.id = x.member_id WHERE x.status = 'pending' ORDER BY x.id"
        ).columns(
            sa.column("request_no"),
            sa.column("member_no"),
            sa.column("refund"),
            sa.column("loans_offset"),
            sa.column("maker"),
            sa.column("business_date", sa.Date),
            sa.column("created_at", TS),
        )
    ).all():
        _action(
            conn,
            "member_exit",
            request_no,
            {"request_no": request_no, "member_no": member_no},
            int(refund) + int(offset),
            maker,
            on,
            created,
        )
    for member_no, maker, created in q(
        sa.text(
            "SELECT member_no, created_by, created_at FROM members "
            "WHERE status = 'pending_kyc' AND kyc_status <> 'approved' ORDER BY id"
        ).columns(sa.column("member_no"), sa.column("created_by"), sa.column("created_at", TS))
    ).all():
        _action(
            conn, "kyc", member_no, {"member_no": member_no}, None, maker, created.date(), created
        )
    for year, total, maker, sha, created in q(
        sa.text(
            "SELECT year, total, imported_by, file_sha256, imported_at FROM budgets "
            "WHERE status = 'draft' ORDER BY id"
        ).columns(
            sa.column("year"),
            sa.column("total"),
            sa.column("imported_by"),
            sa.column("file_sha256"),
            sa.column("imported_at", TS),
        )
    ).all():
        _action(
            conn,
            "budget",
            str(year),
            {"year": int(year), "sha256": sha},
            int(total),
            maker,
            created.date(),
            created,
        )
    roles = dict(q(sa.text("SELECT username, role FROM operators")).all())
    for loan_id, loan_no, principal, officer, on, created in q(
        sa.text(
            "SELECT id, loan_no, principal, officer, applied_on, created_at FROM loans "
            "WHERE status = 'applied' ORDER BY id"
        ).columns(
            sa.column("id"),
            sa.column("loan_no"),
            sa.column("principal"),
            sa.column("officer"),
            sa.column("applied_on", sa.Date),
            sa.column("created_at", TS),
        )
    ).all():
        votes = q(
            sa.text(
                "SELECT approver, comment, created_at FROM loan_approvals "
                "WHERE loan_id = :l AND decision = 'approved' ORDER BY id"
            ).columns(sa.column("approver"), sa.column("comment"), sa.column("created_at", TS)),
            {"l": loan_id},
        ).all()
        levels = max(2, len(votes) + 1)
        action_id = _action(
            conn,
            "loan",
            loan_no,
            {"loan_no": loan_no},
            int(principal),
            officer,
            on,
            created,
            roles=COMMITTEE,
            levels=levels,
            level=len(votes),
        )
        for n, (approver, comment, at) in enumerate(votes, 1):
            conn.execute(
                _decisions.insert().values(
                    action_id=action_id,
                    level=n,
                    decision="approved",
                    operator=approver,
                    role=roles.get(approver, "manager"),
                    otp_used=False,
                    comment=comment or "",
                    decided_at=at,
                )
            )


def downgrade() -> None:
    conn = op.get_bind()
    # committee votes cast since the upgrade go back where 0007 keeps them
    conn.execute(
        sa.text(
            "INSERT INTO loan_approvals (loan_id, approver, decision, comment, created_at) "
            "SELECT l.id, d.operator, d.decision, d.comment, d.decided_at "
            "FROM approval_decisions d JOIN pending_actions a ON a.id = d.action_id "
            "JOIN loans l ON l.loan_no = a.subject "
            "WHERE a.kind = 'loan' AND NOT EXISTS (SELECT 1 FROM loan_approvals v "
            "WHERE v.loan_id = l.id AND v.approver = d.operator)"
        )
    )
    with op.batch_alter_table("approval_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_decisions_action_id"))
    op.drop_table("approval_decisions")
    with op.batch_alter_table("pending_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_pending_actions_state_kind")
        batch_op.drop_index("ix_pending_actions_kind_subject")
    op.drop_table("pending_actions")
