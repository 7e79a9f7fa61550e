"""Database plumbing: engine, Base with naming convention, Money type, unit of work.

SQLite (embedded default) gets WAL, foreign keys, a busy timeout and a real
``BEGIN IMMEDIATE`` so two writers serialise instead of failing half-way;
PostgreSQL goes through psycopg 3. Service functions receive a
:class:`UnitOfWork` and never commit; the caller does ``with uow: ...; uow.commit()``.

A unit of work may also carry a *read engine* (``[database] read_url``, ``--read-db``:
a PostgreSQL streaming replica in production). Its :attr:`UnitOfWork.read_session`
and :meth:`UnitOfWork.reading` view serve reports, statements, aging and exports;
every write still goes through ``session`` to the primary. Without a read URL the
read session *is* the primary session, so nothing changes.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    Integer,
    MetaData,
    create_engine,
    event,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from coopctl.core import money, sums
from coopctl.core.config import Settings
from coopctl.core.errors import (
    BusinessRuleError,
    ConfigError,
    NotFoundError,
    NotInitialisedError,
    PermissionDeniedError,
)

if TYPE_CHECKING:
    from coopctl.core.models import Operator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BigId = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Money(TypeDecorator[Decimal]):
    """Decimal amounts stored as BIGINT kobo; refuses sub-kobo values (never rounds)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            raise TypeError("Money columns take Decimal, not int kobo")
        return money.to_minor(value)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return money.from_minor(int(value))


RATE_PLACES = Decimal("0.0001")


class Rate(TypeDecorator[Decimal]):
    """A percentage (or multiple) with up to four decimals, stored exactly as BIGINT
    ten-thousandths; never a float, and more than four decimals is refused."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError("Rate columns take Decimal")
        q = value.quantize(RATE_PLACES)
        if q != value:
            raise ValueError(f"rate {value} has more than four decimals")
        return int(q * 10000)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 10000).quantize(RATE_PLACES)


class UTCDateTime(TypeDecorator[Any]):
    """Timezone-aware UTC timestamps on both databases."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; use clock.utcnow()")
        return value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        from datetime import UTC

        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def is_sqlite(url_or_engine: str | Engine) -> bool:
    url = url_or_engine if isinstance(url_or_engine, str) else str(url_or_engine.url)
    return url.startswith("sqlite")


_engines: dict[str, Engine] = {}


def sqlite_file(url: str) -> str | None:
    """The file of a SQLite URL (``None`` for in-memory databases and other dialects)."""
    if not is_sqlite(url):
        return None
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def _sqlite_read_only(path: str) -> tuple[bool, bool]:
    """(open read-only, also immutable): a database file we may not write is opened
    read-only so read commands still work; on a read-only folder (a read-only
    mount) SQLite cannot create its lock files, so it is opened immutable, unless
    a write-ahead log holds changes not yet checkpointed."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.access(path, os.W_OK) and os.access(folder, os.W_OK):
        return False, False
    wal = path + "-wal"
    pending = os.path.exists(wal) and os.path.getsize(wal) > 0
    return True, not os.access(folder, os.W_OK) and not pending


class ReadOnlyUnitError(BusinessRuleError):
    """Every write goes to the primary: a unit of work seen through its read session
    (the replica) can read, never commit."""


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = 30000,
    echo: bool = False,
    create: bool = True,
    read_only: bool = False,
) -> Engine:
    """Create (or reuse) the engine for ``url`` with the per-dialect settings.

    With ``create=False`` (every command but ``init``: ``AppContext.allow_create``)
    a SQLite file that does not exist is not created: the command refuses with
    "run `coopctl init`" and leaves no empty file.

    ``read_only=True`` is the read engine (``[database] read_url``): PostgreSQL
    sessions start ``READ ONLY`` (so a read URL that points at a primary by mistake
    still cannot be written through), SQLite connections are ``query_only`` and
    begin deferred (no write lock).
    """
    key = f"{url}#ro" if read_only else url
    if key in _engines:
        return _engines[key]
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    path = sqlite_file(url)
    ro_file = immutable = False
    if path is not None:
        if not os.path.exists(path):
            if not create:
                raise NotInitialisedError(
                    f"no cooperative here: the database file {path} does not exist; "
                    "run `coopctl init` (or give --db / COOPCTL_DATABASE_URL)"
                )
        else:
            ro_file, immutable = _sqlite_read_only(path)
            read_only = read_only or ro_file
    if is_sqlite(url):
        connect_args: dict[str, Any] = {
            "timeout": busy_timeout_ms / 1000,
            "isolation_level": None,
        }
        if ro_file and path is not None:
            import sqlite3
            from urllib.parse import quote

            uri = f"file:{quote(os.path.abspath(path))}?mode=ro" + (
                "&immutable=1" if immutable else ""
            )

            def _read_only_connect() -> Any:
                return sqlite3.connect(
                    uri, uri=True, timeout=busy_timeout_ms / 1000, isolation_level=None
                )

            engine = create_engine(url, echo=echo, creator=_read_only_connect)
        else:
            engine = create_engine(url, echo=echo, connect_args=connect_args)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _rec: Any) -> None:
            cur = dbapi_conn.cursor()
            if ":memory:" not in url and not read_only:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.execute("PRAGMA synchronous=NORMAL")
            if read_only:
                cur.execute("PRAGMA query_only=ON")
            cur.close()
            sums.register_sqlite(dbapi_conn)  # exact money aggregates (core/sums.py)

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # Writers take the lock up front: no deadlock-upgrade half-way through.
            # A read-only file cannot take a write lock: reads begin deferred.
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    else:
        engine = create_engine(url, echo=echo, pool_pre_ping=True)
        if read_only:

            @event.listens_for(engine, "connect")
            def _pg_read_only(dbapi_conn: Any, _rec: Any) -> None:
                autocommit = dbapi_conn.autocommit
                dbapi_conn.autocommit = True
                with dbapi_conn.cursor() as cur:
                    cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                dbapi_conn.autocommit = autocommit

    _engines[key] = engine
    return engine


def dispose_engines() -> None:
    for e in _engines.values():
        e.dispose()
    _engines.clear()


@event.listens_for(Session, "before_flush")
def _check_text_lengths(session: Session, _ctx: Any, _instances: Any) -> None:
    """No text longer than its documented limit reaches either database (core.limits)."""
    from coopctl.core.limits import check_lengths

    for obj in (*session.new, *session.dirty):
        check_lengths(obj)


class UnitOfWork:
    """One business transaction. ``with uow:`` … ``uow.commit()``; leaving without
    commit rolls everything back. Services receive it and never commit.

    ``settings`` and ``operator`` are never optional: a unit of work without
    settings cannot be made, and reading ``operator`` before one is known is an
    error — a missing value never silently means "no checker needed"."""

    def __init__(
        self,
        engine: Engine,
        *,
        settings: Settings,
        operator: Operator | None = None,
        read_engine: Engine | None = None,
    ) -> None:
        if not isinstance(settings, Settings):
            raise ConfigError("a unit of work needs the cooperative's settings")
        self.engine = engine
        self._factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        self.session: Session = None  # type: ignore[assignment]
        self.read_engine: Engine | None = read_engine if read_engine is not engine else None
        self._read_session: Session | None = None
        self._reader_of: UnitOfWork | None = None  # set on the view made by reading()
        self._operator: Operator | None = operator
        self.settings: Settings = settings
        self.messages: list[str] = []  # notes for the operator (printed on stderr)
        self._committed = False

    @property
    def operator(self) -> Operator:
        """The operator this unit of work acts for (resolved on enter)."""
        if self._operator is None:
            raise PermissionDeniedError("no operator: this unit of work acts for nobody")
        return self._operator

    @operator.setter
    def operator(self, op: Operator) -> None:
        self._operator = op

    @property
    def has_operator(self) -> bool:
        return self._operator is not None

    @property
    def username(self) -> str:
        """The acting operator's user name (the system's own jobs run as an operator too)."""
        return self.operator.username

    def today(self) -> date:
        """The business date: ``COOPCTL_TODAY`` or today in the cooperative's time zone."""
        from coopctl.core import clock

        return clock.today(self.settings["cooperative"]["timezone"])

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.session.info["settings"] = self.settings  # for checks that need config (audit)
        self._committed = False
        if getattr(self, "resolve_operator", False) and self._operator is None:
            from coopctl.core.security import load_operator

            try:
                self.operator = load_operator(self.session)
            except BaseException:
                self.session.close()
                raise
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if not self._committed:
                self.session.rollback()
        finally:
            self.session.close()
            if self._read_session is not None:
                self._read_session.close()  # read-only: nothing to keep
                self._read_session = None

    @property
    def read_session(self) -> Session:
        """The session for read-only work: on the read engine (the replica) when one
        is configured, else the primary session itself. Never write through it."""
        if self.read_engine is None:
            return self.session
        if self._read_session is None:
            self._read_session = Session(bind=self.read_engine, expire_on_commit=False)
            self._read_session.info["settings"] = self.settings
            self._read_session.info["read_only"] = True
        return self._read_session

    def reading(self, *, caught_up: bool = False, timeout_s: float = 60.0) -> UnitOfWork:
        """This unit of work seen through :attr:`read_session`: the same operator,
        settings and business date, but ``session`` reads the replica. Read services
        (reports, statements, aging, exports) take it unchanged; ``commit`` on it is
        refused. Without a read engine it is the unit of work itself.

        ``caught_up=True`` (jobs that read what an earlier step committed): first wait
        until a PostgreSQL standby has replayed the primary's WAL up to now."""
        if self.read_engine is None:
            return self
        import copy

        if caught_up:
            wait_for_replica(self, timeout_s)

        self.__dict__.setdefault("_audit", [])  # audit records queued on the view stay ours
        view = copy.copy(self)
        view.session = self.read_session
        view.engine = self.read_engine
        view._reader_of = self
        return view

    @property
    def is_reading(self) -> bool:
        """True on the view :meth:`reading` returns when it reads the replica."""
        return self._reader_of is not None

    def commit(self) -> None:
        from coopctl.core import audit

        if self._reader_of is not None:
            raise ReadOnlyUnitError(
                "this unit of work reads the replica ([database] read_url); "
                "writes go to the primary"
            )
        self.session.flush()
        audit.flush(self)
        self.session.commit()
        self._committed = True

    def rollback(self) -> None:
        self.session.rollback()

    def note(self, message: str) -> None:
        self.messages.append(message)

    def get_one(self, model: Any, what: str, **filters: Any) -> Any:
        """Fetch exactly one row or raise NotFoundError naming ``what``."""
        row = self.session.scalars(select(model).filter_by(**filters)).first()
        if row is None:
            desc = ", ".join(f"{v}" for v in filters.values())
            raise NotFoundError(f"{what} {desc} not found")
        return row

    def lock(self, model: Any, **filters: Any) -> Any:
        """Fetch a row under a write lock (FOR UPDATE on PostgreSQL; SQLite already
        holds the database write lock from BEGIN IMMEDIATE)."""
        stmt = select(model).filter_by(**filters)
        if self.dialect == "postgresql":
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()


class ReplicaLagError(BusinessRuleError):
    """Reports read committed books: a job does not read a standby that has not yet
    replayed what the primary committed before it."""


def wait_for_replica(uow: UnitOfWork, timeout_s: float = 60.0) -> None:
    """Wait until the read replica has replayed the primary's WAL position of now.

    Only PostgreSQL standbys lag; a read URL that is not in recovery (the primary
    itself through a read-only role) or a SQLite file returns at once."""
    import time

    from sqlalchemy import text

    if uow.read_engine is None or uow.read_engine.dialect.name != "postgresql":
        return
    if uow.dialect != "postgresql":
        return
    lsn = uow.session.execute(text("SELECT pg_current_wal_lsn()::text")).scalar_one()
    deadline = time.monotonic() + timeout_s
    while True:
        standby, replayed = uow.read_session.execute(
            text(
                "SELECT pg_is_in_recovery(), "
                "coalesce(pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn), false)"
            ),
            {"lsn": lsn},
        ).one()
        uow.read_session.rollback()  # a fresh snapshot on the next look
        if not standby or replayed:
            return
        if time.monotonic() > deadline:
            raise ReplicaLagError(
                f"the read replica has not replayed the primary's WAL up to {lsn} "
                f"within {timeout_s:.0f} s; check replication (pg_stat_replication)"
            )
        time.sleep(0.2)
