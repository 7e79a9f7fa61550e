"""The matcher: bank lines against candidate ledger lines. Pure and deterministic.

A *candidate* is any posted ledger line on one GL account within a date window, seen
from the bank's side (a debit on the bank's GL is money in, positive). The same
model serves statements and gateway settlements: the caller chooses the GL account
and fills :class:`Candidate`; nothing here knows about banks or the database.

Score (0–100), as GnuCash's and ERPNext's matchers do, and more:

- **certain (100)**: the bank line names the candidate's reference or entry number
  (or shares a reference of at least four characters) *and* the amount is exact;
- **exact amount** 50; **date distance** up to 20 (minus 2 a day);
- **text** up to 30: a member, account or loan number of the entry found in the
  bank text (30), or a member name similar to it (rapidfuzz, 15–25);
- **unique amount** 17: no other open candidate or bank line in the window has it.

A best score at or above ``auto`` is matched when it is unambiguous (no second
candidate within 5 points); from ``suggest`` it is proposed for review. Groups:
one bank line ↔ several ledger lines (a batch of deposits, a split) and several bank
lines ↔ one ledger line, found by exact sums on one day (only when exactly one subset
of the day's open lines gives the sum: otherwise none is proposed); bank lines that cancel each
other (a reversal by the bank) and ledger lines reversed by a later entry pair up
with no counterpart. Ties break on date distance, then ids: same input, same result.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from coopctl.recon.lines import normalise


@dataclass(frozen=True)
class Item:
    """A bank line (or a gateway settlement line) to match."""

    id: int
    day: date
    amount: Decimal
    reference: str = ""
    text: str = ""


@dataclass(frozen=True)
class Candidate:
    """A posted ledger line on the GL being reconciled, signed from the bank's side."""

    id: int
    day: date
    amount: Decimal
    entry_no: str = ""
    reference: str = ""
    text: str = ""
    names: tuple[str, ...] = ()  # member names
    numbers: tuple[str, ...] = ()  # member, account and loan numbers
    reverses: int | None = None  # candidate id of the line this one reverses


@dataclass(frozen=True)
class Thresholds:
    auto: int = 85
    suggest: int = 60
    window_days: int = 7
    max_group: int = 4


@dataclass
class Proposal:
    items: tuple[int, ...]
    candidates: tuple[int, ...]
    score: int
    decision: str  # auto | suggest
    reasons: tuple[str, ...] = field(default_factory=tuple)


_WORD = re.compile(r"[A-Z0-9]{4,}")


def _refs(text: str) -> set[str]:
    return set(_WORD.findall(normalise(text)))


class _Index:
    def __init__(self, cands: list[Candidate]) -> None:
        self.by_amount: dict[Decimal, list[tuple[date, int, Candidate]]] = defaultdict(list)
        self.by_ref: dict[str, list[Candidate]] = defaultdict(list)
        for c in sorted(cands, key=lambda c: (c.day, c.id)):
            self.by_amount[c.amount].append((c.day, c.id, c))
            if c.reference:
                r = normalise(c.reference).replace(" ", "")
                if len(r) >= 4:
                    self.by_ref[r].append(c)
            if c.entry_no:
                self.by_ref[c.entry_no.upper()].append(c)

    def same_amount(self, amount: Decimal, day: date, window: int) -> list[Candidate]:
        rows = self.by_amount.get(amount, [])
        lo = bisect.bisect_left(rows, (date.fromordinal(day.toordinal() - window), -1))
        out = []
        for d, _, c in rows[lo:]:
            if (d - day).days > window:
                break
            out.append(c)
        return out


def _text_score(item_text: str, c: Candidate) -> tuple[int, str]:
    if not c.names and not c.numbers:
        return 0, ""
    from rapidfuzz import fuzz

    norm = normalise(item_text)
    compact = norm.replace(" ", "")
    for n in c.numbers:
        if len(n) >= 6 and n.upper() in compact:
            return 30, f"number {n}"
    best = 0
    for name in c.names:
        best = max(best, int(fuzz.token_set_ratio(normalise(name), norm)))
    if best >= 90:
        return 25, "name"
    if best >= 80:
        return 15, "name~"
    return 0, ""


def _certain(item: Item, c: Candidate, item_refs: set[str]) -> bool:
    keys = {normalise(c.reference).replace(" ", ""), c.entry_no.upper()} - {""}
    return any(len(k) >= 4 and k in item_refs for k in keys)


def score(
    item: Item, c: Candidate, th: Thresholds, unique: bool, refs: set[str] | None = None
) -> tuple[int, list[str]]:
    """Score one bank line against one candidate (see the module text); ``refs`` are
    the line's reference words when the caller has them already."""
    refs = item_refs(item) if refs is None else refs
    exact = item.amount == c.amount
    if exact and _certain(item, c, refs):
        return 100, ["reference"]
    s, why = 0, []
    if exact:
        s, why = 50, ["amount"]
    dist = abs((item.day - c.day).days)
    s += max(0, 20 - 2 * dist)
    t, reason = _text_score(item.text, c)
    if t:
        s, why = s + t, [*why, reason]
    if exact and unique:
        s, why = s + 17, [*why, "unique"]
    if not exact:
        s = min(s, th.suggest - 1)
    return min(s, 99), why


def item_refs(item: Item) -> set[str]:
    """The reference words of a bank line (its reference, and words of 4+ characters)."""
    out = _refs(item.text) | _refs(item.reference)
    ref = normalise(item.reference).replace(" ", "")
    if len(ref) >= 4:
        out.add(ref)
    return out


def match(
    items: list[Item], candidates: list[Candidate], th: Thresholds, *, one_to_one_only: bool = False
) -> list[Proposal]:
    """Proposals for ``items`` against ``candidates``; every id appears at most once.
    ``one_to_one_only`` stops after the first stage (callers that fetch the group
    candidates separately run the rest on the lines left)."""
    items = sorted(items, key=lambda i: (i.day, i.id))
    idx = _Index(candidates)
    item_amounts: dict[Decimal, list[date]] = defaultdict(list)
    for it in items:
        item_amounts[it.amount].append(it.day)
    taken_c: set[int] = set()
    taken_i: set[int] = set()
    out: list[Proposal] = []

    # 1. one to one
    scored: list[tuple[int, int, int, Item, Candidate, list[str], bool]] = []
    for it in items:
        pool = {c.id: c for c in idx.same_amount(it.amount, it.day, th.window_days)}
        refs = item_refs(it)
        for r in refs:
            for c in idx.by_ref.get(r, []):
                if abs((c.day - it.day).days) <= 3 * th.window_days:
                    pool.setdefault(c.id, c)
        if not pool:
            continue
        same = [c for c in pool.values() if c.amount == it.amount]
        rivals = sum(1 for d in item_amounts[it.amount] if abs((d - it.day).days) <= th.window_days)
        unique = len(same) == 1 and rivals == 1
        ranked = sorted(
            ((*score(it, c, th, unique, refs), c) for c in pool.values()),
            key=lambda t: (-t[0], abs((t[2].day - it.day).days), t[2].id),
        )
        ranked = [r for r in ranked if r[0] >= th.suggest]
        if not ranked:
            continue
        top = ranked[0][0]
        clear = len(ranked) == 1 or ranked[1][0] < top - 4
        for s, why, c in ranked:
            scored.append((-s, abs((c.day - it.day).days), it.id, it, c, why, clear))
    scored.sort(key=lambda t: (t[0], t[1], t[2], t[4].id))
    contested: dict[int, int] = defaultdict(int)
    for neg, _, _, _it, c, _, _ in scored:
        if -neg >= th.auto:
            contested[c.id] += 1
    for neg, _, _, it, c, why, clear in scored:
        if it.id in taken_i or c.id in taken_c:
            continue
        s = -neg
        auto = s >= th.auto and clear and (s == 100 or contested[c.id] == 1)
        out.append(Proposal((it.id,), (c.id,), s, "auto" if auto else "suggest", tuple(why)))
        taken_i.add(it.id)
        taken_c.add(c.id)

    if one_to_one_only:
        return out
    # 2. groups on one day: one bank line ↔ several ledger lines, and the reverse
    open_c = [c for c in candidates if c.id not in taken_c]
    open_i = [i for i in items if i.id not in taken_i]
    out += _groups(open_i, open_c, th, taken_i, taken_c)

    # 3. self-cancelling pairs: bank reversals, ledger entries and their reversals
    by_c = {c.id: c for c in candidates}
    for c in sorted(candidates, key=lambda c: c.id):
        o = by_c.get(c.reverses) if c.reverses is not None else None
        if o is not None and c.id not in taken_c and o.id not in taken_c and o.amount == -c.amount:
            out.append(Proposal((), (o.id, c.id), 100, "auto", ("reversal",)))
            taken_c |= {o.id, c.id}
    rest = [i for i in items if i.id not in taken_i]
    pend: dict[tuple[Decimal, str], list[Item]] = defaultdict(list)
    for it in rest:
        if it.amount > 0:
            pend[(it.amount, normalise(it.text))].append(it)
    for it in rest:
        if it.amount >= 0 or it.id in taken_i:
            continue
        for back in pend.get((-it.amount, normalise(it.text)), []):
            if back.id not in taken_i and abs((back.day - it.day).days) <= th.window_days:
                out.append(Proposal((back.id, it.id), (), 90, "auto", ("bank reversal",)))
                taken_i |= {back.id, it.id}
                break
    return out


def _sign(x: Decimal) -> int:
    return 1 if x > 0 else -1


def _groups(
    items: list[Item], cands: list[Candidate], th: Thresholds, ti: set[int], tc: set[int]
) -> list[Proposal]:
    out: list[Proposal] = []
    cday: dict[tuple[date, int], list[Candidate]] = defaultdict(list)
    for c in sorted(cands, key=lambda c: (abs(c.amount), c.id)):
        cday[(c.day, _sign(c.amount))].append(c)
    iday: dict[tuple[date, int], list[Item]] = defaultdict(list)
    for i in sorted(items, key=lambda i: i.id):
        iday[(i.day, _sign(i.amount))].append(i)
    # one bank line ↔ several ledger lines of its day
    for key, its in sorted(iday.items()):
        day_c = cday.get(key, [])
        if len(day_c) < 2:
            continue
        absolute = [abs(c.amount) for c in day_c]
        for it in its:
            smaller = day_c[: bisect.bisect_left(absolute, abs(it.amount))]
            pool = [c for c in smaller if c.id not in tc]
            if len(pool) <= _SMALL:
                hit = _subset(pool, it.amount, th.max_group, lambda c: c.amount)
                score = 88 if hit is not None and len(hit) == len(pool) else 86
            else:  # a busy day: only a unique pair, and only as a proposal
                hit, score = _pair(pool, it.amount), 70
            if hit is None:
                continue
            refs = item_refs(it)
            certain = all(_certain(it, c, refs) for c in hit)
            s = 100 if certain else score
            why = "reference" if certain else ("whole day" if s == 88 else "sum")
            out.append(
                Proposal(
                    (it.id,),
                    tuple(c.id for c in hit),
                    s,
                    "auto" if s >= th.auto else "suggest",
                    ("split", why),
                )
            )
            ti.add(it.id)
            tc.update(c.id for c in hit)
    # several bank lines of one day ↔ one ledger line
    for key, its in sorted(iday.items()):
        pool_i = [i for i in its if i.id not in ti]
        if len(pool_i) < 2 or len(pool_i) > _SMALL:
            continue
        sums = _subset_sums(pool_i, th.max_group)
        for c in cday.get(key, []):
            hit_i = sums.get(c.amount)
            if c.id in tc or not hit_i or any(i.id in ti for i in hit_i):
                continue
            whole = len(hit_i) == len(pool_i)
            certain = all(_certain(i, c, item_refs(i)) for i in hit_i)
            s = 100 if certain else (88 if whole else 86)
            out.append(
                Proposal(
                    tuple(i.id for i in hit_i),
                    (c.id,),
                    s,
                    "auto" if s >= th.auto else "suggest",
                    ("many-to-one", "reference" if certain else ("whole day" if whole else "sum")),
                )
            )
            tc.add(c.id)
            ti.update(i.id for i in hit_i)
    return out


_SMALL = 12


def _subset_sums(pool: list[Item], max_n: int) -> dict[Decimal, list[Item] | None]:
    """Every sum of 2..max_n lines of ``pool`` (and the whole pool) → its lines, or None
    where two different subsets give the same sum (ambiguous)."""
    out: dict[Decimal, list[Item] | None] = {}
    for n in range(2, min(max_n, len(pool)) + 1):
        for combo in itertools.combinations(pool, n):
            s = sum((i.amount for i in combo), Decimal(0))
            out[s] = None if s in out else list(combo)
    whole = sum((i.amount for i in pool), Decimal(0))
    if len(pool) > max_n:
        out[whole] = None if whole in out else list(pool)
    return out


def _pair(pool: list[Candidate], target: Decimal) -> list[Candidate] | None:
    by_amount: dict[Decimal, list[Candidate]] = defaultdict(list)
    for c in pool:
        by_amount[c.amount].append(c)
    found: list[Candidate] | None = None
    for c in pool:
        for d in by_amount.get(target - c.amount, []):
            if d.id <= c.id:
                continue
            if found is not None:
                return None
            found = [c, d]
    return found


def _subset(pool: list, target: Decimal, max_n: int, amt) -> list | None:  # type: ignore[type-arg,no-untyped-def]
    """The one subset (2..max_n members, or the whole pool) of ``pool`` summing to
    ``target``; None when there is none or more than one (ambiguous: left for a person)."""
    if len(pool) < 2:
        return None
    if sum(amt(p) for p in pool) == target:
        return list(pool)
    found = None
    for n in range(2, min(max_n, len(pool)) + 1):
        for combo in itertools.combinations(pool, n):
            if sum(amt(p) for p in combo) == target:
                if found is not None:
                    return None
                found = list(combo)
    return found
