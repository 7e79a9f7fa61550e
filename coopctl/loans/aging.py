"""Loan aging, CBN classification, PAR and provision: the scalar reference (pure).

Plain Python and ``Decimal``; no SQLAlchemy, no Polars. ``loans show`` uses it for
one loan, and the tests hold the Polars bulk path (:mod:`coopctl.loans.aging_bulk`)
to it, kobo for kobo, on random portfolios.

Definitions (``as_of`` is the business date):

- An installment's *unpaid* amount is, per component (principal, interest, fees,
  penalty), ``max(due − paid, 0)``; it is *fully paid* when all four are zero.
  Superseded installments (replaced by a reschedule) are ignored.
- *Days past due* = ``as_of`` − the due date of the oldest installment that is not
  fully paid and fell due strictly before ``as_of`` (an installment due today is not
  late); 0 when there is none.
- *Arrears* = the unpaid principal + interest + fees + penalty of the installments
  due on or before ``as_of``; ``arrears_principal`` is its principal part.
- *Outstanding principal* is the loan's ledger balance when given (the sub-ledger
  account of GL 1210), else the unpaid principal of all its installments. A credit
  (negative) balance counts as zero: nothing is at risk and nothing is provisioned.
- *Classification*: the class of the days past due in the configured table; a
  rescheduled loan still inside its watch period (``as_of`` ≤ ``watch_until``) is
  never better than the second class (``pass_and_watch``).
- *Provision* = ``round_money(outstanding × class %)`` per loan; totals are sums of
  the per-loan provisions.
- *PAR N* = outstanding principal of the loans more than N days past due
  (``dpd > N``) ÷ gross outstanding principal, as a percent with 2 decimals
  (``0.00`` for an empty portfolio), for N = 1, 30, 90.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from coopctl.core.money import ZERO, round_money
from coopctl.loans.classification import ClassTable

PAR_DAYS: tuple[int, ...] = (1, 30, 90)
COMPONENTS: tuple[str, ...] = ("principal", "interest", "fees", "penalty")


@dataclass(frozen=True)
class InstallmentRow:
    """One installment of a schedule, as aging needs it (amounts in naira, Decimal)."""

    due_date: date
    principal: Decimal
    interest: Decimal = ZERO
    fees: Decimal = ZERO
    penalty: Decimal = ZERO
    principal_paid: Decimal = ZERO
    interest_paid: Decimal = ZERO
    fees_paid: Decimal = ZERO
    penalty_paid: Decimal = ZERO
    no: int = 0
    paid_on: date | None = None
    superseded: bool = False


@dataclass(frozen=True)
class LoanRow:
    """One loan of a portfolio, as aging needs it."""

    loan_id: int
    outstanding_principal: Decimal | None = None  # ledger balance; None = from installments
    product_code: str = ""
    watch_until: date | None = None  # end of the watch period after a reschedule


@dataclass(frozen=True)
class LoanAging:
    """Aging of one loan on one date."""

    days_past_due: int
    arrears: Decimal
    arrears_principal: Decimal
    classification: str
    provision_rate: Decimal  # fraction: Decimal("0.05") for 5 %
    provision: Decimal
    outstanding_principal: Decimal


@dataclass(frozen=True)
class Bucket:
    """The loans of one class."""

    name: str
    min_days: int
    max_days: int | None
    provision_percent: Decimal
    loans: int
    outstanding: Decimal
    arrears: Decimal
    provision: Decimal


@dataclass(frozen=True)
class RiskLine:
    """Risk figures of a group of loans (a product, or the whole portfolio)."""

    product_code: str
    loans: int
    outstanding: Decimal
    arrears: Decimal
    provision: Decimal
    at_risk_1: Decimal
    at_risk_30: Decimal
    at_risk_90: Decimal

    @property
    def par1(self) -> Decimal:
        return par_percent(self.at_risk_1, self.outstanding)

    @property
    def par30(self) -> Decimal:
        return par_percent(self.at_risk_30, self.outstanding)

    @property
    def par90(self) -> Decimal:
        return par_percent(self.at_risk_90, self.outstanding)


@dataclass(frozen=True)
class PortfolioAging:
    """Aging of a whole portfolio: buckets per class, PAR, totals, and every loan."""

    as_of: date
    buckets: tuple[Bucket, ...]
    totals: RiskLine
    by_product: tuple[RiskLine, ...]
    per_loan: Mapping[int, LoanAging] = field(repr=False)

    @property
    def par1(self) -> Decimal:
        return self.totals.par1

    @property
    def par30(self) -> Decimal:
        return self.totals.par30

    @property
    def par90(self) -> Decimal:
        return self.totals.par90

    @property
    def total_outstanding(self) -> Decimal:
        return self.totals.outstanding

    @property
    def total_provision(self) -> Decimal:
        return self.totals.provision


def par_percent(at_risk: Decimal, gross: Decimal) -> Decimal:
    """``at_risk / gross`` as a percent rounded to 2 decimals; 0.00 when gross is 0."""
    if gross <= 0:
        return ZERO
    return round_money(at_risk * 100 / gross)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    value = obj.get(name, default) if isinstance(obj, Mapping) else getattr(obj, name, default)
    return default if value is None else value


def _unpaid(inst: Any) -> dict[str, Decimal]:
    out = {}
    for comp in COMPONENTS:
        due = _get(inst, comp, ZERO)
        paid = _get(inst, f"{comp}_paid", ZERO)
        out[comp] = max(due - paid, ZERO)
    return out


def loan_aging(
    installments: Iterable[Any],
    as_of: date,
    table: ClassTable,
    outstanding_principal: Decimal | None = None,
    *,
    watch_until: date | None = None,
) -> LoanAging:
    """Days past due, arrears, class and provision of one loan on ``as_of``.

    ``installments`` are :class:`InstallmentRow` or any objects/dicts with the same
    attribute names (ORM ``LoanInstallment`` rows work as they are).
    """
    oldest_late: date | None = None
    arrears = arrears_principal = unpaid_principal = ZERO
    for inst in installments:
        if _get(inst, "superseded", False):
            continue
        due_date: date = _get(inst, "due_date")
        unpaid = _unpaid(inst)
        unpaid_principal += unpaid["principal"]
        if due_date > as_of:
            continue
        total = sum(unpaid.values(), ZERO)
        arrears += total
        arrears_principal += unpaid["principal"]
        if total > 0 and due_date < as_of and (oldest_late is None or due_date < oldest_late):
            oldest_late = due_date
    dpd = (as_of - oldest_late).days if oldest_late is not None else 0
    outstanding = unpaid_principal if outstanding_principal is None else outstanding_principal
    outstanding = max(outstanding, ZERO)
    cls = table.classify(dpd)
    if watch_until is not None and as_of <= watch_until and cls.index == 0:
        cls = table.classes[1]
    return LoanAging(
        days_past_due=dpd,
        arrears=arrears,
        arrears_principal=arrears_principal,
        classification=cls.name,
        provision_rate=cls.provision_rate,
        provision=round_money(outstanding * cls.provision_rate),
        outstanding_principal=outstanding,
    )


def portfolio_aging_scalar(
    loans: Iterable[Any],
    installments_by_loan: Mapping[int, Iterable[Any]],
    as_of: date,
    table: ClassTable,
) -> PortfolioAging:
    """Aging of every loan, one by one, summed into buckets, PAR and totals.

    ``loans`` are :class:`LoanRow` or objects/dicts with ``loan_id`` (or ``id``),
    and optionally ``outstanding_principal``, ``product_code``, ``watch_until``.
    """
    per_loan: dict[int, LoanAging] = {}
    products: dict[int, str] = {}
    for loan in loans:
        raw_id = _get(loan, "loan_id", None)
        loan_id = int(_get(loan, "id") if raw_id is None else raw_id)
        per_loan[loan_id] = loan_aging(
            installments_by_loan.get(loan_id, ()),
            as_of,
            table,
            _get(loan, "outstanding_principal", None),
            watch_until=_get(loan, "watch_until", None),
        )
        products[loan_id] = str(_get(loan, "product_code", ""))
    return summarise(as_of, table, per_loan, products)


def summarise(
    as_of: date,
    table: ClassTable,
    per_loan: Mapping[int, LoanAging],
    products: Mapping[int, str],
) -> PortfolioAging:
    """Buckets, per-product lines and totals from per-loan results (scalar sums)."""
    acc: dict[str, list[Any]] = {c.name: [0, ZERO, ZERO, ZERO] for c in table.classes}
    totals = _new_line()
    lines: dict[str, list[Any]] = {}
    for loan_id, a in per_loan.items():
        b = acc[a.classification]
        b[0] += 1
        b[1] += a.outstanding_principal
        b[2] += a.arrears
        b[3] += a.provision
        _add(totals, a)
        _add(lines.setdefault(products.get(loan_id, ""), _new_line()), a)
    buckets = tuple(
        Bucket(c.name, c.min_days, c.max_days, c.provision_percent, *acc[c.name])
        for c in table.classes
    )
    return PortfolioAging(
        as_of=as_of,
        buckets=buckets,
        totals=RiskLine("", *totals),
        by_product=tuple(RiskLine(code, *lines[code]) for code in sorted(lines)),
        per_loan=per_loan,
    )


def _new_line() -> list[Any]:
    """loans, outstanding, arrears, provision, at risk 1 / 30 / 90."""
    return [0, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO]


def _add(line: list[Any], a: LoanAging) -> None:
    line[0] += 1
    line[1] += a.outstanding_principal
    line[2] += a.arrears
    line[3] += a.provision
    for i, days in enumerate(PAR_DAYS):
        if a.days_past_due > days:
            line[4 + i] += a.outstanding_principal
