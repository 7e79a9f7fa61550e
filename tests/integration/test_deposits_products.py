"""Deposit products and bank accounts on both databases: defaults from init, adding
with every option, validation (exit 2 naming the option, nothing written),
duplicates and permissions."""

from __future__ import annotations

import pytest

from tests.conftest import Coop
from tests.integration.deposits_support import count, snapshot


def test_init_seeds_the_default_deposit_products(coop: Coop) -> None:
    rows = {p["code"]: p for p in coop.ok("products", "list", operator="teller1")}
    assert {
        k: (v["kind"], v["annual_rate"]) for k, v in rows.items() if k in ("SAV", "SHR", "FD90")
    } == {
        "SAV": ("savings", "4.00"),
        "SHR": ("shares", "0.00"),
        "FD90": ("fixed_deposit", "10.00"),
    }
    sav = coop.ok("products", "show", "sav")
    assert (sav["control_gl"], sav["interest_gl"], sav["interest_method"]) == (
        "2110",
        "5100",
        "daily_balance",
    )
    assert sav["withdrawals_per_month"] is None and sav["min_balance"] == "0.00"
    shr = coop.ok("products", "show", "SHR")
    assert (shr["control_gl"], shr["price_per_share"], shr["min_shares"]) == ("3100", "1000.00", 10)
    fd = coop.ok("products", "show", "FD90")
    assert (fd["control_gl"], fd["term_days"], fd["early_withdrawal_penalty"]) == (
        "2120",
        90,
        "2.00",
    )
    assert fd["min_opening_balance"] == "50000.00"


def test_add_a_savings_product_with_every_option(coop: Coop) -> None:
    p = coop.ok(
        "products",
        "add",
        "TGT",
        "--kind",
        "savings",
        "--name",
        "Target savings",
        "--rate",
        "6.125",
        "--interest-method",
        "minimum_monthly_balance",
        "--days-in-year",
        "360",
        "--posting-frequency",
        "quarterly",
        "--min-interest-balance",
        "5,000",
        "--min-opening-balance",
        "1000",
        "--min-balance",
        "500",
        "--withdrawals-per-month",
        "1",
        "--notice-days",
        "30",
        operator="manager1",
    )
    assert p == {
        **p,
        "code": "TGT",
        "kind": "savings",
        "annual_rate": "6.125",
        "days_in_year": 360,
        "interest_method": "minimum_monthly_balance",
        "posting_frequency": "quarterly",
        "min_interest_balance": "5000.00",
        "min_opening_balance": "1000.00",
        "min_balance": "500.00",
        "withdrawals_per_month": 1,
        "notice_days": 30,
        "control_gl": "2110",
    }
    assert coop.ok("products", "show", "TGT") == p
    fd = coop.ok(
        "products",
        "add",
        "FD180",
        "--kind",
        "fixed_deposit",
        "--name",
        "FD 180 days",
        "--rate",
        "12",
        "--term-days",
        "180",
        "--early-withdrawal-penalty",
        "3.5",
        operator="admin",
    )
    assert (fd["term_days"], fd["early_withdrawal_penalty"], fd["control_gl"]) == (
        180,
        "3.50",
        "2120",
    )
    sh = coop.ok(
        "products",
        "add",
        "SHR2",
        "--kind",
        "shares",
        "--name",
        "Preference shares",
        "--rate",
        "0",
        "--price-per-share",
        "500",
        "--min-shares",
        "4",
    )
    assert (sh["price_per_share"], sh["control_gl"]) == ("500.00", "3100")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--kind", "savings", "--rate", "abc"), "--rate: 'abc' is not a percentage"),
        (("--kind", "savings", "--rate", "-1"), "--rate: '-1' is not a percentage"),
        (("--kind", "savings", "--rate", "1.23456"), "--rate: '1.23456' is not a percentage"),
        (("--kind", "savings", "--rate", "101"), "--rate: 101% is more than 100%"),
        (("--kind", "savings", "--rate", "1e2"), "--rate: '1e2' is not a percentage"),
        (("--kind", "current", "--rate", "1"), "--kind: 'current' is not one of"),
        (("--kind", "savings", "--rate", "1", "--interest-method", "simple"), "--interest-method"),
        (("--kind", "savings", "--rate", "1", "--days-in-year", "366"), "--days-in-year: 366"),
        (("--kind", "savings", "--rate", "1", "--days-in-year", "x"), "--days-in-year: 'x'"),
        (
            ("--kind", "savings", "--rate", "1", "--posting-frequency", "daily"),
            "--posting-frequency",
        ),
        (("--kind", "savings", "--rate", "1", "--min-balance", "1.234"), "--min-balance: '1.234'"),
        (("--kind", "savings", "--rate", "1", "--min-balance", "-5"), "--min-balance: '-5'"),
        (
            ("--kind", "savings", "--rate", "1", "--withdrawals-per-month", "-1"),
            "--withdrawals-per-month: '-1' is not a whole number",
        ),
        (("--kind", "savings", "--rate", "1", "--term-days", "30"), "--term-days: only for fixed"),
        (("--kind", "shares", "--rate", "0"), "--price-per-share: required"),
        (("--kind", "fixed_deposit", "--rate", "9"), "--term-days: required"),
        (("--kind", "fixed_deposit", "--rate", "9", "--term-days", "0"), "--term-days: required"),
        (("--kind", "savings", "--rate", "1", "--method", "flat"), "--method: only for loan"),
        (("--kind", "savings", "--rate", "1", "--control-gl", "2120x"), "--control-gl: GL account"),
        (("--kind", "savings", "--rate", "1", "--control-gl", "1110"), "--control-gl: 1110 is not"),
    ],
)
def test_bad_options_exit_2_or_3_naming_the_option(
    coop: Coop, args: tuple[str, ...], needle: str
) -> None:
    before = count(coop, "deposit_products")
    r = coop.cli("products", "add", "NEW1", "--name", "New", *args, operator="manager1")
    assert r.exit_code == (3 if "GL account" in needle else 2), r.stderr  # 3: GL not found
    assert needle in r.stderr
    assert count(coop, "deposit_products") == before


def test_duplicate_code_bad_code_and_permission(coop: Coop) -> None:
    before = snapshot(coop), count(coop, "deposit_products")
    r = coop.cli(
        "products",
        "add",
        "SAV",
        "--kind",
        "savings",
        "--name",
        "x",
        "--rate",
        "1",
        operator="manager1",
    )
    assert r.exit_code == 5 and "SAV already exists" in r.stderr
    r = coop.cli(
        "products",
        "add",
        "bad code",
        "--kind",
        "savings",
        "--name",
        "x",
        "--rate",
        "1",
        operator="manager1",
    )
    assert r.exit_code == 2 and "CODE" in r.stderr
    r = coop.cli(
        "products",
        "add",
        "OK1",
        "--kind",
        "savings",
        "--name",
        "x",
        "--rate",
        "1",
        operator="teller1",
    )
    assert r.exit_code == 4
    assert (snapshot(coop), count(coop, "deposit_products")) == before
    assert coop.cli("products", "show", "NOPE").exit_code == 3


def test_bank_accounts(coop: Coop) -> None:
    """A bank account maps to one postable cash GL account (not the till, not a header)."""
    b = coop.ok(
        "recon",
        "banks",
        "add",
        "gtb",
        "--gl",
        "1121",
        "--name",
        "GTBank current",
        "--number",
        "0123456789",
        operator="accountant1",
    )
    assert b == {
        "code": "GTB",
        "name": "GTBank current",
        "number": "0123456789",
        "gl_code": "1121",
        "currency": "NGN",
        "active": True,
    }
    assert coop.ok("recon", "banks", "list", operator="auditor1") == [b]
    before = count(coop, "bank_accounts")
    cases = [
        (("GTB", "--gl", "1130"), 5, "GTB already exists"),
        (("ZEN", "--gl", "1121"), 5, "already belongs to bank account GTB"),
        (("ZEN", "--gl", "1120"), 5, "not an active, postable asset"),
        (("ZEN", "--gl", "1110"), 5, "cash on hand"),
        (("ZEN", "--gl", "2110"), 5, "not an active, postable asset"),
        (("ZEN", "--gl", "1410"), 5, "not a cash account"),
        (("ZEN", "--gl", "9999"), 3, "--gl: GL account 9999 not found"),
        (("bad code!", "--gl", "1130"), 2, "CODE"),
    ]
    for args, code, needle in cases:
        r = coop.cli("recon", "banks", "add", *args, operator="accountant1")
        assert (r.exit_code, needle in r.stderr) == (code, True), (args, r.stderr)
    assert (
        coop.cli("recon", "banks", "add", "ZEN", "--gl", "1130", operator="teller1").exit_code == 4
    )
    assert count(coop, "bank_accounts") == before
