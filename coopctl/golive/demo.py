"""Go-live data for ``coopctl demo --from-golive``: the demo starts from an old
system's spreadsheets instead of an empty ledger.

:func:`onboard` writes the four templates (members, their savings and shares,
a few loans in progress with guarantors, and the auditor's opening trial balance
that agrees with them), imports them, requires ``golive check`` to be clean, runs
KYC for every member and finishes the go-live. It returns the demo's members.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from coopctl.golive.columns import COLUMNS

Member = tuple[str, str, str, bool]  # member_no, savings account, shares account, saver


def _write(path: Path, kind: str, rows: Sequence[Sequence[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS[kind])
        w.writerows(rows)
    return path


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, min(d.day, 28))


def make_files(
    folder: Path, rng: random.Random, n: int, golive: date, names: tuple[list[str], list[str]]
) -> dict[str, Path]:
    """The four templates of a cooperative of ``n`` members going live on ``golive``."""
    folder.mkdir(parents=True, exist_ok=True)
    first, last = names
    members, accounts, loans = [], [], []
    savings = shares = loan_total = arrears_interest = Decimal(0)
    saved: dict[str, Decimal] = {}
    for i in range(n):
        lid = f"OLD-{i + 1:04d}"
        phone = "080" + "".join(rng.choice("0123456789") for _ in range(8))
        joined = golive - timedelta(days=rng.randint(200, 2500))
        members.append((lid, rng.choice(first), rng.choice(last), phone, "", "", "", "", joined))
        sav = Decimal(rng.randint(50, 600) * 1000)
        shr = Decimal(rng.randint(10, 50) * 1000)
        saved[lid] = sav
        savings += sav
        shares += shr
        accounts.append((lid, "SAV", f"{sav:.2f}", joined, "", "", ""))
        accounts.append((lid, "SHR", f"{shr:.2f}", joined, "", "", ""))
    for k in range(max(1, n // 6)):
        borrower = f"OLD-{k + 1:04d}"
        guarantor = f"OLD-{n - k:04d}"
        principal = Decimal(rng.randint(10, 40) * 10000)
        term = 12
        disbursed = _add_months(golive, -rng.randint(3, 9))
        paid_share = Decimal(rng.randint(20, 60)) / 100
        outstanding = (principal * (1 - paid_share)).quantize(Decimal(1000))
        late = k % 3 == 0
        a_p = (principal / term).quantize(Decimal(100)) if late else Decimal(0)
        a_i = (a_p * Decimal("0.02")).quantize(Decimal(1)) if late else Decimal(0)
        due = _add_months(golive, -1) - timedelta(days=rng.randint(1, 40))
        since: date | str = due if late and due > disbursed else ""
        if not since:
            a_p, a_i = Decimal(0), Decimal(0)
        guarantee = min(principal, saved[guarantor] // 2)
        guarantors = f"{guarantor}:{guarantee}" if guarantor != borrower and guarantee > 0 else ""
        loans.append((borrower, "LN-DEI", f"{principal:.2f}", "", term, disbursed, 0,
                      f"{outstanding:.2f}", f"{a_p:.2f}", f"{a_i:.2f}", "0", since,
                      guarantors))  # fmt: skip
        loan_total += outstanding
        arrears_interest += a_i
    reserve = (savings // 20).quantize(Decimal(1))
    bank = savings + shares + reserve - loan_total - arrears_interest
    gl = [("1121", f"{bank:.2f}", "0"), ("1210", f"{loan_total:.2f}", "0"),
          ("1220", f"{arrears_interest:.2f}", "0"), ("2110", "0", f"{savings:.2f}"),
          ("3100", "0", f"{shares:.2f}"), ("3200", "0", f"{reserve:.2f}")]  # fmt: skip
    return {
        "members": _write(folder / "members.csv", "members", members),
        "accounts": _write(folder / "accounts.csv", "accounts", accounts),
        "loans": _write(folder / "loans.csv", "loans", loans),
        "gl": _write(folder / "gl.csv", "gl", gl),
    }


def onboard(
    run: Callable[..., tuple[int, Any, str]],
    folder: Path,
    rng: random.Random,
    n: int,
    golive: date,
    names: tuple[list[str], list[str]],
    docs: tuple[Path, Path],
) -> list[Member]:
    """Go live from the templates through the CLI (``run(operator, *args)``)."""
    files = make_files(folder / "golive", rng, n, golive, names)
    for kind in ("members", "accounts", "loans", "gl"):
        run("demo-admin", "golive", "import", kind, files[kind], "--as-of", golive.isoformat())
    run("demo-admin", "golive", "check")
    _, accts, _ = run("demo-admin", "accounts", "list")
    by_member: dict[str, dict[str, str]] = {}
    for a in accts:
        by_member.setdefault(a["member_no"], {})[a["product"]] = a["account_no"]
    out: list[Member] = []
    for no in sorted(by_member):
        ids = by_member[no]
        if "SAV" not in ids or "SHR" not in ids:
            continue
        run("demo-teller", "members", "docs", "add", no, docs[0], "--kind", "id_card")
        run("demo-teller", "members", "docs", "add", no, docs[1], "--kind", "passport_photo")
        run("demo-manager", "members", "kyc", "approve", no)
        out.append((no, ids["SAV"], ids["SHR"], rng.random() < 0.8))
    run("demo-admin", "golive", "finish")
    return out
