"""The rules a journal entry must satisfy: one named list of plain functions.

:data:`RULES` is the whole list, in the order they are checked. Each rule is a plain
function returning the error it finds (or None), beancount style, and declares the
**scope** of what it looks at:

``entry``
    the draft alone (its :class:`EntrySummary`, made in one pass over its lines);
``date``
    the entry's business date against the :class:`Facts` (business date, closed
    periods) — a batch checks each distinct date once;
``line``
    one (GL code, member account, manual?) combination against the facts (the GL
    account and the member account as resolved from the database) — a batch checks
    each distinct combination once.

Both posting paths run this one list: ``post`` (:mod:`coopctl.ledger.posting`) for
one entry, ``post_many`` (:mod:`coopctl.ledger.bulk`) for a batch, deduplicating by
scope. A rule added here is therefore enforced by both. The scopes are also the
shape of a future vectorised form: an ``entry`` rule is a predicate over a frame of
entry summaries, a ``line`` rule a predicate over the distinct line keys.

This module is pure (no SQLAlchemy): the facts are plain values or duck-typed rows.
The database triggers check balance and periods again on the flip to ``posted``,
and ``ledger verify`` a third time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, NamedTuple, Protocol

from coopctl.core.errors import (
    BusinessRuleError,
    ClosedPeriodError,
    CoopError,
    FutureDateError,
    InactiveAccountError,
    ManualPostingNotAllowedError,
    NotFoundError,
    UnbalancedEntryError,
    ValidationError,
)
from coopctl.core.money import CENT, LARGEST_AMOUNT, ZERO, is_exact


class LineSideError(ValidationError):
    """Each journal line has exactly one of debit/credit, and it is positive."""


class AmountPrecisionError(ValidationError):
    """Posted amounts have at most two decimals (whole kobo)."""


class EntryTooLargeError(ValidationError):
    """An entry's total fits the books' integer columns (at most 92,233,720,368,547,758.07)."""


class OneSidedEntryError(BusinessRuleError):
    """An entry needs at least one debit line and one credit line."""


class ControlAccountError(BusinessRuleError):
    """Lines on a control GL account must name a member account of that control (and only it)."""


class HeaderAccountError(BusinessRuleError):
    """Header (group) GL accounts only sum their children; nothing is posted to them."""


class UnknownGLAccountError(BusinessRuleError):
    """Every line names a GL account that exists."""

    exit_code = 3


@dataclass(frozen=True)
class LineDraft:
    gl_code: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    account_no: str | None = None  # member sub-ledger account, for control GL accounts
    memo: str = ""


@dataclass
class EntryDraft:
    business_date: date
    kind: str
    lines: list[LineDraft]
    narration: str = ""
    reference: str = ""
    idempotency_key: str | None = None
    approval_kind: str | None = None  # maker-checker policy name; None = never pending
    approval_amount: Decimal | None = None  # compared with the policy threshold
    manual: bool = False  # manual journal: manual-allowed GL accounts only
    reverses_id: int | None = None
    reason: str | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((ln.debit for ln in self.lines), ZERO)


# --- what the rules look at ---------------------------------------------------------------
class EntrySummary(NamedTuple):
    """One pass over a draft's lines: everything the ``entry`` rules need."""

    kind: str
    debits: Decimal
    credits: Decimal
    n_debit: int
    n_credit: int
    not_a_number: str | None = None  # "line 3: debit ..." of the first bad amount
    sub_kobo: str | None = None  # first amount with more than two decimals
    two_sided: str | None = None  # first line without exactly one positive side


def _amount_problem(i: int, side: str, amt: object) -> tuple[str | None, str | None]:
    """(not-a-number, sub-kobo) message for one amount."""
    if not isinstance(amt, Decimal):
        return f"line {i}: {side} must be a Decimal amount", None
    if not amt.is_finite():
        return f"line {i}: {side} is not a number", None
    if not is_exact(amt):
        return None, f"line {i}: {side} {amt} has more than two decimals"
    return None, None


def summarise(draft_kind: str, lines: Sequence[LineDraft]) -> EntrySummary:
    """Totals and the first problem of each kind, in one pass (kept lean: ``post_many``
    summarises every draft of a batch)."""
    debits = credits = ZERO
    n_dr = n_cr = 0
    not_a_number = sub_kobo = two_sided = None
    for i, ln in enumerate(lines, 1):
        dr, cr = ln.debit, ln.credit
        # the usual case first, inline (this loop runs for every line of a batch):
        # whole-kobo Decimals, zero being always exact
        if not (
            dr.__class__ is Decimal
            and cr.__class__ is Decimal
            and dr.is_finite()
            and cr.is_finite()
            and (not dr or dr == dr.quantize(CENT))
            and (not cr or cr == cr.quantize(CENT))
        ):
            for side, amt in (("debit", dr), ("credit", cr)):
                nan, sub = _amount_problem(i, side, amt)
                not_a_number = not_a_number or nan
                sub_kobo = sub_kobo or sub
            if not_a_number:
                continue
        if (dr > 0) == (cr > 0) or dr < 0 or cr < 0:
            two_sided = two_sided or (
                f"line {i} ({ln.gl_code}): exactly one of debit/credit must be positive"
            )
        elif dr > 0:
            debits += dr
            n_dr += 1
        else:
            credits += cr
            n_cr += 1
    return EntrySummary(draft_kind, debits, credits, n_dr, n_cr, not_a_number, sub_kobo, two_sided)


class GLFacts(Protocol):
    """A GL account as the rules see it (an ORM row fits)."""

    id: int
    code: str
    name: str
    active: bool
    is_header: bool
    is_control: bool
    manual_allowed: bool


class AccountFacts(Protocol):
    """A member account as the rules see it (an ORM row or a bulk row fits)."""

    @property
    def account_no(self) -> str: ...
    @property
    def gl_account_id(self) -> int: ...
    @property
    def status(self) -> str: ...


@dataclass
class Facts:
    """What the database knows, resolved once per entry (``post``) or batch (``post_many``)."""

    today: date
    closed_periods: Sequence[tuple[date, date, str]] = ()  # (start, end, "YYYY-MM")
    gls: Mapping[str, GLFacts] = field(default_factory=dict)
    accounts: Mapping[str, AccountFacts] = field(default_factory=dict)
    gl_code_of: Callable[[int], str] = str  # GL id → code, for messages


class LineKey(NamedTuple):
    """What a ``line`` rule looks at: the line's GL, its member account, manual or not."""

    gl_code: str
    account_no: str | None
    manual: bool


# --- the rules ----------------------------------------------------------------------------
def kind_given(e: EntrySummary) -> CoopError | None:
    return None if e.kind else ValidationError("entry kind is required")


def amounts_are_numbers(e: EntrySummary) -> CoopError | None:
    return LineSideError(e.not_a_number) if e.not_a_number else None


def amounts_in_whole_kobo(e: EntrySummary) -> CoopError | None:
    return AmountPrecisionError(e.sub_kobo) if e.sub_kobo else None


def one_side_per_line(e: EntrySummary) -> CoopError | None:
    return LineSideError(e.two_sided) if e.two_sided else None


def total_representable(e: EntrySummary) -> CoopError | None:
    if max(e.debits, e.credits) > LARGEST_AMOUNT:
        return EntryTooLargeError(
            f"entry total {max(e.debits, e.credits):,.2f} is above the largest the books "
            f"hold ({LARGEST_AMOUNT:,.2f})"
        )
    return None


def debit_and_credit(e: EntrySummary) -> CoopError | None:
    if e.n_debit == 0 or e.n_credit == 0:
        return OneSidedEntryError("an entry needs at least one debit and one credit")
    return None


def balanced(e: EntrySummary) -> CoopError | None:
    if e.debits != e.credits:
        return UnbalancedEntryError(
            f"debits {e.debits:,.2f} ≠ credits {e.credits:,.2f} "
            f"(difference {e.debits - e.credits:,.2f})"
        )
    return None


def not_after_business_date(d: date, f: Facts) -> CoopError | None:
    if d > f.today:
        return FutureDateError(f"date {d} is after the business date {f.today}")
    return None


def period_open(d: date, f: Facts) -> CoopError | None:
    for start, end, label in f.closed_periods:
        if start <= d <= end:
            return ClosedPeriodError(f"date {d} is in the closed period {label}")
    return None


def gl_account_exists(k: LineKey, f: Facts) -> CoopError | None:
    if k.gl_code not in f.gls:
        return UnknownGLAccountError(f"GL account {k.gl_code} not found")
    return None


def member_account_exists(k: LineKey, f: Facts) -> CoopError | None:
    if k.account_no and k.account_no not in f.accounts:
        return NotFoundError(f"account {k.account_no} not found")
    return None


def gl_account_active(k: LineKey, f: Facts) -> CoopError | None:
    if not f.gls[k.gl_code].active:
        return InactiveAccountError(f"GL account {k.gl_code} is inactive")
    return None


def not_a_header(k: LineKey, f: Facts) -> CoopError | None:
    if f.gls[k.gl_code].is_header:
        return HeaderAccountError(f"GL account {k.gl_code} is a header; post to its children")
    return None


def manual_allowed(k: LineKey, f: Facts) -> CoopError | None:
    gl = f.gls[k.gl_code]
    if k.manual and not gl.manual_allowed:
        return ManualPostingNotAllowedError(
            f"GL account {gl.code} ({gl.name}) does not accept manual journals"
        )
    return None


def control_names_member_account(k: LineKey, f: Facts) -> CoopError | None:
    if f.gls[k.gl_code].is_control and not k.account_no:
        return ControlAccountError(
            f"GL account {k.gl_code} is a control account: the line must name a member account"
        )
    return None


def member_account_on_its_control(k: LineKey, f: Facts) -> CoopError | None:
    if not k.account_no:
        return None
    acct, gl = f.accounts[k.account_no], f.gls[k.gl_code]
    if acct.gl_account_id != gl.id:
        return ControlAccountError(
            f"account {acct.account_no} belongs to GL {f.gl_code_of(acct.gl_account_id)}, "
            f"not {gl.code}"
        )
    return None


def member_account_open(k: LineKey, f: Facts) -> CoopError | None:
    if k.account_no:
        acct = f.accounts[k.account_no]
        if acct.status not in ("active", "dormant"):
            return InactiveAccountError(f"account {acct.account_no} is {acct.status}")
    return None


Scope = Literal["entry", "date", "line"]


@dataclass(frozen=True)
class Rule:
    name: str
    scope: Scope
    check: Callable[..., CoopError | None]
    error: type[CoopError]  # the named error it raises


def _rule(scope: Scope, check: Callable[..., CoopError | None], error: type[CoopError]) -> Rule:
    return Rule(check.__name__, scope, check, error)


#: Every rule a journal entry must satisfy, in checking order.
RULES: tuple[Rule, ...] = (
    _rule("entry", kind_given, ValidationError),
    _rule("entry", amounts_are_numbers, LineSideError),
    _rule("entry", amounts_in_whole_kobo, AmountPrecisionError),
    _rule("entry", one_side_per_line, LineSideError),
    _rule("entry", debit_and_credit, OneSidedEntryError),
    _rule("entry", total_representable, EntryTooLargeError),
    _rule("entry", balanced, UnbalancedEntryError),
    _rule("date", not_after_business_date, FutureDateError),
    _rule("date", period_open, ClosedPeriodError),
    _rule("line", gl_account_exists, UnknownGLAccountError),
    _rule("line", member_account_exists, NotFoundError),
    _rule("line", gl_account_active, InactiveAccountError),
    _rule("line", not_a_header, HeaderAccountError),
    _rule("line", manual_allowed, ManualPostingNotAllowedError),
    _rule("line", control_names_member_account, ControlAccountError),
    _rule("line", member_account_on_its_control, ControlAccountError),
    _rule("line", member_account_open, InactiveAccountError),
)
ENTRY_RULES = tuple(r for r in RULES if r.scope == "entry")
DATE_RULES = tuple(r for r in RULES if r.scope == "date")
LINE_RULES = tuple(r for r in RULES if r.scope == "line")


# --- the ``entry`` rules over a whole batch ------------------------------------------------
#: The ``entry`` rules :func:`screen_entries` evaluates over a batch (a test keeps this
#: equal to the names of the ``entry`` rules of RULES: a new rule must be screened too).
SCREENED_ENTRY_RULES = (
    "kind_given",
    "amounts_are_numbers",
    "amounts_in_whole_kobo",
    "one_side_per_line",
    "debit_and_credit",
    "total_representable",  # a total of 10^18 kobo or more is flagged (checked in full)
    "balanced",
)
KOBO_MAX = 10**18  # what a BIGINT column holds, with room for sums


class EntryScreen(NamedTuple):
    """The ``entry`` rules over a batch, in one pass, in integer kobo.

    ``flagged``: drafts some ``entry`` rule may refuse (the screen errs on the side of
    flagging: the caller runs the rules themselves, :func:`check_entry`, on those, for
    the exact error). Every other draft passes every ``entry`` rule; its lines are in
    ``lines`` as (GL code, member account, debit kobo, credit kobo, memo) and its total
    in ``debits``."""

    flagged: list[int]
    lines: list[list[tuple[str, str | None, int, int, str]] | None]
    debits: list[int]


def screen_entries(drafts: Sequence[EntryDraft]) -> EntryScreen:
    """The vectorised form of the ``entry`` rules (see :class:`EntryScreen`)."""
    flagged: list[int] = []
    out: list[list[tuple[str, str | None, int, int, str]] | None] = []
    totals: list[int] = []
    dec = Decimal
    for i, d in enumerate(drafts):
        kl: list[tuple[str, str | None, int, int, str]] = []
        dsum = csum = nd = nc = 0
        ok = bool(d.kind)
        try:
            for ln in d.lines if ok else ():
                dr, cr = ln.debit, ln.credit
                if dr.__class__ is not dec or cr.__class__ is not dec:
                    ok = False
                    break
                if dr:
                    if cr:
                        ok = False
                        break
                    k = dr.scaleb(2)
                    ki = int(k)
                    if ki != k or not 0 < ki < KOBO_MAX:
                        ok = False
                        break
                    dsum += ki
                    nd += 1
                    kl.append((ln.gl_code, ln.account_no, ki, 0, ln.memo))
                elif cr:
                    k = cr.scaleb(2)
                    ki = int(k)
                    if ki != k or not 0 < ki < KOBO_MAX:
                        ok = False
                        break
                    csum += ki
                    nc += 1
                    kl.append((ln.gl_code, ln.account_no, 0, ki, ln.memo))
                else:  # both zero
                    ok = False
                    break
        except (ArithmeticError, ValueError, TypeError):  # NaN, infinities, signalling
            ok = False
        if ok and nd and nc and dsum == csum and dsum < KOBO_MAX:
            out.append(kl)
            totals.append(dsum)
        else:
            flagged.append(i)
            out.append(None)
            totals.append(0)
    return EntryScreen(flagged, out, totals)


# --- running them ---------------------------------------------------------------------------
def _named(err: CoopError, rule: Rule) -> CoopError:
    err.rule = rule.name  # type: ignore[attr-defined]  # which rule refused, for callers and tests
    return err


def check_entry(summary: EntrySummary) -> None:
    """Raise the first ``entry`` rule's error."""
    for rule in ENTRY_RULES:
        err = rule.check(summary)
        if err is not None:
            raise _named(err, rule)


def check_date(d: date, facts: Facts) -> None:
    """Raise the first ``date`` rule's error."""
    for rule in DATE_RULES:
        err = rule.check(d, facts)
        if err is not None:
            raise _named(err, rule)


def check_line(key: LineKey, facts: Facts) -> None:
    """Raise the first ``line`` rule's error."""
    for rule in LINE_RULES:
        err = rule.check(key, facts)
        if err is not None:
            raise _named(err, rule)


def line_keys(draft: EntryDraft) -> list[LineKey]:
    return [LineKey(ln.gl_code, ln.account_no, draft.manual) for ln in draft.lines]


def validate_lines(lines: Sequence[LineDraft]) -> Decimal:
    """The ``entry`` rules on bare lines; return the entry total (sum of debits)."""
    summary = summarise("lines", lines)
    check_entry(summary)
    return summary.debits


def validate_draft(draft: EntryDraft) -> Decimal:
    """The ``entry`` rules on a draft; return its total (sum of debits)."""
    summary = summarise(draft.kind, draft.lines)
    check_entry(summary)
    return summary.debits
