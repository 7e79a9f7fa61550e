"""Bank reconciliation benchmark: import and auto-match a statement of 50,000 lines
against 500,000 posted ledger lines on the bank's GL account, on SQLite.

1. Generates (once; reused if present) a cooperative in ``benchmarks/.data/recon.db``:
   ``coopctl init``, a bank account GTB on GL 1121, 20,000 members with savings
   accounts, and 500,000 posted deposits and withdrawals through the bank over a year
   (30 % carry a bank reference), inserted in bulk. It also writes the bank's
   statement (generic CSV): 45,000 of those movements as the bank booked them (0-2
   days later; with the reference, the member's name or account number, or nothing)
   and 5,000 lines only the bank knows (charges).
2. Timed end to end, each step in its own unit of work and commit like the CLI:
   ``recon import`` (parse, identity, insert) and ``recon match`` (candidates with
   member names and numbers, the matcher, the writes). Target ≤ 10 s.
3. Baseline: the scalar matcher, one bank line at a time with its own queries
   (candidates of that amount in the window, reference look-up, names per
   candidate entry) and the same score function, run on a sample of ``--sample`` lines
   before the bulk match and extrapolated linearly to the statement (and says so).
   Its choices are cross-checked against the bulk matcher's on the sample.

    python benchmarks/recon.py [--ledger 500000] [--lines 50000] [--sample 1000]

The machine's load average is printed before and after: on a shared host the
figures scale with it.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / ".data"
TARGET_SECONDS = 10.0
FIRST = ["Adaeze", "Chinedu", "Emeka", "Funmilayo", "Ibrahim", "Ngozi", "Oluwaseun", "Tunde"]
FIRST += ["Yetunde", "Zainab", "Bola", "Kelechi", "Musa", "Halima", "Segun", "Amaka"]
LAST = ["Okafor", "Adeyemi", "Balogun", "Eze", "Ibrahim", "Nwosu", "Ogunleye", "Bello"]
LAST += ["Okonkwo", "Danjuma", "Afolabi", "Chukwu", "Lawal", "Olawale", "Uche", "Abubakar"]
START = date(2025, 11, 28)


def _env(db: Path) -> dict[str, str]:
    return {
        **os.environ,
        "COOPCTL_DATABASE_URL": f"sqlite:///{db}",
        "COOPCTL_OPERATOR": "admin",
        "COOPCTL_DATA_DIR": str(db.parent / "recon-data"),
        "COOPCTL_TODAY": "2026-11-28",
    }


def generate(db: Path, n_ledger: int, n_lines: int) -> Path:
    from sqlalchemy import create_engine, insert, select, text

    from coopctl.core.money import from_minor
    from coopctl.ledger.models import Account, GLAccount, JournalEntry, JournalLine
    from coopctl.members.models import Member
    from coopctl.recon.models import BankAccount

    stmt = db.with_suffix(f".{n_ledger}.{n_lines}.csv")
    if db.exists() and stmt.exists():
        con = sqlite3.connect(db)
        con.executescript(
            "DELETE FROM recon_group_lines; UPDATE recon_lines SET group_id = NULL;"
            "DELETE FROM recon_groups; DELETE FROM recon_lines; DELETE FROM recon_statements;"
            "DELETE FROM recon_imports;"
        )
        (n,) = con.execute("SELECT count(*) FROM journal_entries").fetchone()
        con.commit()
        con.close()
        if n == n_ledger:
            print(f"using {db} ({n:,} ledger lines on the bank GL) and {stmt.name}")
            return stmt
    if db.exists():
        db.unlink()
    cmd = [sys.executable, "-m", "coopctl", "init", "--name", "Bench", "--admin", "admin"]
    subprocess.run(cmd, env=_env(db), check=True, capture_output=True)
    eng = create_engine(f"sqlite:///{db}")
    now = datetime.now(UTC)
    rnd = random.Random(13)
    members = 20_000
    names = [(rnd.choice(FIRST), rnd.choice(LAST)) for _ in range(members + 1)]
    with eng.begin() as c:
        gl = dict(c.execute(select(GLAccount.code, GLAccount.id)).all())
        c.execute(
            insert(BankAccount.__table__),
            [
                {
                    "code": "GTB",
                    "name": "GTBank",
                    "number": "0123456789",
                    "gl_account_id": gl["1121"],
                    "active": True,
                    "currency": "NGN",
                    "created_at": now,
                    "created_by": "admin",
                }
            ],
        )
        c.execute(
            insert(Member.__table__),
            [
                {
                    "id": i,
                    "member_no": f"M{i:08d}",
                    "first_name": names[i][0],
                    "last_name": names[i][1],
                    "other_names": "",
                    "search_name": "",
                    "phone_enc": "x",
                    "phone_hash": f"h{i}",
                    "phone_last4": "0000",
                    "status": "active",
                    "kyc_status": "approved",
                    "kyc_note": "",
                    "employer": "",
                    "staff_no": "",
                    "address": "",
                    "joined_on": date(2025, 1, 1),
                    "created_at": now,
                    "created_by": "b",
                }
                for i in range(1, members + 1)
            ],
        )
        c.execute(
            insert(Account.__table__),
            [
                {
                    "id": i,
                    "account_no": f"A{i:010d}",
                    "member_id": i,
                    "kind": "savings",
                    "product_code": "SAV",
                    "gl_account_id": gl["2110"],
                    "status": "active",
                    "balance": from_minor(0),
                    "held": from_minor(0),
                    "floor": from_minor(0),
                    "opened_on": date(2025, 1, 1),
                    "created_at": now,
                }
                for i in range(1, members + 1)
            ],
        )
    entries, lines, moves = [], [], []
    for e in range(1, n_ledger + 1):
        m = rnd.randint(1, members)
        d = START + timedelta(days=rnd.randrange(365))
        amt = rnd.randint(100_00, 500_000_00)
        deposit = rnd.random() < 0.7
        ref = f"TRX-{e:08d}" if rnd.random() < 0.3 else ""
        entries.append(
            {
                "id": e,
                "business_date": d,
                "kind": "deposit" if deposit else "withdrawal",
                "reference": ref,
                "narration": "Deposit through bank GTB" if deposit else "Withdrawal",
                "status": "draft",
                "maker": "admin",
                "total": from_minor(amt),
                "created_at": now,
            }
        )
        bank_side = {
            "debit": from_minor(amt if deposit else 0),
            "credit": from_minor(0 if deposit else amt),
        }
        member_side = {"debit": bank_side["credit"], "credit": bank_side["debit"]}
        lines.append(
            {
                "entry_id": e,
                "line_no": 1,
                "gl_account_id": gl["1121"],
                "account_id": None,
                "memo": "",
                **bank_side,
            }
        )
        lines.append(
            {
                "entry_id": e,
                "line_no": 2,
                "gl_account_id": gl["2110"],
                "account_id": m,
                "memo": "",
                **member_side,
            }
        )
        moves.append((d, amt if deposit else -amt, ref, m))
    with eng.begin() as c:
        c.execute(insert(JournalEntry.__table__), entries)
        c.execute(insert(JournalLine.__table__), lines)
        c.execute(text("UPDATE journal_entries SET status = 'posted', posted_at = created_at"))
        c.execute(
            text(
                "UPDATE accounts SET balance = (SELECT COALESCE(SUM(credit - debit), 0)"
                " FROM journal_lines WHERE account_id = accounts.id)"
            )
        )
    eng.dispose()
    out = ["date,description,reference,amount"]
    for d, amt, ref, m in rnd.sample(moves, n_lines - n_lines // 10):
        how = rnd.random()
        if ref:
            text_ = f"NIP TRF {ref}"
        elif how < 0.4:
            text_ = f"TRF FROM {names[m][1].upper()} {names[m][0].upper()}"
        elif how < 0.7:
            text_ = f"DEPOSIT A{m:010d}"
        else:
            text_ = "CASH DEP"
        when = min(d + timedelta(days=rnd.choice([0, 0, 1, 2])), date(2026, 11, 27))
        sign, whole = ("-" if amt < 0 else ""), abs(amt)
        out.append(f"{when},{text_},{ref},{sign}{whole // 100}.{whole % 100:02d}")
    for _ in range(n_lines // 10):
        d = START + timedelta(days=rnd.randrange(365))
        out.append(f"{d},SMS ALERT CHARGES,,-{rnd.choice(['4.00', '52.50', '1075.00'])}")
    stmt.write_text("\n".join(out) + "\n")
    return stmt


def _uow(ctx: Any, operator: str = "admin") -> Any:
    from coopctl.core.security import load_operator

    u = ctx.uow(as_current=False)
    base = type(u)

    class _As(base):  # type: ignore[misc, valid-type]
        def __enter__(self) -> Any:
            res = super().__enter__()
            res.operator = load_operator(res.session, operator)
            return res

    u.__class__ = _As
    return u


def scalar_sample(ctx: Any, sample: int) -> tuple[float, dict[int, int | None]]:
    """The line-by-line matcher: per bank line, its own queries and the same score."""
    from sqlalchemy import BigInteger, exists, select, type_coerce

    from coopctl.ledger.models import Account, JournalEntry, JournalLine, entry_no_of
    from coopctl.members.models import Member
    from coopctl.recon.matcher import Candidate, Item, score
    from coopctl.recon.models import BankAccount, GroupLedgerLine, StatementLine
    from coopctl.recon.service import thresholds

    picks: dict[int, int | None] = {}
    with _uow(ctx) as u:
        th = thresholds(u)
        bank = u.session.scalars(select(BankAccount)).one()
        ids = list(u.session.scalars(select(StatementLine.id).order_by(StatementLine.id)))
        step = max(1, len(ids) // sample)
        chosen = ids[::step][:sample]
        jl, je = JournalLine, JournalEntry
        t0 = time.perf_counter()
        for lid in chosen:
            ln = u.session.get(StatementLine, lid)
            lo, hi = (
                ln.booking_date - timedelta(days=th.window_days),
                ln.booking_date + timedelta(days=th.window_days),
            )
            cond = [
                jl.gl_account_id == bank.gl_account_id,
                je.status == "posted",
                ~exists().where(GroupLedgerLine.journal_line_id == jl.id),
            ]
            cols = (
                jl.id,
                je.business_date,
                type_coerce(jl.debit, BigInteger),
                type_coerce(jl.credit, BigInteger),
                je.id,
                je.reference,
            )
            kobo = int(abs(ln.amount) * 100)
            side = jl.debit if ln.amount > 0 else jl.credit
            rows = list(
                u.session.execute(
                    select(*cols)
                    .join(je, je.id == jl.entry_id)
                    .where(
                        *cond,
                        je.business_date >= lo,
                        je.business_date <= hi,
                        type_coerce(side, BigInteger) == kobo,
                    )
                )
            )
            if ln.reference:
                rows += list(
                    u.session.execute(
                        select(*cols)
                        .join(je, je.id == jl.entry_id)
                        .where(*cond, je.reference == ln.reference)
                    )
                )
            cands = []
            for cid, d, dr, cr, eid, ref in {r[0]: r for r in rows}.values():
                people = u.session.execute(
                    select(
                        Account.account_no, Member.member_no, Member.first_name, Member.last_name
                    )
                    .join(Member, Member.id == Account.member_id)
                    .join(jl, jl.account_id == Account.id)
                    .where(jl.entry_id == eid)
                ).all()
                cands.append(
                    Candidate(
                        cid,
                        d,
                        (ln.amount * 0 + (int(dr) - int(cr))) / 100,
                        entry_no_of(eid),
                        ref,
                        names=tuple(f"{p[2]} {p[3]}" for p in people),
                        numbers=tuple(x for p in people for x in (p[0], p[1])),
                    )
                )
            item = Item(
                ln.id,
                ln.booking_date,
                ln.amount,
                ln.reference,
                f"{ln.description} {ln.counterparty}".strip(),
            )
            same = [c for c in cands if c.amount == item.amount]
            ranked = sorted(
                ((score(item, c, th, len(same) == 1)[0], c.id) for c in cands),
                key=lambda t: (-t[0], t[1]),
            )
            ok = (
                ranked
                and ranked[0][0] >= th.auto
                and (len(ranked) == 1 or ranked[1][0] < ranked[0][0] - 4)
            )
            picks[lid] = ranked[0][1] if ok else None
        elapsed = time.perf_counter() - t0
    return elapsed, picks


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ledger", type=int, default=500_000)
    ap.add_argument("--lines", type=int, default=50_000)
    ap.add_argument("--sample", type=int, default=1000)
    args = ap.parse_args(argv)
    from sqlalchemy import select

    from coopctl.core import config
    from coopctl.core.context import AppContext

    print(f"load average before: {os.getloadavg()}")
    DATA.mkdir(parents=True, exist_ok=True)
    db = DATA / "recon.db"
    t0 = time.perf_counter()
    stmt = generate(db, args.ledger, args.lines)
    print(
        f"generated {args.ledger:,} ledger lines and a {args.lines:,}-line statement "
        f"in {time.perf_counter() - t0:.1f} s (not timed)"
    )
    os.environ.update({k: v for k, v in _env(db).items() if k.startswith("COOPCTL_")})
    settings = config.load(None, db_url=f"sqlite:///{db}")
    settings.data_dir_override = str(db.parent / "recon-data")
    ctx = AppContext(settings=settings)
    from coopctl.recon.importer import import_statement
    from coopctl.recon.models import GroupLedgerLine, StatementLine
    from coopctl.recon.service import run_match

    c_start = time.process_time()
    t_start = time.perf_counter()
    with _uow(ctx) as u:
        out = import_statement(u, stmt.read_bytes(), str(stmt), bank="GTB")
        u.commit()
    t_import = time.perf_counter() - t_start
    c_import = time.process_time() - c_start
    print(f"import: {out['imported']:,} lines in {t_import:.2f} s (CPU {c_import:.2f} s)")

    t_scalar, picks = scalar_sample(ctx, args.sample)
    per_line = t_scalar / len(picks)
    print(
        f"scalar matcher: {len(picks):,} sampled lines in {t_scalar:.2f} s "
        f"({per_line * 1000:.1f} ms a line; extrapolated to {args.lines:,}: "
        f"{per_line * args.lines:.1f} s)"
    )

    t1, c1 = time.perf_counter(), time.process_time()
    with _uow(ctx) as u:
        res = run_match(u, "GTB")
        u.commit()
    t_match = time.perf_counter() - t1
    c_match = time.process_time() - c1
    total = t_import + t_match
    print(
        f"bulk match: matched {res['matched']:,}, suggested {res['suggested']:,}, "
        f"unmatched {res['unmatched']:,} in {t_match:.2f} s (CPU {c_match:.2f} s)"
    )
    print(
        f"end to end (import + match): {total:.2f} s (target ≤ {TARGET_SECONDS:.0f} s: "
        f"{'met' if total <= TARGET_SECONDS else 'NOT met'}); CPU time of this process "
        f"{c_import + c_match:.2f} s (wall time grows with the machine's load)"
    )
    print(
        f"scalar/bulk matching ratio: {per_line * args.lines / t_match:.1f}x (scalar extrapolated)"
    )

    with _uow(ctx) as u:
        rows = u.session.execute(
            select(StatementLine.id, GroupLedgerLine.journal_line_id)
            .join(GroupLedgerLine, GroupLedgerLine.group_id == StatementLine.group_id)
            .where(StatementLine.id.in_(list(picks)))
        ).all()
    bulk: dict[int, set[int]] = {}
    for lid, jid in rows:
        bulk.setdefault(lid, set()).add(jid)
    both = [lid for lid, p in picks.items() if p is not None]
    agree = sum(1 for lid in both if bulk.get(lid) == {picks[lid]})
    print(
        f"cross-check on the sample: scalar auto-picked {len(both)}, bulk agrees on {agree} "
        f"({agree / max(1, len(both)):.1%})"
    )
    print(f"load average after: {os.getloadavg()}")
    return 0 if agree >= 0.99 * len(both) else 1


if __name__ == "__main__":
    sys.exit(main())
