"""``coopctl demo``: a simulated cooperative, end to end, through the real commands.

The demo drives the same commands the staff use (in-process, as different
operators, on moving business dates): it initialises a cooperative in a fresh
folder, onboards members with KYC documents, opens savings and share accounts,
runs months of deposits, withdrawals, payroll check-off, loans (application,
guarantors, committee approval, disbursement, repayments, some late), nightly
penalties and provisioning, savings interest and month-end closes (December closes
the year with ``ledger close-year``), and finishes with ``ledger verify`` and the
month-end report pack. Deterministic for a given ``--seed``.

The economics are those of a healthy cooperative: most members borrow up to twice
their savings over twelve months and spend the money (it leaves their savings), so
the loan book is a good part of the deposits; salaried members repay through the
payroll check-off, which also puts a fixed 5,000.00 a month into shares; a few
walk-in borrowers pay at the counter, and a few of them fall a month behind. Loan interest
(24 %) therefore exceeds the cost of savings (4 %), the year shows a surplus, and
PAR30 stays low. Each step is a function so other parts can hook in.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from coopctl.core import clock
from coopctl.core.errors import AlreadyInitialisedError, BusinessRuleError
from coopctl.demo_data import FIRST, LAST, PNG, _digits, _end_of_month, _month_starts, _phone

STAFF = [
    ("demo-manager", "manager"),
    ("demo-manager2", "manager"),
    ("demo-teller", "teller"),
    ("demo-officer", "loan_officer"),
    ("demo-officer2", "loan_officer"),
    ("demo-accountant", "accountant"),
    ("demo-system", "system"),
]


LOAN_PRODUCT = "LN-DEI"
LOAN_TERM = 12  # months
LOAN_MULTIPLE = 2  # a loan is at most twice the borrower's available savings
LOAN_CAP = 1_000_000  # so the money taken out stays below the withdrawal approval threshold
SPENT = Decimal("0.9")  # share of a loan the borrower takes out at once
SHARES_PER_MONTH = "5000"  # the check-off's fixed monthly contribution to shares
LATE_SHARE = 0.25  # of walk-in (non check-off) borrowers


@dataclass
class DemoMember:
    member_no: str
    sav: str
    shr: str
    salary_saver: bool
    loans: list[str] = field(default_factory=list)
    installment: Decimal = Decimal(0)  # the monthly installment of the current loan
    late: bool = False  # a walk-in borrower who often misses the counter
    missed: int = 0  # installments the late borrower owes from earlier months


@dataclass
class DemoResult:
    folder: Path
    database: str
    members: int
    months: int
    commands: int
    entries: int
    loans: int
    verify_ok: bool
    pack: dict[str, Any]
    trial_balance: dict[str, Any]


class Runner:
    """Runs coopctl commands in-process as a given operator on a given business date."""

    def __init__(self, folder: Path, progress: Callable[[str], None]) -> None:
        self.env = {
            "COOPCTL_DATABASE_URL": f"sqlite:///{folder / 'coop.db'}",
            "COOPCTL_DATA_DIR": str(folder / "coop-data"),
            "COOPCTL_CONFIG": "",
            "COOPCTL_CHECKOFF__MONTHLY_SAVINGS": SHARES_PER_MONTH,
        }
        self.progress = progress
        self.count = 0
        self.today = clock.today()
        self.fiscal_year_start = 1  # ``coopctl init``'s default: a calendar year

    @contextlib.contextmanager
    def _environ(self, operator: str) -> Iterator[None]:
        saved = dict(os.environ)
        os.environ.update(self.env)
        os.environ.pop("COOPCTL_CONFIG", None)
        os.environ["COOPCTL_OPERATOR"] = operator
        os.environ["COOPCTL_TODAY"] = self.today.isoformat()
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def run(self, operator: str, *args: object, check: bool = True) -> tuple[int, Any, str]:
        from coopctl.cli.main import main

        argv = [str(a) for a in args]
        if "--format" not in argv and argv[:2] != ["operators", "mfa-enroll"]:
            argv += ["--format", "json"]
        out, err = io.StringIO(), io.StringIO()
        with (
            self._environ(operator),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            code = main(argv)
        self.count += 1
        data: Any = None
        text = out.getvalue()
        if text.strip().startswith(("{", "[")):
            data = json.loads(text)
        if check and code != 0:
            raise BusinessRuleError(
                f"demo step failed: coopctl {' '.join(argv)} → exit {code}: "
                f"{err.getvalue().strip()}"
            )
        return code, data, err.getvalue()


def docs_pair(docs: Path) -> tuple[Path, Path]:
    return docs / "id_card.png", docs / "photo.png"


def run_demo(
    folder: Path,
    *,
    members: int = 30,
    months: int = 6,
    seed: int = 7,
    end: date | None = None,
    progress: Callable[[str], None] = lambda s: None,
    from_golive: bool = False,
) -> DemoResult:
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "coop.db").exists():
        raise AlreadyInitialisedError(
            f"{folder} already holds a cooperative; choose an empty --dir"
        )
    rng = random.Random(seed)
    r = Runner(folder, progress)
    end = end or clock.today()
    first_month = _month_starts(date(end.year, end.month, 1), 1)[0]
    for _ in range(months):
        first_month = (first_month - timedelta(days=1)).replace(day=1)
    month_starts = _month_starts(first_month, months)
    r.today = month_starts[0]

    progress(f"initialising a cooperative in {folder}")
    r.run(
        "demo-admin",
        "init",
        "--name",
        "Unity Staff Multipurpose Cooperative",
        "--admin",
        "demo-admin",
    )
    for user, role in STAFF:
        r.run("demo-admin", "operators", "add", user, "--role", role)
    r.run(
        "demo-admin",
        "recon",
        "banks",
        "add",
        "UBA",
        "--gl",
        "1121",
        "--name",
        "United Bank for Africa - current",
    )

    docs = folder / "kyc-samples"
    docs.mkdir(exist_ok=True)
    (docs / "id_card.png").write_bytes(PNG)
    (docs / "photo.png").write_bytes(PNG + b"photo")

    progress(f"onboarding {members} members with KYC")
    people: list[DemoMember] = []
    if from_golive:  # the members, balances and loans come from an old system's spreadsheets
        from coopctl.golive.demo import onboard

        got = onboard(r.run, folder, rng, members, r.today, (FIRST, LAST), docs_pair(docs))
        people = [DemoMember(*p) for p in got]
    for i in range(0 if from_golive else members):
        _, m, _ = r.run(
            "demo-teller",
            "members",
            "add",
            "--first-name",
            rng.choice(FIRST),
            "--last-name",
            rng.choice(LAST),
            "--phone",
            _phone(rng),
            "--bvn",
            _digits(rng, 11),
            "--dob",
            f"{rng.randint(1965, 2000)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            "--employer",
            "Federal Medical Centre",
            "--staff-no",
            f"FMC{1000 + i}",
        )
        no = m["member_no"]
        r.run(
            "demo-teller", "members", "docs", "add", no, docs / "id_card.png", "--kind", "id_card"
        )
        r.run(
            "demo-teller",
            "members",
            "docs",
            "add",
            no,
            docs / "photo.png",
            "--kind",
            "passport_photo",
        )
        r.run("demo-manager", "members", "kyc", "approve", no)
        _, sav, _ = r.run("demo-teller", "accounts", "open", no, "--product", "SAV")
        _, shr, _ = r.run("demo-teller", "accounts", "open", no, "--product", "SHR")
        people.append(DemoMember(no, sav["account_no"], shr["account_no"], rng.random() < 0.8))
        r.run(
            "demo-teller",
            "postings",
            "deposit",
            sav["account_no"],
            f"{rng.randint(20, 200) * 1000}",
            "--narration",
            "opening deposit",
        )
        r.run(
            "demo-teller",
            "postings",
            "deposit",
            shr["account_no"],
            "10000",
            "--narration",
            "share capital",
        )

    loan_count = 0
    for mi, start in enumerate(month_starts):
        progress(f"month {start:%Y-%m}: deposits, check-off, loans, repayments")
        if mi < max(1, months - 1):
            loan_count += new_loans(r, rng, people, start, loan_count)
        checkoff(r, rng, folder, people, start)
        walk_ins(r, rng, people, start)
        counter_repayments(r, rng, people, start, end)
        month_end(r, rng, folder, start, end)

    r.today = end
    progress("members pay through the gateway: a batch of signed webhooks")
    from coopctl.payments.demo import webhook_batch

    webhook_batch(r.run, r.env, [p.sav for p in people[:5]], seed)
    progress("verifying the books and writing the month-end pack")
    code, verify, _ = r.run("demo-accountant", "ledger", "verify", check=False)
    _, tb, _ = r.run("demo-accountant", "ledger", "trial-balance")
    last_full = month_starts[-1]  # every simulated month is complete
    code_p, pack_data, err = r.run(
        "demo-accountant",
        "reports",
        "pack",
        "--month",
        f"{last_full:%Y-%m}",
        "-o",
        folder / "reports",
        check=False,
    )
    pack = pack_data if code_p == 0 and pack_data else {"error": err.strip()}
    entries = len(r.run("demo-accountant", "postings", "list", "--limit", "1000000")[1])
    return DemoResult(
        folder=folder,
        database=r.env["COOPCTL_DATABASE_URL"],
        members=len(people),
        months=months,
        commands=r.count,
        entries=entries,
        loans=loan_count,
        verify_ok=code == 0 and bool(verify and verify.get("ok")),
        pack=pack,
        trial_balance={"total_debit": tb["total_debit"], "total_credit": tb["total_credit"]},
    )


# --- the month, step by step ----------------------------------------------------------------
def checkoff(
    r: Runner, rng: random.Random, folder: Path, people: list[DemoMember], start: date
) -> None:
    """Payroll check-off on the 25th through the bank: each salaried member's
    contribution plus, for a borrower, the loan installment (the import pays the loan
    due first, then 5,000.00 to shares, the rest to savings)."""
    r.today = start.replace(day=25)
    lines = ["member_no,amount"]
    total = Decimal(0)
    for p in people:
        if not p.salary_saver:
            continue
        amt = Decimal(rng.choice([15000, 20000, 25000, 30000])) + p.installment
        lines.append(f"{p.member_no},{amt}")
        total += amt
    path = folder / f"checkoff-{start:%Y-%m}.csv"
    path.write_text("\n".join(lines) + "\n")
    r.run(
        "demo-accountant",
        "postings",
        "import",
        path,
        "--bank",
        "UBA",
        "--ref",
        f"FMC-PAYROLL-{start:%Y%m}",
        "--total",
        str(total),
    )


def walk_ins(r: Runner, rng: random.Random, people: list[DemoMember], start: date) -> None:
    """Walk-in deposits on the 10th and small withdrawals on the 18th."""
    r.today = start.replace(day=10)
    for p in rng.sample(people, k=max(1, len(people) // 3)):
        r.run("demo-teller", "postings", "deposit", p.sav, f"{rng.randint(5, 80) * 1000}")
    r.today = start.replace(day=18)
    for p in rng.sample(people, k=max(1, len(people) // 5)):
        r.run(
            "demo-teller",
            "postings",
            "withdraw",
            p.sav,
            f"{rng.randint(1, 10) * 1000}",
            check=False,
        )


def new_loans(
    r: Runner, rng: random.Random, people: list[DemoMember], start: date, made: int
) -> int:
    """On the 5th, some of the members without a loan borrow up to twice their
    savings over twelve months, guaranteed by two members, approved by the committee;
    the borrower takes most of the money out. Returns the number disbursed."""
    r.today = start.replace(day=5)
    count = 0
    for p in rng.sample(people, k=max(1, len(people) // 3)):
        if p.loans:
            continue
        _, acct, _ = r.run("demo-teller", "accounts", "show", p.sav)
        amount = min(int(Decimal(acct["available"]) * LOAN_MULTIPLE // 10000 * 10000), LOAN_CAP)
        if amount < 50000:
            continue
        loan_no = _borrow(r, rng, people, p, amount)
        if loan_no is None:
            continue
        _, sched, _ = r.run("demo-officer", "loans", "schedule", loan_no)
        p.installment = Decimal(sched["installments"][0]["total"])
        p.loans.append(loan_no)
        p.late = not p.salary_saver and rng.random() < LATE_SHARE
        spent = (Decimal(amount) * SPENT).quantize(Decimal(1))
        r.run(
            "demo-teller", "postings", "withdraw", p.sav, str(spent), "--narration", "school fees"
        )
        count += 1
    return count


def _borrow(
    r: Runner, rng: random.Random, people: list[DemoMember], p: DemoMember, amount: int
) -> str | None:
    code, loan, _ = r.run(
        "demo-officer",
        "loans",
        "apply",
        p.member_no,
        "--product",
        LOAN_PRODUCT,
        "--amount",
        str(amount),
        "--term",
        str(LOAN_TERM),
        "--purpose",
        "school fees",
        check=False,
    )
    if code != 0:
        return None
    loan_no: str = loan["loan_no"]
    share = Decimal(amount) / 2
    accepted = 0
    candidates = [q for q in people if q is not p]
    rng.shuffle(candidates)
    candidates.sort(key=lambda q: bool(q.loans))  # members without a loan first
    for g in candidates:
        if accepted == 2:
            break
        if (
            r.run(
                "demo-officer",
                "loans",
                "guarantors",
                "add",
                loan_no,
                g.member_no,
                "--amount",
                str(share),
                check=False,
            )[0]
            == 0
            and r.run(
                "demo-officer", "loans", "guarantors", "accept", loan_no, g.member_no, check=False
            )[0]
            == 0
        ):
            accepted += 1
    ok1 = r.run("demo-officer2", "loans", "approve", loan_no, check=False)[0]
    ok2 = r.run("demo-manager", "loans", "approve", loan_no, check=False)[0]
    if ok1 or ok2:
        r.run(
            "demo-manager",
            "loans",
            "reject",
            loan_no,
            "--reason",
            "guarantees not complete",
            check=False,
        )
        return None
    r.run("demo-manager", "loans", "disburse", loan_no, "--to-account", p.sav)
    return loan_no


def counter_repayments(
    r: Runner, rng: random.Random, people: list[DemoMember], start: date, end: date
) -> None:
    """Walk-in borrowers repay their installment in cash on the 28th; a late one misses
    about every other month and catches up the month after."""
    r.today = min(start.replace(day=28), end)
    for p in people:
        if p.salary_saver or not p.loans:
            continue
        if p.late and p.missed == 0 and rng.random() < 0.5:
            p.missed += 1
            continue
        amount = p.installment * (1 + p.missed)
        p.missed = 0
        r.run("demo-teller", "loans", "repay", p.loans[-1], str(amount), check=False)


def month_end(r: Runner, rng: random.Random, folder: Path, start: date, end: date) -> None:
    """Close of business at month end: penalties and provisioning; once the month is
    over, savings interest dated its last day, then the close — ``ledger close-year``
    for the fiscal year's last month, ``ledger close-period`` for the others."""
    last = _end_of_month(start)
    r.today = min(last, end)
    r.run("demo-system", "loans", "penalize", "--date", r.today.isoformat(), check=False)
    r.run("demo-system", "loans", "provision", "--date", r.today.isoformat(), check=False)
    if last >= end:
        return
    r.today = min(last + timedelta(days=1), end)
    r.run("demo-accountant", "accounts", "interest", "--month", f"{start:%Y-%m}")
    from coopctl.recon.demo import bank_month  # the bank's statement, reconciled

    url = r.env["COOPCTL_DATABASE_URL"]
    bank_month(r.run, url, folder, "UBA", "1121", start, last, rng)
    if start.month == _fiscal_year_end_month(r):
        fiscal_year = start.year if start.month == 12 else start.year - 1
        r.run("demo-accountant", "ledger", "close-year", str(fiscal_year))
    else:
        r.run("demo-accountant", "ledger", "close-period", f"{start:%Y-%m}")


def _fiscal_year_end_month(r: Runner) -> int:
    """The month before the fiscal year's first (December for a calendar year)."""
    first = r.fiscal_year_start
    return 12 if first == 1 else first - 1
