"""Test harness: a fresh cooperative per test on SQLite and on PostgreSQL.

PostgreSQL comes from ``COOPCTL_TEST_PG_URL`` (a server URL whose database is
only used to create and drop this run's own databases). When it is unset or
unreachable the PostgreSQL half is skipped — unless ``COOPCTL_REQUIRE_PG=1``,
which turns that into a failure (CI sets it).

Initialising a cooperative is done once per run and dialect into a template
(a SQLite file / a PostgreSQL template database) and cloned for each test.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PG_URL = os.environ.get("COOPCTL_TEST_PG_URL", "")
REQUIRE_PG = os.environ.get("COOPCTL_REQUIRE_PG") == "1"
RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"

STAFF = [
    ("manager1", "manager"),
    ("manager2", "manager"),
    ("accountant1", "accountant"),
    ("teller1", "teller"),
    ("teller2", "teller"),
    ("officer1", "loan_officer"),
    ("officer2", "loan_officer"),
    ("auditor1", "auditor"),
    ("system", "system"),
]
DEFAULT_TODAY = "2026-11-28"


def _pg_base() -> str:
    url = PG_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _pg_url_for(dbname: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(_pg_base()).set(database=dbname).render_as_string(hide_password=False)


def _pg_admin_exec(sql: str) -> None:
    from sqlalchemy import create_engine

    eng = create_engine(_pg_base(), isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as c:
            c.exec_driver_sql(sql)
    finally:
        eng.dispose()


_pg_state: dict[str, Any] = {}


def pg_available() -> bool:
    if "ok" not in _pg_state:
        if not PG_URL:
            _pg_state["ok"] = False
            _pg_state["why"] = "COOPCTL_TEST_PG_URL is not set"
        else:
            try:
                _pg_admin_exec("SELECT 1")
                _pg_state["ok"] = True
            except Exception as exc:
                _pg_state["ok"] = False
                _pg_state["why"] = f"PostgreSQL unreachable: {exc}"
    return bool(_pg_state["ok"])


def need_pg() -> None:
    if not pg_available():
        if REQUIRE_PG:
            pytest.fail(f"COOPCTL_REQUIRE_PG=1 but {_pg_state.get('why')}")
        pytest.skip(str(_pg_state.get("why")))


# --- CLI runner ----------------------------------------------------------------
@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as exc:
            raise AssertionError(
                f"stdout is not JSON ({exc}):\n{self.stdout}\nstderr:\n{self.stderr}"
            ) from None

    def ok(self) -> Result:
        assert self.exit_code == 0, (
            f"exit {self.exit_code}\nstdout:{self.stdout}\nstderr:{self.stderr}"
        )
        return self


def run_cli(args: list[str], env: dict[str, str]) -> Result:
    from coopctl.cli.main import main

    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    out, err = io.StringIO(), io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main([str(a) for a in args])
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return Result(code, out.getvalue(), err.getvalue())


# --- a cooperative ----------------------------------------------------------------
@dataclass
class Coop:
    dialect: str
    url: str
    data_dir: Path
    workdir: Path
    today: str = DEFAULT_TODAY
    env_extra: dict[str, str] = field(default_factory=dict)

    def env(self, operator: str = "admin", **extra: str) -> dict[str, str]:
        e = {
            "COOPCTL_DATABASE_URL": self.url,
            "COOPCTL_DATA_DIR": str(self.data_dir),
            "COOPCTL_OPERATOR": operator,
            "COOPCTL_TODAY": self.today,
        }
        e.update(self.env_extra)
        e.update(extra)
        return e

    def cli(self, *args: Any, operator: str = "admin", **env: str) -> Result:
        return run_cli([str(a) for a in args], self.env(operator, **env))

    def ok(self, *args: Any, operator: str = "admin", **env: str) -> Any:
        """Run with ``--format json`` appended, assert exit 0, return the JSON."""
        r = self.cli(*args, "--format", "json", operator=operator, **env)
        r.ok()
        return r.json

    def context(self) -> Any:
        from coopctl.core import config
        from coopctl.core.context import AppContext

        old = {k: os.environ.get(k) for k in self.env()}
        os.environ.update(self.env())
        try:
            settings = config.load(None, db_url=self.url)
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        settings.data_dir_override = str(self.data_dir)
        ctx = AppContext(settings=settings)
        return ctx

    def uow(self, operator: str = "admin") -> Any:
        """A unit of work acting as ``operator`` (service-level tests)."""
        from coopctl.core.security import load_operator

        ctx = self.context()
        ctx.settings.extra["key_file"] = str(self.data_dir / "secret.key")
        u = ctx.uow(as_current=False)
        os.environ.setdefault("COOPCTL_TODAY", self.today)
        base = type(u)

        class _AsOperator(base):  # type: ignore[misc, valid-type]
            # ``with`` looks __enter__ up on the class, so override it there.
            def __enter__(self) -> Any:
                res = super().__enter__()
                res.operator = load_operator(res.session, operator)
                return res

        u.__class__ = _AsOperator
        return u

    def engine(self) -> Any:
        return self.context().engine

    def sql(self, statement: str, **params: Any) -> list[Any]:
        """Run raw SQL in its own transaction (for tamper tests); returns rows if any."""
        from sqlalchemy import text

        with self.engine().connect() as c:
            res = c.execute(text(statement), params)
            rows = list(res) if res.returns_rows else []
            c.commit()
        return rows


def _make_template(dialect: str, root: Path) -> tuple[str, Path]:
    """Initialise one cooperative (with staff) and return (url, data_dir) of the template."""
    from coopctl.core.db import dispose_engines

    data_dir = root / f"tmpl-{dialect}-data"
    if dialect == "sqlite":
        url = f"sqlite:///{root / 'tmpl.db'}"
    else:
        name = f"coopctl_tmpl_{RUN_ID}"
        _pg_admin_exec(f'CREATE DATABASE "{name}"')
        url = _pg_url_for(name)
        _pg_state.setdefault("created", []).append(name)
    coop = Coop(dialect, url, data_dir, root)
    coop.cli("init", "--name", "Unity Staff Cooperative", "--admin", "admin").ok()
    for user, role in STAFF:
        coop.cli("operators", "add", user, "--role", role).ok()
    dispose_engines()
    return url, data_dir


_templates: dict[str, tuple[str, Path]] = {}


def template_for(dialect: str, tmp_factory: Any) -> tuple[str, Path]:
    if dialect not in _templates:
        root = tmp_factory.mktemp(f"template-{dialect}")
        _templates[dialect] = _make_template(dialect, root)
    return _templates[dialect]


@pytest.fixture(params=["sqlite", "postgresql"])
def dialect(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        need_pg()
    return str(request.param)


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder with no config files and a pinned business date."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("COOPCTL_TODAY", DEFAULT_TODAY)
    for k in list(os.environ):
        if k.startswith("COOPCTL_") and "__" in k:
            monkeypatch.delenv(k)
    for k in (
        "COOPCTL_CONFIG",
        "COOPCTL_DATABASE_URL",
        "COOPCTL_DATA_DIR",
        "COOPCTL_OPERATOR",
        "COOPCTL_SECRET_KEY_FILE",
    ):
        monkeypatch.delenv(k, raising=False)
    return tmp_path


def _clone(dialect: str, tmp_path: Path, tmp_path_factory: Any) -> Coop:
    url, tdata = template_for(dialect, tmp_path_factory)
    data_dir = tmp_path / "coop-data"
    shutil.copytree(tdata, data_dir)
    if dialect == "sqlite":
        db = tmp_path / "coop.db"
        shutil.copy(url.removeprefix("sqlite:///"), db)
        new_url = f"sqlite:///{db}"
    else:
        name = f"coopctl_t_{RUN_ID}_{uuid.uuid4().hex[:8]}"
        tmpl = url.rsplit("/", 1)[1]
        _pg_admin_exec(f'CREATE DATABASE "{name}" TEMPLATE "{tmpl}"')
        new_url = _pg_url_for(name)
    return Coop(dialect, new_url, data_dir, tmp_path)


@pytest.fixture
def coop(dialect: str, isolated: Path, tmp_path_factory: Any) -> Iterator[Coop]:
    """An initialised cooperative (admin 'admin' + STAFF operators) on each database."""
    c = _clone(dialect, isolated, tmp_path_factory)
    yield c
    _drop(c)


@pytest.fixture
def sqlite_coop(isolated: Path, tmp_path_factory: Any) -> Iterator[Coop]:
    c = _clone("sqlite", isolated, tmp_path_factory)
    yield c
    _drop(c)


@pytest.fixture
def pg_coop(isolated: Path, tmp_path_factory: Any) -> Iterator[Coop]:
    need_pg()
    c = _clone("postgresql", isolated, tmp_path_factory)
    yield c
    _drop(c)


@pytest.fixture
def empty_db(dialect: str, isolated: Path) -> Iterator[Coop]:
    """A database with nothing in it (for init and migration tests)."""
    if dialect == "sqlite":
        c = Coop("sqlite", f"sqlite:///{isolated / 'coop.db'}", isolated / "coop-data", isolated)
    else:
        name = f"coopctl_e_{RUN_ID}_{uuid.uuid4().hex[:8]}"
        _pg_admin_exec(f'CREATE DATABASE "{name}"')
        c = Coop("postgresql", _pg_url_for(name), isolated / "coop-data", isolated)
    yield c
    _drop(c)


def _drop(c: Coop) -> None:
    from coopctl.core.db import dispose_engines

    dispose_engines()
    if c.dialect == "postgresql":
        name = c.url.rsplit("/", 1)[1]
        _pg_admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    from coopctl.core.db import dispose_engines

    dispose_engines()
    for name in _pg_state.get("created", []):
        try:
            _pg_admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception:
            pass


sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
