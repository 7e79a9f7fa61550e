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

    def uow(self, *, operator: Any = None, as_current: bool = True) -> UnitOfWork:
        """A unit of work acting as ``operator`` (default: the current identity,
        resolved lazily on enter so unknown operators fail before any work)."""
        u = UnitOfWork(self.engine, operator=operator, settings=self.settings)
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


def build(config_path: str | None = None, db_url: str | None = None) -> AppContext:
    return AppContext(settings=config_mod.load(config_path, db_url=db_url))
