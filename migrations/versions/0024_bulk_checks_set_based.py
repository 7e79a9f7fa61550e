"""Bulk posting checks set-based on PostgreSQL (issue "Scale", item 1)

Revision ID: 0024
Revises: 0023

A bulk posting COPYs 200,000 journal lines; the three foreign keys of
``journal_lines`` (``entry_id``, ``gl_account_id``, ``account_id``) each ran one
referential-integrity query per inserted row — 600,000 index probes, measured at
60 % of the COPY. On PostgreSQL they become set-based checks with the same meaning;
SQLite keeps its foreign keys (and this revision changes nothing there).

What the database refuses is unchanged (one gap is closed, below):

* inserting a line whose entry, GL account or member account does not exist:
  ``jl_insert_check`` (AFTER INSERT, once per statement, over the transition table)
  looks up each distinct entry and each distinct (GL, member account) pair once,
  locks the rows it found ``FOR KEY SHARE`` — the lock a foreign key takes, so a
  concurrent delete of the parent waits and then sees the line — and raises
  ``foreign_key_violation`` (SQLSTATE 23503) if any is missing; it still refuses
  lines of a posted entry and member-account lines off their control GL;
* updating a line to point at a missing parent: ``jl_guard`` (per row, as before)
  checks each changed reference the same way;
* deleting a referenced entry, GL account or member account, or changing its id:
  ``jl_parent_guard`` (BEFORE DELETE OR UPDATE OF id, per row, on the three
  parents) raises ``foreign_key_violation`` while a line refers to the row (index
  look-up on journal_lines);
* truncating ``accounts`` or ``gl_accounts`` while journal lines exist
  (``journal_entries`` and ``journal_lines`` refuse TRUNCATE already).

The models keep their ``ForeignKey`` declarations (the ORM joins on them); the
schema test lists these three as the only difference on PostgreSQL. A logical copy
between databases runs with triggers off and checks the references once before commit
(:func:`coopctl.backup.logical.check_line_refs`).

The flip check (``je_post_check``, draft → posted) finds the flipped rows without
joining the two transition tables when no row of the statement was posted before,
sums (debit − credit) once instead of debits and credits apart, and bounds the
lines it reads by the lowest and highest flipped id (with 800,000 lines already in
the book, the 100,000-entry flip reads its lines by index, not the whole table). A row is a flip
when it is posted now and its id was not posted before: a flip that also changed the
entry's id, which the join on id of migration 0003 missed, is now checked too.

Both statement-level checks run with ``work_mem = 64MB``, so the 100,000 distinct
entries of a batch hash and sort in memory instead of spilling to disk.
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op

import coopctl.core.db  # noqa: F401

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# (column, parent table, constraint name) — the names of migration 0003
FKS = (
    ("entry_id", "journal_entries", "fk_journal_lines_entry_id_journal_entries"),
    ("gl_account_id", "gl_accounts", "fk_journal_lines_gl_account_id_gl_accounts"),
    ("account_id", "accounts", "fk_journal_lines_account_id_accounts"),
)


def _fk_error(name: str) -> str:
    return (
        'RAISE EXCEPTION \'insert or update on table "journal_lines" violates foreign key '
        f"constraint \"{name}\"' USING ERRCODE = 'foreign_key_violation'"
    )


_INSERT_CHECK = f"""CREATE OR REPLACE FUNCTION coopctl_jl_insert_check() RETURNS trigger AS $$
    DECLARE want BIGINT; got BIGINT; n_posted BIGINT; n_gl BIGINT; got_gl BIGINT;
            n_acct BIGINT; got_acct BIGINT; off_gl BIGINT;
    BEGIN
      -- entries: each distinct one once; found rows locked as a foreign key locks them
      WITH l AS MATERIALIZED (SELECT DISTINCT entry_id AS id FROM new_rows),
           e AS (SELECT e.status FROM journal_entries e JOIN l ON e.id = l.id
                 FOR KEY SHARE OF e)
      SELECT (SELECT count(*) FROM l), count(*), count(*) FILTER (WHERE status = 'posted')
        INTO want, got, n_posted FROM e;
      IF got < want THEN
        {_fk_error(FKS[0][2])};
      END IF;
      IF n_posted > 0 THEN
        RAISE EXCEPTION 'lines of a posted entry are immutable';
      END IF;
      -- GL and member accounts: each distinct (GL, member account) pair once
      WITH p AS MATERIALIZED (SELECT DISTINCT gl_account_id AS gl, account_id AS acct
                                FROM new_rows),
           g AS (SELECT g.id FROM gl_accounts g WHERE g.id IN (SELECT gl FROM p)
                 FOR KEY SHARE OF g),
           a AS MATERIALIZED (SELECT a.id, a.gl_account_id FROM accounts a
                               WHERE a.id IN (SELECT acct FROM p) FOR KEY SHARE OF a)
      SELECT (SELECT count(DISTINCT gl) FROM p), (SELECT count(*) FROM g),
             (SELECT count(DISTINCT acct) FROM p), (SELECT count(*) FROM a),
             (SELECT count(*) FROM p JOIN a ON a.id = p.acct WHERE a.gl_account_id <> p.gl)
        INTO n_gl, got_gl, n_acct, got_acct, off_gl;
      IF got_gl < n_gl THEN
        {_fk_error(FKS[1][2])};
      END IF;
      IF got_acct < n_acct THEN
        {_fk_error(FKS[2][2])};
      END IF;
      IF off_gl > 0 THEN
        RAISE EXCEPTION 'member-account line must use its control GL account';
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql SET work_mem = '64MB'"""


def _ref_check(col: str, parent: str, name: str) -> str:
    return f"""
      IF NEW.{col} IS NOT NULL AND NEW.{col} IS DISTINCT FROM OLD.{col} THEN
        PERFORM 1 FROM {parent} WHERE id = NEW.{col} FOR KEY SHARE;
        IF NOT FOUND THEN
          {_fk_error(name)};
        END IF;
      END IF;"""


# migration 0003's guard, plus the references of an updated line
_GUARD = f"""CREATE OR REPLACE FUNCTION coopctl_jl_guard() RETURNS trigger AS $$
    BEGIN
      IF (SELECT status FROM journal_entries WHERE id = OLD.entry_id) = 'posted' THEN
        RAISE EXCEPTION 'lines of a posted entry are immutable';
      END IF;
      IF TG_OP = 'UPDATE' THEN
        IF (SELECT status FROM journal_entries WHERE id = NEW.entry_id) = 'posted' THEN
          RAISE EXCEPTION 'lines of a posted entry are immutable';
        END IF;{"".join(_ref_check(*fk) for fk in FKS)}
        IF NEW.account_id IS NOT NULL AND NEW.gl_account_id <>
           (SELECT gl_account_id FROM accounts WHERE id = NEW.account_id) THEN
          RAISE EXCEPTION 'member-account line must use its control GL account';
        END IF;
        RETURN NEW;
      END IF;
      RETURN OLD;
    END $$ LANGUAGE plpgsql"""

# on each parent: no delete (nor change of id) while a line refers to the row.
# TG_ARGV: the journal_lines column, the constraint name it stands for.
_PARENT_GUARD = """CREATE OR REPLACE FUNCTION coopctl_jl_parent_guard() RETURNS trigger AS $$
    DECLARE used BOOLEAN;
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NEW;
      END IF;
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM journal_lines WHERE %I = $1)', TG_ARGV[0])
         INTO used USING OLD.id;
      IF used THEN
        RAISE EXCEPTION 'update or delete on table "%" violates foreign key constraint "%" on '
                        'table "journal_lines"', TG_TABLE_NAME, TG_ARGV[1]
              USING ERRCODE = 'foreign_key_violation';
      END IF;
      IF TG_OP = 'UPDATE' THEN
        RETURN NEW;
      END IF;
      RETURN OLD;
    END $$ LANGUAGE plpgsql"""

_PARENT_TRUNCATE = """CREATE OR REPLACE FUNCTION coopctl_jl_parent_truncate() RETURNS trigger AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM journal_lines) THEN
        RAISE EXCEPTION 'cannot truncate table "%": journal lines refer to it', TG_TABLE_NAME
              USING ERRCODE = 'feature_not_supported';
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql"""

# the 0023 insert check and the 0003 guard, for the downgrade
_INSERT_CHECK_0023 = """CREATE OR REPLACE FUNCTION coopctl_jl_insert_check() RETURNS trigger AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM (SELECT DISTINCT entry_id FROM new_rows) l
                   JOIN journal_entries e ON e.id = l.entry_id
                  WHERE e.status = 'posted') THEN
        RAISE EXCEPTION 'lines of a posted entry are immutable';
      END IF;
      IF EXISTS (SELECT 1 FROM (SELECT DISTINCT account_id, gl_account_id FROM new_rows
                                 WHERE account_id IS NOT NULL) l
                   JOIN accounts a ON a.id = l.account_id
                  WHERE a.gl_account_id <> l.gl_account_id) THEN
        RAISE EXCEPTION 'member-account line must use its control GL account';
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql"""

_GUARD_0003 = """CREATE OR REPLACE FUNCTION coopctl_jl_guard() RETURNS trigger AS $$
    BEGIN
      IF (SELECT status FROM journal_entries WHERE id = OLD.entry_id) = 'posted' THEN
        RAISE EXCEPTION 'lines of a posted entry are immutable';
      END IF;
      IF TG_OP = 'UPDATE' THEN
        IF (SELECT status FROM journal_entries WHERE id = NEW.entry_id) = 'posted' THEN
          RAISE EXCEPTION 'lines of a posted entry are immutable';
        END IF;
        IF NEW.account_id IS NOT NULL AND NEW.gl_account_id <>
           (SELECT gl_account_id FROM accounts WHERE id = NEW.account_id) THEN
          RAISE EXCEPTION 'member-account line must use its control GL account';
        END IF;
        RETURN NEW;
      END IF;
      RETURN OLD;
    END $$ LANGUAGE plpgsql"""


# The flip check of migration 0003, with the flipped rows found without joining the
# two transition tables when no row of the statement was posted before (a batch flip:
# 100,000 drafts): ``was_posted = 0 OR …`` short-circuits the look-up into old_rows.
# A row is a flip when it is posted now and its id was not posted before — also when
# the statement changed the id, which the join on id of 0003 let through unchecked.
# The balance is one exact sum of (debit − credit) instead of two.
_FLIP = """n.status = 'posted' AND (was_posted = 0 OR NOT EXISTS (
             SELECT 1 FROM old_rows o WHERE o.id = n.id AND o.status = 'posted'))"""
_POST_CHECK = f"""CREATE OR REPLACE FUNCTION coopctl_je_post_check() RETURNS trigger AS $$
    DECLARE bad BIGINT; flipped BIGINT; was_posted BIGINT; lo BIGINT; hi BIGINT;
    BEGIN
      SELECT COUNT(*) INTO was_posted FROM old_rows WHERE status = 'posted';
      SELECT COUNT(*), MIN(n.id), MAX(n.id) INTO flipped, lo, hi FROM new_rows n WHERE {_FLIP};
      IF flipped = 0 THEN
        RETURN NULL;
      END IF;
      IF flipped < 500 THEN
        SELECT n.id INTO bad
          FROM new_rows n
          CROSS JOIN LATERAL (
            SELECT COALESCE(SUM(l.debit - l.credit), 0) AS diff,
                   COUNT(*) FILTER (WHERE l.debit > 0) AS nd,
                   COUNT(*) FILTER (WHERE l.credit > 0) AS nc
              FROM journal_lines l WHERE l.entry_id = n.id) t
         WHERE {_FLIP}
           AND (t.diff <> 0 OR t.nd = 0 OR t.nc = 0)
         LIMIT 1;
      ELSE
        SELECT n.id INTO bad
          FROM new_rows n
          LEFT JOIN journal_lines l ON l.entry_id = n.id AND l.entry_id BETWEEN lo AND hi
         WHERE {_FLIP}
         GROUP BY n.id
        HAVING COALESCE(SUM(l.debit - l.credit), 0) <> 0
            OR COUNT(*) FILTER (WHERE l.debit > 0) = 0
            OR COUNT(*) FILTER (WHERE l.credit > 0) = 0
         LIMIT 1;
      END IF;
      IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'unbalanced journal entry %', bad;
      END IF;
      IF EXISTS (SELECT 1 FROM (SELECT DISTINCT n.business_date FROM new_rows n
                                 WHERE {_FLIP}) d
                   JOIN periods p ON p.status = 'closed'
                    AND d.business_date BETWEEN p.start_date AND p.end_date) THEN
        RAISE EXCEPTION 'posting dated in a closed period';
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql SET work_mem = '64MB'"""

# migration 0003's flip check, for the downgrade
_POST_CHECK_0003 = """CREATE OR REPLACE FUNCTION coopctl_je_post_check() RETURNS trigger AS $$
    DECLARE bad BIGINT; flipped BIGINT;
    BEGIN
      SELECT COUNT(*) INTO flipped FROM new_rows n JOIN old_rows o ON o.id = n.id
       WHERE n.status = 'posted' AND o.status <> 'posted';
      IF flipped = 0 THEN
        RETURN NULL;
      END IF;
      IF flipped < 500 THEN
        SELECT n.id INTO bad
          FROM new_rows n JOIN old_rows o ON o.id = n.id
          CROSS JOIN LATERAL (
            SELECT COALESCE(SUM(l.debit), 0) AS dr, COALESCE(SUM(l.credit), 0) AS cr,
                   COUNT(*) FILTER (WHERE l.debit > 0) AS nd,
                   COUNT(*) FILTER (WHERE l.credit > 0) AS nc
              FROM journal_lines l WHERE l.entry_id = n.id) t
         WHERE n.status = 'posted' AND o.status <> 'posted'
           AND (t.dr <> t.cr OR t.nd = 0 OR t.nc = 0)
         LIMIT 1;
      ELSE
        SELECT n.id INTO bad
          FROM new_rows n JOIN old_rows o ON o.id = n.id
          LEFT JOIN journal_lines l ON l.entry_id = n.id
         WHERE n.status = 'posted' AND o.status <> 'posted'
         GROUP BY n.id
        HAVING COALESCE(SUM(l.debit), 0) <> COALESCE(SUM(l.credit), 0)
            OR COUNT(*) FILTER (WHERE l.debit > 0) = 0
            OR COUNT(*) FILTER (WHERE l.credit > 0) = 0
         LIMIT 1;
      END IF;
      IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'unbalanced journal entry %', bad;
      END IF;
      IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
                   JOIN periods p ON p.status = 'closed'
                    AND n.business_date BETWEEN p.start_date AND p.end_date
                  WHERE n.status = 'posted' AND o.status <> 'posted') THEN
        RAISE EXCEPTION 'posting dated in a closed period';
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql"""


_TRUNCATE_GUARDED = ("gl_accounts", "accounts")


def _pg_up() -> list[str]:
    out = [
        f"ALTER TABLE journal_lines {', '.join(f'DROP CONSTRAINT {n}' for _c, _p, n in FKS)}",
        _INSERT_CHECK,
        _GUARD,
        _PARENT_GUARD,
        _PARENT_TRUNCATE,
        _POST_CHECK,
    ]
    for col, parent, name in FKS:
        out.append(
            f"CREATE TRIGGER jl_parent_guard BEFORE DELETE OR UPDATE OF id ON {parent} "
            f"FOR EACH ROW EXECUTE FUNCTION coopctl_jl_parent_guard('{col}', '{name}')"
        )
    for parent in _TRUNCATE_GUARDED:
        out.append(
            f"CREATE TRIGGER jl_parent_truncate BEFORE TRUNCATE ON {parent} "
            "FOR EACH STATEMENT EXECUTE FUNCTION coopctl_jl_parent_truncate()"
        )
    return out


def _pg_down() -> list[str]:
    out = [f"DROP TRIGGER IF EXISTS jl_parent_guard ON {p}" for _c, p, _n in FKS]
    out += [
        f"DROP TRIGGER IF EXISTS jl_parent_truncate ON {p}" for p in ("gl_accounts", "accounts")
    ]
    out += [
        "DROP FUNCTION IF EXISTS coopctl_jl_parent_guard()",
        "DROP FUNCTION IF EXISTS coopctl_jl_parent_truncate()",
        _INSERT_CHECK_0023,
        _GUARD_0003,
        _POST_CHECK_0003,
    ]
    out += [
        f"ALTER TABLE journal_lines ADD CONSTRAINT {n} FOREIGN KEY ({c}) REFERENCES {p} (id)"
        for c, p, n in FKS
    ]
    return out


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for sql in _pg_up():
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for sql in _pg_down():
            op.execute(sql)
