"""The unit of work fails closed: no settings, no operator, no workflow → an error,
never "no checker needed"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import create_engine

from coopctl.core import config
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import ConfigError, PermissionDeniedError
from coopctl.core.security import needs_checker


def _uow(**kw: Any) -> UnitOfWork:
    return UnitOfWork(create_engine("sqlite://"), settings=config.load(), **kw)


def test_a_unit_of_work_without_settings_cannot_be_made(isolated: Path) -> None:
    with pytest.raises(ConfigError, match="settings"):
        UnitOfWork(create_engine("sqlite://"), settings=None)  # type: ignore[arg-type]


def test_reading_the_operator_before_it_is_known_is_an_error(isolated: Path) -> None:
    u = _uow()
    assert not u.has_operator
    with pytest.raises(PermissionDeniedError, match="no operator"):
        _ = u.operator
    with pytest.raises(PermissionDeniedError):
        _ = u.username
    u.operator = SimpleNamespace(username="manager1", role="manager")  # type: ignore[assignment]
    assert u.username == "manager1"


def test_today_is_the_business_date(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOPCTL_TODAY", "2027-01-31")
    assert _uow().today() == date(2027, 1, 31)


def test_an_unknown_workflow_is_an_error_not_no_checker(isolated: Path) -> None:
    u = _uow()
    with pytest.raises(ConfigError, match="no workflow"):
        needs_checker(u, "teleportation", Decimal("1"))
    assert needs_checker(u, "withdrawal", Decimal("1000000.00")) is True
    assert needs_checker(u, "withdrawal", Decimal("999999.99")) is False
