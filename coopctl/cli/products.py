"""``coopctl products …``: deposit products here; loan products through the loans context."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from coopctl.cli.common import FormatOpt, emit, new_app, uow

app = new_app("Deposit and loan products.\n\nExample:\n\n    coopctl products list")

LIST_COLS = ["code", "name", "kind", "annual_rate", "status"]

# Loan options, passed through as typed to coopctl.loans.products.add_loan_product.
Opt = Annotated[str | None, typer.Option()]


def _loans_or_exit() -> Any:
    from coopctl.core.errors import ValidationError
    from coopctl.deposits.products import loan_products_module

    mod = loan_products_module()
    if mod is None:
        raise ValidationError("loan products not available (the loans module is not installed)")
    return mod


@app.command("list")
def list_(fmt: FormatOpt = "table") -> None:
    """List deposit and loan products.

    Example:

        coopctl products list --format json
    """
    from coopctl.deposits import products

    with uow("products.view") as u:
        rows: list[dict[str, Any]] = [
            products.product_as_dict(p) for p in products.list_products(u)
        ]
        loans = products.loan_products_module()
        if loans is not None:
            rows += list(loans.list_loan_products(u))
        emit(rows, fmt, columns=None if fmt == "json" else LIST_COLS)


@app.command("show")
def show(
    code: Annotated[str, typer.Argument(help="Product code.")], fmt: FormatOpt = "table"
) -> None:
    """Show one product with all its options.

    Example:

        coopctl products show SAV --format json
    """
    from coopctl.core.errors import NotFoundError
    from coopctl.deposits import products

    with uow("products.view") as u:
        p = products.find_product(u, code)
        if p is not None:
            data = products.product_as_dict(p)
        else:
            loans = products.loan_products_module()
            if loans is None:
                raise NotFoundError(f"product {code.strip().upper()} not found")
            data = loans.get_loan_product_dict(u, code.strip().upper())
        emit(data, fmt)


@app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="Product code, e.g. SAV2.")],
    kind: Annotated[str, typer.Option("--kind", help="savings, shares, fixed_deposit or loan.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    rate: Annotated[str, typer.Option("--rate", help="Annual rate in percent, e.g. 4.5.")],
    interest_method: Annotated[
        str | None,
        typer.Option(help="daily_balance, average_daily_balance or minimum_monthly_balance."),
    ] = None,
    days_in_year: Annotated[str | None, typer.Option(help="365 or 360.")] = None,
    posting_frequency: Annotated[
        str | None, typer.Option(help="monthly, quarterly, annually.")
    ] = None,
    min_interest_balance: Annotated[
        str | None, typer.Option(help="Minimum balance to earn interest.")
    ] = None,
    min_opening_balance: Annotated[str | None, typer.Option(help="Minimum first payment.")] = None,
    min_balance: Annotated[
        str | None, typer.Option(help="Balance that must stay in the account.")
    ] = None,
    withdrawals_per_month: Annotated[str | None, typer.Option(help="Cap (default: none).")] = None,
    notice_days: Annotated[str | None, typer.Option(help="Notice before withdrawal, days.")] = None,
    price_per_share: Annotated[str | None, typer.Option(help="Shares: price of one share.")] = None,
    min_shares: Annotated[
        str | None, typer.Option(help="Shares: minimum holding (shares).")
    ] = None,
    term_days: Annotated[str | None, typer.Option(help="Fixed deposits: term in days.")] = None,
    early_withdrawal_penalty: Annotated[
        str | None, typer.Option(help="Fixed deposits: penalty % of an early withdrawal.")
    ] = None,
    dormant_after_months: Annotated[
        str | None,
        typer.Option(help="Savings: idle months before dormant (0 = never; default [deposits])."),
    ] = None,
    dormant_interest: Annotated[
        str | None, typer.Option(help="Savings: dormant accounts earn or none.")
    ] = None,
    control_gl: Annotated[str | None, typer.Option(help="Control GL (default by kind).")] = None,
    interest_gl: Annotated[
        str | None, typer.Option(help="Interest expense GL (default 5100).")
    ] = None,
    method: Annotated[
        str | None,
        typer.Option(help="Loans: declining_equal_installment, declining_equal_principal or flat."),
    ] = None,
    frequency: Annotated[
        str | None, typer.Option(help="Loans: monthly, fortnightly, weekly.")
    ] = None,
    min_term: Annotated[
        str | None, typer.Option(help="Loans: shortest term (installments).")
    ] = None,
    max_term: Annotated[str | None, typer.Option(help="Loans: longest term.")] = None,
    min_amount: Annotated[str | None, typer.Option(help="Loans: smallest principal.")] = None,
    max_amount: Annotated[str | None, typer.Option(help="Loans: largest principal.")] = None,
    day_count: Annotated[
        str | None, typer.Option(help="Loans: periodic, actual_365, actual_360.")
    ] = None,
    grace_principal: Annotated[
        str | None, typer.Option(help="Loans: interest-only installments.")
    ] = None,
    grace_interest: Annotated[
        str | None, typer.Option(help="Loans: interest-free installments.")
    ] = None,
    fee_percent: Annotated[str | None, typer.Option(help="Loans: fee, % of principal.")] = None,
    fee_fixed: Annotated[str | None, typer.Option(help="Loans: fixed fee.")] = None,
    fee_mode: Annotated[
        str | None, typer.Option(help="Loans: deduct or first_installment.")
    ] = None,
    penalty_rate: Annotated[str | None, typer.Option(help="Loans: penalty % on arrears.")] = None,
    penalty_fixed: Annotated[str | None, typer.Option(help="Loans: fixed penalty.")] = None,
    penalty_grace_days: Annotated[
        str | None, typer.Option(help="Loans: days before penalties.")
    ] = None,
    savings_multiple: Annotated[str | None, typer.Option(help="Loans: max loan ÷ savings.")] = None,
    min_membership_months: Annotated[
        str | None, typer.Option(help="Loans: months a member.")
    ] = None,
    max_active_loans: Annotated[
        str | None, typer.Option(help="Loans: open loans per member.")
    ] = None,
    guarantors: Annotated[str | None, typer.Option(help="Loans: guarantors required.")] = None,
    guarantee_coverage: Annotated[
        str | None, typer.Option(help="Loans: % covered by guarantees.")
    ] = None,
    allocation: Annotated[
        str | None, typer.Option(help="Loans: repayment allocation order.")
    ] = None,
    prepayment: Annotated[
        str | None, typer.Option(help="Loans: reduce_term or reduce_installment.")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Add a product. Deposit options apply to savings/shares/fixed_deposit, loan options
    (from --method on) to loans.

    Example:

        coopctl products add SAV2 --kind savings --name Target --rate 6 --withdrawals-per-month 2
    """
    from coopctl.core.errors import ValidationError
    from coopctl.deposits import products

    deposit_raw = {
        "interest_method": interest_method, "days_in_year": days_in_year,
        "posting_frequency": posting_frequency, "min_interest_balance": min_interest_balance,
        "min_opening_balance": min_opening_balance, "min_balance": min_balance,
        "withdrawals_per_month": withdrawals_per_month, "notice_days": notice_days,
        "price_per_share": price_per_share, "min_shares": min_shares, "term_days": term_days,
        "early_withdrawal_penalty": early_withdrawal_penalty, "control_gl": control_gl,
        "interest_gl": interest_gl, "dormant_after_months": dormant_after_months,
        "dormant_interest": dormant_interest,
    }  # fmt: skip
    loan_raw = {
        "method": method, "frequency": frequency, "min_term": min_term, "max_term": max_term,
        "min_amount": min_amount, "max_amount": max_amount, "day_count": day_count,
        "grace_principal": grace_principal, "grace_interest": grace_interest,
        "fee_percent": fee_percent, "fee_fixed": fee_fixed, "fee_mode": fee_mode,
        "penalty_rate": penalty_rate, "penalty_fixed": penalty_fixed,
        "penalty_grace_days": penalty_grace_days, "savings_multiple": savings_multiple,
        "min_membership_months": min_membership_months, "max_active_loans": max_active_loans,
        "guarantors": guarantors, "guarantee_coverage": guarantee_coverage,
        "allocation": allocation, "prepayment": prepayment,
    }  # fmt: skip
    given_deposit = {k: v for k, v in deposit_raw.items() if v is not None}
    given_loan = {k: v for k, v in loan_raw.items() if v is not None}
    pct = products.parse_rate(rate, field="--rate")
    if kind == "loan":
        if given_deposit:
            raise ValidationError(
                "--" + next(iter(given_deposit)).replace("_", "-") + ": not a loan-product option"
            )
        loans = _loans_or_exit()
        with uow("products.manage") as u:
            loans.add_loan_product(u, code, name, pct, **given_loan)
            u.commit()
            emit(loans.get_loan_product_dict(u, code.strip().upper()), fmt)
        return
    if given_loan:
        raise ValidationError(
            "--"
            + next(iter(given_loan)).replace("_", "-")
            + f": only for loan products, not {kind}"
        )
    options = products.parse_options(given_deposit)
    with uow("products.manage") as u:
        p = products.add_product(u, code, kind, name, pct, options)
        u.commit()
        emit(products.product_as_dict(p), fmt)
