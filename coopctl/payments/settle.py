"""Provider exports (transactions and settlements, CSV) and the settlement of a batch:
when the bank line of a settlement is imported, the reconciliation matcher pairs it with
the settlement's net amount; the entry Dr bank (net), Dr bank charges 5600 (fee),
Cr gateway clearing 1130 (gross) books the fee and empties clearing for the batch."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock, money
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import MoneyFormatError
from coopctl.core.import_files import capped, read_text
from coopctl.core.security import require
from coopctl.ledger.coa import GL
from coopctl.ledger.posting import EntryDraft, LineDraft, post
from coopctl.payments import inbox
from coopctl.payments.errors import PaymentFileError
from coopctl.payments.events import PROVIDERS, to_kobo
from coopctl.payments.models import Payment, Settlement

BANK_CHARGES = "5600"
TX_COLUMNS = ("reference", "amount", "currency", "status", "paid_at")
SETTLEMENT_COLUMNS = ("settlement_ref", "settled_on", "reference", "amount", "fee")


def _rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    text = read_text(path).text
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise PaymentFileError(f"{path.name}: empty file") from None
    rows = []
    for n, row in enumerate(reader, 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(header):
            raise PaymentFileError(f"{path.name}:{n}: more fields than the header")
        rows.append(
            (n, {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)})
        )
    return header, rows


def _money(value: str, where: str) -> Decimal:
    try:
        return money.parse(value, field=where, allow_zero=True)
    except MoneyFormatError as exc:
        raise PaymentFileError(exc.message) from None


def _body(provider: str, r: dict[str, str], amount: Decimal) -> dict[str, Any]:
    meta = {k: r[k] for k in ("account_no", "member_no", "loan_no") if r.get(k)}
    if provider == "paystack":
        data = {
            "reference": r["reference"],
            "amount": to_kobo(amount),
            "currency": r["currency"],
            "status": "success" if r["status"].lower() == "success" else r["status"],
            "paid_at": r["paid_at"],
            "metadata": meta,
        }
        return {"event": "charge.success", "data": data}
    data = {
        "tx_ref": r["reference"],
        "amount": str(amount),
        "currency": r["currency"],
        "status": "successful" if r["status"].lower() in ("successful", "success") else r["status"],
        "created_at": r["paid_at"],
        "meta": meta,
    }
    return {"event": "charge.completed", "data": data}


def import_file(uow: UnitOfWork, path: Path, provider: str) -> dict[str, Any]:
    """A transaction export fills the inbox with the charges webhooks missed (a payment
    already known is a duplicate at processing); a settlement export records batches.
    All or nothing: any bad line names file:line:field and nothing is written."""
    require(uow.operator, "payments.manage")
    if provider not in PROVIDERS:
        raise PaymentFileError(f"--provider: {provider!r} is not one of {', '.join(PROVIDERS)}")
    header, rows = _rows(path)
    kind = "settlement" if "settlement_ref" in header else "transactions"
    need = SETTLEMENT_COLUMNS if kind == "settlement" else TX_COLUMNS
    missing = [c for c in need if c not in header]
    if missing:
        raise PaymentFileError(f"{path.name}:1: missing column(s) {', '.join(missing)}")
    problems: list[str] = []
    out: dict[str, Any] = {
        "file": str(path),
        "kind": kind,
        "lines_read": len(rows),
        "imported": 0,
        "duplicates": 0,
    }
    if kind == "transactions":
        bodies = []
        for n, r in rows:
            try:
                amount = _money(r["amount"], f"{path.name}:{n}:amount")
                if not r["reference"] or len(r["reference"]) > 100:
                    raise PaymentFileError(f"{path.name}:{n}:reference: missing or too long")
                bodies.append((r["reference"], _body(provider, r, amount)))
            except PaymentFileError as exc:
                problems.append(exc.message)
        if problems:
            raise PaymentFileError("\n".join(capped(problems)))
        for ref, body in bodies:
            new = inbox.store(
                uow,
                provider,
                f"import:{ref}",
                body["event"],
                json.dumps(body, sort_keys=True).encode(),
                source="import",
            )
            out["imported" if new else "duplicates"] += 1
        return out
    batches: dict[str, list[tuple[int, dict[str, str], Decimal, Decimal]]] = defaultdict(list)
    for n, r in rows:
        try:
            amount = _money(r["amount"], f"{path.name}:{n}:amount")
            fee = _money(r["fee"] or "0", f"{path.name}:{n}:fee")
            date.fromisoformat(r["settled_on"])
            batches[r["settlement_ref"]].append((n, r, amount, fee))
        except ValueError:
            problems.append(f"{path.name}:{n}:settled_on: {r['settled_on']!r} is not YYYY-MM-DD")
        except PaymentFileError as exc:
            problems.append(exc.message)
    s = uow.session
    todo = []
    for ref, lines in batches.items():
        if not ref or len(ref) > 100:
            problems.append(f"{path.name}:{lines[0][0]}:settlement_ref: missing or too long")
            continue
        if s.scalar(
            select(Settlement.id).where(
                Settlement.provider == provider, Settlement.settlement_ref == ref
            )
        ):
            out["duplicates"] += 1
            continue
        pays = []
        for n, r, amount, _fee in lines:
            p = s.scalar(
                select(Payment).where(
                    Payment.provider == provider, Payment.reference == r["reference"]
                )
            )
            if p is None or p.status == "requested":
                problems.append(
                    f"{path.name}:{n}:reference: payment {r['reference']!r} is not "
                    "in the books yet (process the inbox or import the transactions)"
                )
            elif p.amount != amount:
                problems.append(f"{path.name}:{n}:amount: {amount} but the payment is {p.amount}")
            elif p.settlement_id is not None:
                problems.append(f"{path.name}:{n}:reference: {p.reference} is already settled")
            else:
                pays.append(p)
        todo.append((ref, lines, pays))
    if problems:
        raise PaymentFileError("\n".join(capped(problems)))
    for ref, lines, pays in todo:
        gross = sum((x[2] for x in lines), Decimal("0.00"))
        fee = sum((x[3] for x in lines), Decimal("0.00"))
        st = Settlement(
            provider=provider,
            settlement_ref=ref,
            settled_on=date.fromisoformat(lines[0][1]["settled_on"]),
            gross=gross,
            fee=fee,
            net=gross - fee,
            status="open",
            entry_no="",
            created_at=clock.utcnow(),
        )
        s.add(st)
        s.flush()
        for p, line in zip(pays, lines, strict=True):
            p.settlement_id, p.fee = st.id, line[3]
        audit.record(
            uow,
            "payment.settlement",
            "settlement",
            ref,
            after={"gross": gross, "fee": fee, "net": st.net},
        )
        out["imported"] += 1
    return out


def match_settlements(uow: UnitOfWork) -> int:
    """Match open settlements with unmatched bank lines through the reconciliation
    matcher (net amount, date, settlement reference in the text); for each automatic
    match post Dr bank / Dr 5600 / Cr 1130 and reconcile the bank line with it."""
    from coopctl.recon.matcher import Candidate, Item, match
    from coopctl.recon.models import BankAccount, StatementLine
    from coopctl.recon.service import _group, thresholds

    s = uow.session
    open_sets = s.scalars(select(Settlement).where(Settlement.status == "open")).all()
    if not open_sets:
        return 0
    th = thresholds(uow)
    lo = min(x.settled_on for x in open_sets) - timedelta(days=3 * th.window_days)
    lines = s.scalars(
        select(StatementLine).where(
            StatementLine.group_id.is_(None),
            StatementLine.amount > Decimal("0"),
            StatementLine.booking_date >= lo,
        )
    ).all()
    items = [
        Item(ln.id, ln.booking_date, ln.amount, ln.reference, f"{ln.description} {ln.counterparty}")
        for ln in lines
    ]
    cands = [
        Candidate(
            x.id, x.settled_on, x.net, reference=x.settlement_ref, text=f"{x.provider} settlement"
        )
        for x in open_sets
    ]
    by_line = {ln.id: ln for ln in lines}
    by_set = {x.id: x for x in open_sets}
    done = 0
    for prop in match(items, cands, th, one_to_one_only=True):
        if prop.decision != "auto" or len(prop.items) != 1 or len(prop.candidates) != 1:
            continue
        ln, st = by_line[prop.items[0]], by_set[prop.candidates[0]]
        bank = s.get(BankAccount, ln.bank_account_id)
        assert bank is not None
        draft_lines = [
            LineDraft(
                bank.gl_account.code, debit=st.net, memo=f"settlement {st.settlement_ref}"[:200]
            )
        ]
        if st.fee:
            draft_lines.append(LineDraft(BANK_CHARGES, debit=st.fee, memo="gateway fees"))
        draft_lines.append(
            LineDraft(GL.GATEWAY_CLEARING, credit=st.gross, memo=st.settlement_ref[:200])
        )
        res = post(
            uow,
            EntryDraft(
                business_date=ln.booking_date,
                kind="gateway_settlement",
                narration=f"{st.provider} settlement {st.settlement_ref}",
                reference=st.settlement_ref,
                idempotency_key=f"settlement:{st.provider}:{st.settlement_ref}",
                lines=draft_lines,
            ),
        )
        bank_jl = [x.id for x in res.entry.lines if x.gl_account_id == bank.gl_account_id]
        _group(uow, bank, "auto", prop.score, [ln.id], bank_jl)
        st.status, st.entry_no, st.bank_line_id = "settled", res.entry_no, ln.id
        audit.record(
            uow,
            "payment.settled",
            "settlement",
            st.settlement_ref,
            after={"entry": res.entry_no, "bank_line": ln.id},
        )
        done += 1
    return done
