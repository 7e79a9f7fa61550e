"""``coopctl init``: schema at head, settings, chart of accounts, default products,
the first admin, and a data folder with a fresh field-encryption key.

Everything happens in one transaction (DDL is transactional on SQLite and
PostgreSQL); the key file is removed again if the transaction fails. On an
initialised database it refuses (exit 5) and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from coopctl.core import audit, clock, crypto, migrate
from coopctl.core.context import AppContext
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import AlreadyInitialisedError, ValidationError
from coopctl.core.models import CoopSetting, Operator
from coopctl.core.plugins import optional_import

# Contexts that seed defaults at init: module with ``seed(uow) -> str`` (a summary line).
SEED_MODULES = ("coopctl.deposits.seed", "coopctl.loans.seed")


@dataclass
class InitResult:
    name: str
    database: str
    admin: str
    key_file: Path
    key_created: bool
    gl_accounts: int
    seeded: list[str]
    audit_key_file: Path | None = None


def is_initialised(engine: Any) -> bool:
    insp = inspect(engine)
    if not insp.has_table("coop_settings"):
        return False
    with Session(engine) as s:
        row = s.get(CoopSetting, "initialised_at")
        s.rollback()
    return row is not None


def initialise(
    ctx: AppContext,
    *,
    name: str,
    currency: str = "NGN",
    admin: str,
    fiscal_year_start: int = 1,
    timezone: str | None = None,
) -> InitResult:
    if not name.strip():
        raise ValidationError("--name must not be empty")
    if not (len(currency) == 3 and currency.isalpha() and currency.isupper()):
        raise ValidationError(f"--currency: {currency!r} is not an ISO 4217 code")
    if not 1 <= fiscal_year_start <= 12:
        raise ValidationError("--fiscal-year-start must be a month number 1-12")
    if not admin or not admin.replace("_", "").replace(".", "").replace("-", "").isalnum():
        raise ValidationError(f"--admin: {admin!r} is not a valid user name")
    ctx.allow_create = True  # the one command that may create the database file
    engine = ctx.engine
    if is_initialised(engine):
        raise AlreadyInitialisedError(
            f"the database {engine.url.render_as_string(hide_password=True)} is already initialised"
        )
    tz = timezone or ctx.settings["cooperative"]["timezone"]
    key_file = ctx.settings.key_file
    key_created = False
    if not key_file.exists():
        crypto.create_key_file(key_file)
        key_created = True
    from coopctl.core.security import ensure_audit_key_file, install_key_checks

    audit_key_created: Path | None = None
    anchors = audit.anchor_path(ctx.settings)
    anchors_existed = anchors.exists()
    try:
        audit_key_created = ensure_audit_key_file(ctx.settings)
        with engine.begin() as conn:
            _serialise_inits(conn)
            migrate.upgrade_on(conn)
            uow = UnitOfWork(conn, settings=ctx.settings)  # type: ignore[arg-type]
            uow.ctx = ctx  # type: ignore[attr-defined]
            with uow:
                now = clock.utcnow()
                op = Operator(
                    username=admin, full_name="", role="admin", status="active", created_at=now
                )
                uow.session.add(op)
                uow.session.flush()
                uow.operator = op
                for k, v in {
                    "name": name.strip(),
                    "currency": currency,
                    "timezone": tz,
                    "fiscal_year_start": str(fiscal_year_start),
                    "initialised_at": now.isoformat(),
                }.items():
                    uow.session.add(CoopSetting(key=k, value=v))
                from coopctl.ledger.service import seed_chart

                install_key_checks(uow, crypto.read_key(key_file))
                n_gl = seed_chart(uow)
                seeded = []
                for mod_name in SEED_MODULES:
                    mod = optional_import(mod_name)
                    if mod is not None:
                        seeded.append(mod.seed(uow))
                audit.record(
                    uow,
                    "coop.init",
                    "cooperative",
                    name.strip()[:64],  # the audit entity id column; the name is in `after`
                    after={
                        "name": name.strip(),
                        "currency": currency,
                        "admin": admin,
                        "timezone": tz,
                    },
                )
                uow.commit()
    except BaseException as exc:
        if key_created:
            key_file.unlink(missing_ok=True)
        if audit_key_created is not None:
            audit_key_created.unlink(missing_ok=True)
        if not anchors_existed:
            anchors.unlink(missing_ok=True)
        if _lost_race(exc) and is_initialised(engine):
            raise AlreadyInitialisedError(
                f"the database {engine.url.render_as_string(hide_password=True)} was initialised "
                "by another `coopctl init` running at the same time; nothing changed"
            ) from None
        raise
    return InitResult(
        name=name.strip(),
        database=engine.url.render_as_string(hide_password=True),
        admin=admin,
        key_file=key_file,
        key_created=key_created,
        audit_key_file=audit_key_created,
        gl_accounts=n_gl,
        seeded=seeded,
    )


INIT_LOCK_KEY = 0x636F6F70  # "coop": PostgreSQL advisory lock held while initialising


def _serialise_inits(conn: Any) -> None:
    """Two ``init`` runs against one PostgreSQL database queue on an advisory lock;
    the second then finds the cooperative initialised and refuses (exit 5) instead
    of failing on a raw catalogue duplicate. SQLite's BEGIN IMMEDIATE already
    serialises writers."""
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({INIT_LOCK_KEY})")
    if inspect(conn).has_table("coop_settings"):
        row = conn.exec_driver_sql(
            "SELECT 1 FROM coop_settings WHERE key = 'initialised_at'"
        ).first()
        if row is not None:
            raise AlreadyInitialisedError(
                f"the database {conn.engine.url.render_as_string(hide_password=True)} was "
                "initialised by another `coopctl init` running at the same time; nothing changed"
            )


def _lost_race(exc: BaseException) -> bool:
    from sqlalchemy import exc as sa_exc

    return isinstance(exc, sa_exc.IntegrityError | sa_exc.ProgrammingError)


def coop_setting(session: Session, key: str, default: str = "") -> str:
    row = session.get(CoopSetting, key)
    return row.value if row else default
