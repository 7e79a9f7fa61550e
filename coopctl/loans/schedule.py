"""Loan repayment schedules: pure, exact Decimal math (no database, no floats).

Interest methods
    ``declining_equal_installment`` (annuity): the regular installment is
    ``P·r / (1 − (1 + r)^−n)``, computed with 50 significant digits and rounded once
    to the kobo with :func:`round_money` (with ``r = 0`` it is ``P / n``). Each period's
    interest is ``round_money(outstanding × r)``, its principal is the installment
    minus that interest, and the last installment clears the balance exactly.

    ``declining_equal_principal``: each principal is ``round_money(P / n)``, the last
    takes the remainder; interest is ``round_money(outstanding × r)``.

    ``flat``: total interest ``round_money(P × annual rate × n / periods per year)``,
    spread over the installments with :func:`allocate` (the parts sum exactly);
    principal as for equal principal.

Day count
    ``periodic`` (default): ``r = annual rate ÷ periods per year`` (12, 26, 52).
    ``actual_365`` / ``actual_360``: a period's interest is
    ``round_money(outstanding × annual rate × days / 365 (or 360))`` where ``days``
    runs from the previous due date (the start date for the first) to this one. The
    annuity installment is still computed with the periodic rate; the last
    installment absorbs the difference. ``flat`` interest depends only on the
    contractual term, so the day count does not change it.

Holidays
    With ``move_off_holidays`` a due date on a weekend or public holiday moves to the
    next business day (see :mod:`coopctl.loans.calendar`). ``periodic`` interest does
    not look at dates, so it is computed on the unmoved periods; actual day counts
    count the days between the moved due dates.

Grace
    ``grace_principal = N``: the first N installments pay interest only; the whole
    principal is amortised over the remaining ``term − N`` installments.

    ``grace_interest = N``: the first N installments are charged no interest. The
    interest those periods would have carried is waived, not deferred or
    capitalised: the schedule is computed exactly as without this grace (same
    principal per installment, same balances) and then those interest amounts are
    set to zero. For ``flat`` the waived amounts are the first N shares of the flat
    interest, so total interest falls by them.

Fees
    ``first_installment_fee`` is added to installment 1 (its ``fees`` column and
    total); other installments carry no fee. Fees never change principal or interest.

Rounding unit
    With ``rounding_unit = CENT`` (default) amounts are rounded to the kobo as above.
    With a larger unit (e.g. ``D("100.00")``) each regular installment's principal +
    interest is rounded UP to a multiple of the unit by adding to its principal; the
    last installment absorbs the difference. (For the two declining methods the
    rounded amount is the installment as computed above; installments inside an
    interest grace are not rounded, since their interest is waived after rounding.)

Guards
    Principal is never negative and never more than the outstanding balance: if a
    rounded-up installment would overpay, it takes just the balance (later
    installments are then zero); if a period's interest exceeds the regular
    installment (possible with actual day counts), that installment is interest only.
    So the balance never rises and is exactly zero after the last installment.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_CEILING, Decimal, localcontext

from coopctl.core.errors import ValidationError
from coopctl.core.money import CENT, ZERO, allocate, round_money
from coopctl.loans.calendar import FREQUENCIES, due_dates, periods_per_year

__all__ = [
    "DAY_COUNTS",
    "FREQUENCIES",
    "MAX_TERM",
    "METHODS",
    "Installment",
    "LoanTerms",
    "Schedule",
    "annuity_payment",
    "build_schedule",
    "due_dates",
    "periodic_rate",
    "periods_per_year",
    "remaining_schedule",
    "validate_terms",
]

METHODS: tuple[str, ...] = ("declining_equal_installment", "declining_equal_principal", "flat")
#: Day count → days in the year it divides by (``None``: periodic rate).
DAY_COUNTS: dict[str, int | None] = {"periodic": None, "actual_365": 365, "actual_360": 360}
MAX_TERM = 600
MAX_RATE = Decimal(100)

_PREC = 50  # significant digits for the unrounded intermediate math
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LoanTerms:
    """What a schedule is built from. ``annual_rate`` is in percent (``D("24")``)."""

    principal: Decimal
    annual_rate: Decimal
    term: int
    method: str = "declining_equal_installment"
    frequency: str = "monthly"
    day_count: str = "periodic"
    start: date | None = None
    grace_principal: int = 0
    grace_interest: int = 0
    first_installment_fee: Decimal = ZERO
    rounding_unit: Decimal = CENT
    move_off_holidays: bool = False


@dataclass(frozen=True)
class Installment:
    """One row; ``balance`` is the principal outstanding after this installment."""

    no: int
    due_date: date
    principal: Decimal
    interest: Decimal
    fees: Decimal
    total: Decimal
    balance: Decimal


@dataclass(frozen=True)
class Schedule:
    """The installments of a loan, in order."""

    installments: tuple[Installment, ...]

    @property
    def total_interest(self) -> Decimal:
        return sum((i.interest for i in self.installments), ZERO)

    @property
    def total_principal(self) -> Decimal:
        return sum((i.principal for i in self.installments), ZERO)

    @property
    def total_fees(self) -> Decimal:
        return sum((i.fees for i in self.installments), ZERO)

    @property
    def total_payable(self) -> Decimal:
        return sum((i.total for i in self.installments), ZERO)


# --- rates ------------------------------------------------------------------------


def periodic_rate(annual_rate: Decimal, frequency: str) -> Decimal:
    """The rate per period as a fraction (``24`` % monthly → ``0.02``), 50 digits."""
    ppy = periods_per_year(frequency)
    with localcontext() as ctx:
        ctx.prec = _PREC
        return annual_rate / _HUNDRED / ppy


def annuity_payment(principal: Decimal, rate: Decimal, n: int) -> Decimal:
    """Unrounded level payment repaying ``principal`` in ``n`` periods at ``rate`` per period.

    ``rate`` is a fraction per period (see :func:`periodic_rate`); with ``rate == 0``
    the payment is ``principal / n``.
    """
    if n < 1:
        raise ValidationError(f"term: must be at least 1, not {n}")
    with localcontext() as ctx:
        ctx.prec = _PREC
        if rate == 0:
            return principal / n
        return principal * rate / (1 - (1 + rate) ** -n)


# --- validation --------------------------------------------------------------------


def _decimal(value: object, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValidationError(f"{field}: must be a Decimal, not {type(value).__name__}")
    d = Decimal(value)
    if not d.is_finite():
        raise ValidationError(f"{field}: {d} is not a number")
    return d


def _amount(value: object, field: str, *, allow_zero: bool) -> Decimal:
    d = _decimal(value, field)
    if d < 0 or (d == 0 and not allow_zero):
        raise ValidationError(f"{field}: must be more than zero" + (" or zero" * allow_zero))
    if d != d.quantize(CENT):
        raise ValidationError(f"{field}: {d} has more than two decimals")
    return d


def _count(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{field}: must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise ValidationError(f"{field}: must be between {low} and {high}, not {value}")
    return value


def validate_terms(terms: LoanTerms) -> None:
    """Raise :class:`ValidationError` naming the first field of ``terms`` that is wrong."""
    _amount(terms.principal, "principal", allow_zero=False)
    rate = _decimal(terms.annual_rate, "annual_rate")
    if not ZERO <= rate <= MAX_RATE:
        raise ValidationError(f"annual_rate: must be between 0 and 100 percent, not {rate}")
    term = _count(terms.term, "term", 1, MAX_TERM)
    if terms.method not in METHODS:
        raise ValidationError(
            f"method: unknown {terms.method!r} (expected one of {', '.join(METHODS)})"
        )
    periods_per_year(terms.frequency)
    if terms.day_count not in DAY_COUNTS:
        raise ValidationError(
            f"day_count: unknown {terms.day_count!r} (expected one of {', '.join(DAY_COUNTS)})"
        )
    if not isinstance(terms.start, date):
        raise ValidationError("start: required (the disbursement date the due dates step from)")
    _count(terms.grace_principal, "grace_principal", 0, term - 1)
    _count(terms.grace_interest, "grace_interest", 0, term - 1)
    _amount(terms.first_installment_fee, "first_installment_fee", allow_zero=True)
    _amount(terms.rounding_unit, "rounding_unit", allow_zero=False)
    if not isinstance(terms.move_off_holidays, bool):
        raise ValidationError("move_off_holidays: must be true or false")


# --- building ----------------------------------------------------------------------


def _round_to_unit(value: Decimal, unit: Decimal) -> Decimal:
    """Kobo rounding for the default unit; otherwise UP to a multiple of ``unit``."""
    if unit == CENT:
        return round_money(value)
    with localcontext() as ctx:
        ctx.prec = _PREC
        multiple = (value / unit).to_integral_value(rounding=ROUND_CEILING) * unit
    return round_money(multiple)  # exact already: only normalises to two places


def _interest_for(outstanding: Decimal, rate: Decimal, numerator: int, denominator: int) -> Decimal:
    """``round_money(outstanding × rate% × numerator / denominator)``, rounded only once.

    One exact-as-possible division (50 digits) keeps a true half-kobo tie a tie.
    """
    with localcontext() as ctx:
        ctx.prec = _PREC
        value = outstanding * rate * numerator / (_HUNDRED * denominator)
    return round_money(value)


def _flat_shares(terms: LoanTerms, ppy: int) -> list[Decimal] | None:
    """The flat method's interest share per installment (``None`` for declining methods)."""
    if terms.method != "flat":
        return None
    n = terms.term
    total = _interest_for(terms.principal, terms.annual_rate, n, ppy)
    return allocate(total, [1] * n)


def _period_interest(
    terms: LoanTerms, outstanding: Decimal, index: int, dates: list[date], ppy: int
) -> Decimal:
    """Declining-balance interest for installment ``index`` (0-based) on ``outstanding``."""
    basis = DAY_COUNTS[terms.day_count]
    if basis is None:
        return _interest_for(outstanding, terms.annual_rate, 1, ppy)
    assert terms.start is not None
    previous = terms.start if index == 0 else dates[index - 1]
    days = (dates[index] - previous).days
    return _interest_for(outstanding, terms.annual_rate, days, basis)


def build_schedule(terms: LoanTerms) -> Schedule:
    """The full repayment schedule for ``terms`` (see the module docstring for the rules)."""
    validate_terms(terms)
    assert terms.start is not None
    principal = round_money(terms.principal)  # exact: validated to two places
    fee = round_money(terms.first_installment_fee)
    unit = terms.rounding_unit
    n = terms.term
    ppy = periods_per_year(terms.frequency)
    dates = due_dates(terms.start, n, terms.frequency, terms.move_off_holidays)
    flat_shares = _flat_shares(terms, ppy)

    amortising = n - terms.grace_principal
    if terms.method == "declining_equal_installment":
        rate = periodic_rate(terms.annual_rate, terms.frequency)
        level = _round_to_unit(annuity_payment(principal, rate, amortising), unit)
    else:
        with localcontext() as ctx:
            ctx.prec = _PREC
            level = principal / amortising
        level = round_money(level)

    outstanding = principal
    rows: list[Installment] = []
    for index, due in enumerate(dates):
        no = index + 1
        if flat_shares is not None:
            interest = flat_shares[index]
        else:
            interest = _period_interest(terms, outstanding, index, dates, ppy)

        if no == n:
            paid = outstanding
        elif no <= terms.grace_principal:
            paid = ZERO
        else:
            if terms.method == "declining_equal_installment":
                paid = level - interest
            else:
                paid = _round_to_unit(level + interest, unit) - interest
            paid = min(max(paid, ZERO), outstanding)

        if no <= terms.grace_interest:
            interest = ZERO  # waived, not deferred: see "Grace" in the module docstring
        fees = fee if no == 1 else ZERO
        outstanding -= paid
        rows.append(
            Installment(
                no=no,
                due_date=due,
                principal=paid,
                interest=interest,
                fees=fees,
                total=paid + interest + fees,
                balance=outstanding,
            )
        )
    return Schedule(installments=tuple(rows))


def remaining_schedule(outstanding: Decimal, terms: LoanTerms) -> Schedule:
    """Re-amortise ``outstanding`` with ``terms`` (rescheduling); ``terms.principal`` is ignored.

    Same as :func:`build_schedule` with ``principal=outstanding``; ``terms.start`` is
    the date the new schedule steps from (usually the rescheduling date).
    """
    _amount(outstanding, "outstanding", allow_zero=False)
    return build_schedule(replace(terms, principal=outstanding))
