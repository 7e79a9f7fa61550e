"""Workflow definitions: amount bands → levels → roles (pure, no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from coopctl.approvals.rules import Rule, parse_band, route
from coopctl.core import config
from coopctl.core.errors import ConfigError

CHECKERS = ("manager", "admin")


def policy(kind: str, **over: Any) -> dict[str, Any]:
    base = {
        k: config._coerce(key.default, key.type, "default", k)
        for k, key in config.SCHEMA[f"approvals.{kind}"].items()
    }
    return {**base, **over}


def test_defaults_reproduce_the_documented_policies() -> None:
    w = policy("withdrawal")
    assert route("withdrawal", w, Decimal("999999.99")) is None
    assert route("withdrawal", w, Decimal("1000000.00")) == Rule((CHECKERS,), False, 0)
    for kind in ("manual_journal", "transfer"):
        assert route(kind, policy(kind), Decimal("999999.99")) is None
        assert route(kind, policy(kind), Decimal("1000000.00")) is not None
    for kind in ("reversal", "writeoff", "kyc", "member_exit", "budget", "dividend"):
        assert route(kind, policy(kind), Decimal("0.01")) == Rule((CHECKERS,), False, 0)
        assert route(kind, policy(kind), None) == Rule((CHECKERS,), False, 0)
    committee = route("loan", {**policy("loan"), "levels": 2}, Decimal("50000"))
    assert committee is not None and committee.levels == (("manager", "admin", "loan_officer"),) * 2


def test_a_larger_band_adds_a_level_for_an_admin() -> None:
    w = policy("withdrawal", bands=["10000000.00: manager|admin > admin"])
    assert route("withdrawal", w, Decimal("9999999.99")) == Rule((CHECKERS,), False, 0)
    assert route("withdrawal", w, Decimal("10000000.00")) == Rule((CHECKERS, ("admin",)), False, 0)
    assert route("withdrawal", w, Decimal("500.00")) is None


def test_switched_off_needs_no_checker_and_expiry_counts_days() -> None:
    assert route("kyc", policy("kyc", enabled=False), None) is None
    rule = route("kyc", policy("kyc", expire_days=3), None)
    assert rule is not None and rule.expires(date(2026, 11, 28)) == date(2026, 12, 1)
    assert Rule((CHECKERS,), False, 0).expires(date(2026, 11, 28)) is None


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("10000000 manager", "is not"),
        ("10000000: manager|cashier", "unknown role cashier"),
        ("ten million: admin", "approvals.withdrawal.bands"),
        ("1000.001: admin", "approvals.withdrawal.bands"),
        ("1000: manager >  > admin", "names no role"),
        ("1000: " + " > ".join(["admin"] * 10), "at most 9 levels"),
        ("1000: [/bold]admin", "unknown role [/bold]admin"),
    ],
)
def test_malformed_bands_are_config_errors_naming_the_key(text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as exc:
        route("withdrawal", policy("withdrawal", bands=[text]), Decimal("1"))
    assert needle in str(exc.value)
    assert "approvals.withdrawal" in str(exc.value)


def test_parse_band_reads_levels_in_order() -> None:
    band = parse_band(" 2,500,000.00 : admin | manager > admin ", "w")
    assert band.start == Decimal("2500000.00")
    assert band.levels == (("admin", "manager"), ("admin",))


def test_bad_levels_count_is_refused() -> None:
    with pytest.raises(ConfigError, match="levels: must be 1-9"):
        route("withdrawal", policy("withdrawal", levels=0), Decimal("2000000"))
