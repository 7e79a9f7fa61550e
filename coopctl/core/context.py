"""The application context: settings + engine, and the unit-of-work factory.

The CLI builds one per invocation; tests build one per database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coopctl.core import config as config_mod
from coopctl.core.db import UnitOfWork, make_engine


@dataclass
class AppContext:
    settings: config_mod.Settings
    _engine: Any = None
    _cipher: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    allow_create: bool = False  # only ``init`` may create a new SQLite file
    read_url_override: str | None = None  # ``--read-db``
    _read_engine: Any = None

    @property
    def engine(self) -> Any:
        if self._engine is None:
            db = self.settings["database"]
            self._engine = make_engine(
                self.settings.database_url,
                busy_timeout_ms=db["busy_timeout_ms"],
                echo=db["echo"],
                create=self.allow_create,
            )
        return self._engine

    @property
    def read_url(self) -> str:
        """``--read-db``, else ``[database] read_url`` (``COOPCTL_DATABASE__READ_URL``);
        empty: reads use the primary."""
        return self.read_url_override or str(self.settings["database"].get("read_url") or "")

    @property
    def read_engine(self) -> Any:
        """The engine of the read replica, or ``None`` when reads use the primary."""
        url = self.read_url
        if not url or url == self.settings.database_url:
            return None
        if self._read_engine is None:
            from coopctl.core.errors import NotInitialisedError

            db = self.settings["database"]
            try:
                self._read_engine = make_engine(
                    url,
                    busy_timeout_ms=db["busy_timeout_ms"],
                    echo=db["echo"],
                    create=False,
                    read_only=True,
                )
            except NotInitialisedError:
                raise NotInitialisedError(
                    "the read replica (--read-db / [database] read_url) is a SQLite file "
                    "that does not exist"
                ) from None
        return self._read_engine

    def uow(self, *, operator: Any = None, as_current: bool = True) -> UnitOfWork:
        """A unit of work acting as ``operator`` (default: the current identity,
        resolved lazily on enter so unknown operators fail before any work)."""
        u = UnitOfWork(
            self.engine, operator=operator, settings=self.settings, read_engine=self.read_engine
        )
        u.ctx = self  # type: ignore[attr-defined]
        if operator is None and as_current:
            u.resolve_operator = True  # type: ignore[attr-defined]
        return u

    def cipher(self) -> Any:
        if self._cipher is None:
            from coopctl.core.crypto import FieldCipher

            self._cipher = FieldCipher.from_file(self.settings.key_file)
        return self._cipher


def cipher_for(uow: UnitOfWork) -> Any:
    """The field cipher of the unit of work's application context, checked against the
    key check value the database stores (wrong key: exit 4, nothing read or written)."""
    from coopctl.core.security import verified_cipher

    return verified_cipher(uow)


def build(
    config_path: str | None = None, db_url: str | None = None, read_db_url: str | None = None
) -> AppContext:
    return AppContext(
        settings=config_mod.load(config_path, db_url=db_url), read_url_override=read_db_url
    )
