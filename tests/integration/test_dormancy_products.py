"""Per-product dormancy: the idle period and whether dormant accounts earn interest.

Two products, both dormant after 6 idle months: DSAV (6 %) lets dormant accounts earn,
DNONE (6 %) does not. Aisha and Bayo each place 100,000.00 on 2026-01-05 and do nothing
more; both accounts are dormant from 2026-07-05. August's interest (31 days) is
100,000.00 × 6 % × 31 / 365 = 509.59 gross, 50.96 WHT, 458.63 net for Aisha (DSAV),
and nothing for Bayo (DNONE).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from tests.conftest import Coop
from tests.integration.deposits_support import add_member, deposit, open_account, verify
from tests.integration.jobs_support import jobs

D = Decimal
JAN = {"COOPCTL_TODAY": "2026-01-05"}


def _product(coop: Coop, code: str, interest: str) -> dict[str, object]:
    data: dict[str, object] = coop.ok(
        "products", "add", code, "--kind", "savings", "--name", f"{code} savings", "--rate", "6",
        "--min-interest-balance", "0", "--dormant-after-months", "6",
        "--dormant-interest", interest, operator="manager1", **JAN,
    )  # fmt: skip
    return data


def test_dormant_accounts_earn_only_where_the_product_says_so(coop: Coop) -> None:
    assert _product(coop, "DSAV", "earn")["dormant_interest"] == "earn"
    shown = _product(coop, "DNONE", "none")
    assert shown["dormant_after_months"] == 6 and shown["dormant_interest"] == "none"
    aisha = open_account(coop, add_member(coop, "Aisha", "Musa"), "DSAV", **JAN)
    bayo = open_account(coop, add_member(coop, "Bayo", "Ojo"), "DNONE", **JAN)
    deposit(coop, aisha, "100,000.00", **JAN)
    deposit(coop, bayo, "100,000.00", **JAN)

    r = jobs(coop, "run", "deposits.dormancy", "--date", "2026-07-04", today="2026-07-04")
    assert r.exit_code == 0, r.stderr
    assert coop.ok("accounts", "show", aisha)["status"] == "active"
    r = jobs(coop, "run", "deposits.dormancy", "--date", "2026-07-05", today="2026-07-05")
    assert r.exit_code == 0, r.stderr
    assert [coop.ok("accounts", "show", a)["status"] for a in (aisha, bayo)] == [
        "dormant",
        "dormant",
    ]

    out = coop.ok(
        "accounts", "interest", "--month", "2026-08", operator="accountant1",
        COOPCTL_TODAY="2026-09-01",
    )  # fmt: skip
    rows = {r["account_no"]: r for r in out["accounts"]}
    gross = (D("100000.00") * D("0.06") * 31 / 365).quantize(D("0.01"), ROUND_HALF_EVEN)
    wht = (gross * D("0.10")).quantize(D("0.01"), ROUND_HALF_EVEN)
    assert (gross, wht) == (D("509.59"), D("50.96"))
    assert D(rows[aisha]["gross"]) == gross and D(rows[aisha]["net"]) == gross - wht
    assert bayo not in rows
    assert D(coop.ok("accounts", "show", aisha)["balance"]) == D("100000.00") + gross - wht
    assert D(coop.ok("accounts", "show", bayo)["balance"]) == D("100000.00")
    verify(coop)


def test_dormancy_options_are_validated(coop: Coop) -> None:
    base = ["products", "add", "X1", "--name", "X", "--rate", "5"]
    r = coop.cli(*base, "--kind", "savings", "--dormant-interest", "maybe", operator="manager1")
    assert r.exit_code == 2 and "--dormant-interest" in r.stderr
    r = coop.cli(*base, "--kind", "savings", "--dormant-after-months", "-1", operator="manager1")
    assert r.exit_code == 2
    r = coop.cli(
        *base, "--kind", "fixed_deposit", "--term-days", "90", "--dormant-after-months", "6",
        operator="manager1",
    )  # fmt: skip
    assert r.exit_code == 2 and "only savings" in r.stderr
