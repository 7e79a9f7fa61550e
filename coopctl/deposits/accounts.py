"""Member deposit accounts: open, list, show, close.

An account is a row of the ledger's ``accounts`` table (balance, held, floor,
control GL = the product's) plus a :class:`DepositAccount` row with the
deposit-only details. Numbers are ``A`` + 9 digits + a Damm check digit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock, sequences
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import BusinessRuleError, NotFoundError, ValidationError
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.deposits.accounts_lookup import (
    ACCOUNT_PREFIX,
    ACCOUNT_WIDTH,
    DEPOSIT_KINDS,
    get_account,
    lock_account,
    lock_member,
)
from coopctl.deposits.errors import (
    AccountNotActiveError,
    AccountNotEmptyError,
    DuplicateAccountError,
)
from coopctl.deposits.holds import active_holds, available
from coopctl.deposits.membership import get_member, require_not_exited
from coopctl.deposits.models import DepositAccount, DepositProduct
from coopctl.deposits.products import find_product, loan_products_module
from coopctl.ledger.models import Account, JournalEntry, JournalLine
from coopctl.members.models import Member


def new_account_no(uow: UnitOfWork) -> str:
    """The next account number (gap-free, with check digit)."""
    return sequences.next_number(uow, "account", ACCOUNT_PREFIX, ACCOUNT_WIDTH)


def open_account(
    uow: UnitOfWork,
    member_no: str,
    product_code: str,
    *,
    on: date | None = None,
    maturity: str | None = None,
    payout_account: str | None = None,
) -> Account:
    """Open a deposit account of ``product_code`` for ``member_no`` (zero balance).

    One open account per member per savings or shares product; any number of
    fixed deposits. KYC is not needed to open or pay in (only to pay out). A fixed
    deposit takes its maturity instruction (default ``payout``) and optionally the
    savings account its payouts go to.
    """
    require(uow.operator, "accounts.manage")
    member = get_member(uow, member_no)
    require_not_exited(member)
    product = find_product(uow, product_code)
    if product is None:
        loans = loan_products_module()
        code = product_code.strip().upper()
        if loans is not None:
            try:
                loans.get_loan_product_dict(uow, code)
            except NotFoundError:
                pass
            else:
                raise BusinessRuleError(
                    f"--product: {code} is a loan product; loan accounts open at disbursement"
                )
        raise NotFoundError(f"--product: product {code} not found")
    if product.status != "active":
        raise BusinessRuleError(f"--product: product {product.code} is {product.status}")
    lock_member(uow, member)  # one account per product holds under concurrency
    if product.kind in ("savings", "shares"):
        existing = uow.session.scalars(
            select(Account).where(
                Account.member_id == member.id,
                Account.product_code == product.code,
                Account.status != "closed",
            )
        ).first()
        if existing is not None:
            raise DuplicateAccountError(
                f"member {member.member_no} already has {product.code} account "
                f"{existing.account_no}"
            )
    if product.kind != "fixed_deposit" and (maturity or payout_account):
        raise ValidationError("--maturity/--payout-account: only for fixed-deposit products")
    instruction = None
    if product.kind == "fixed_deposit":
        from coopctl.deposits.fixed_deposits import check_instruction

        instruction = check_instruction(maturity or "payout")
    acct = create_account(uow, member, product, on or uow.today())
    if product.kind == "fixed_deposit":
        from coopctl.deposits.fixed_deposits import payout_account_for

        details = uow.session.get(DepositAccount, acct.id)
        assert details is not None
        details.maturity_instruction = instruction
        target = payout_account_for(uow, acct, payout_account)
        details.payout_account_id = target.id if target else None
        uow.session.flush()
    return acct


def create_account(uow: UnitOfWork, member: Member, product: DepositProduct, on: date) -> Account:
    """The account row and its deposit details (the caller checked permission and rules)."""
    acct = Account(
        account_no=new_account_no(uow),
        member_id=member.id,
        kind=product.kind,
        product_code=product.code,
        gl_account_id=product.control_gl_id,
        status="active",
        balance=ZERO,
        held=ZERO,
        floor=product.min_balance,
        opened_on=on,
        created_at=clock.utcnow(),
    )
    uow.session.add(acct)
    uow.session.flush()
    uow.session.add(
        DepositAccount(
            account_id=acct.id,
            product_id=product.id,
            annual_rate=product.annual_rate,
            term_days=product.term_days,
        )
    )
    uow.session.flush()
    audit.record(
        uow,
        "account.open",
        "account",
        acct.account_no,
        after={"member_no": member.member_no, "product": product.code, "opened_on": on},
    )
    return acct


def list_accounts(
    uow: UnitOfWork, *, member_no: str | None = None, status: str | None = None
) -> list[Account]:
    stmt = select(Account).order_by(Account.account_no)
    if member_no:
        member = get_member(uow, member_no)
        stmt = stmt.where(Account.member_id == member.id)
    if status:
        stmt = stmt.where(Account.status == status)
    return list(uow.session.scalars(stmt))


def account_as_dict(uow: UnitOfWork, acct: Account) -> dict[str, Any]:
    """JSON of ``accounts open/show``: account_no, member_no, product, type, status,
    balance, held, available (+ deposit details)."""
    member = uow.session.get(Member, acct.member_id) if acct.member_id else None
    out: dict[str, Any] = {
        "account_no": acct.account_no,
        "member_no": member.member_no if member else None,
        "product": acct.product_code,
        "type": acct.kind,
        "status": acct.status,
        "balance": acct.balance,
        "held": acct.held,
        "available": available(acct),
        "minimum_balance": acct.floor,
        "gl_code": acct.gl_account.code,
        "opened_on": acct.opened_on,
        "closed_on": acct.closed_on,
    }
    details = uow.session.get(DepositAccount, acct.id)
    if details is not None:
        from coopctl.deposits.products import fmt_rate

        out["annual_rate"] = fmt_rate(details.annual_rate)
        product: DepositProduct = details.product
        if acct.kind == "fixed_deposit":
            from coopctl.deposits.fixed_deposits import fd_as_dict

            out["term_days"] = details.term_days
            out["placed_on"] = details.placed_on
            out["maturity_date"] = details.maturity_date
            out.update(fd_as_dict(uow, acct))
        if acct.kind == "shares" and product.price_per_share:
            out["shares"] = int(acct.balance // product.price_per_share)
    return out


def pending_entries(uow: UnitOfWork, acct: Account) -> list[JournalEntry]:
    return list(
        uow.session.scalars(
            select(JournalEntry)
            .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
            .where(JournalLine.account_id == acct.id, JournalEntry.status == "pending")
            .distinct()
        )
    )


def close_account(
    uow: UnitOfWork,
    account_no: str,
    *,
    transfer_to: str | None = None,
    on: date | None = None,
) -> tuple[Account, Any]:
    """Close a deposit account at zero balance; with ``transfer_to`` its balance moves
    there first, in the same transaction. Returns (account, transfer PostResult | None)."""
    require(uow.operator, "accounts.manage")
    acct = lock_account(uow, account_no)
    if acct.kind not in DEPOSIT_KINDS:
        raise BusinessRuleError(
            f"account {acct.account_no} is a {acct.kind} account, not a deposit"
        )
    if acct.status == "closed":
        raise AccountNotActiveError(f"account {acct.account_no} is already closed")
    if active_holds(uow, acct):
        raise AccountNotEmptyError(
            f"account {acct.account_no} has active holds; release them first"
        )
    pending = pending_entries(uow, acct)
    if pending:
        raise AccountNotEmptyError(
            f"account {acct.account_no} has pending entries: "
            + ", ".join(e.entry_no for e in pending)
        )
    on = on or uow.today()
    result = None
    if acct.balance != 0:
        if transfer_to is None:
            raise AccountNotEmptyError(
                f"account {acct.account_no} holds {acct.balance:,.2f}; withdraw it or use "
                "--transfer-to ACCOUNT_NO"
            )
        if acct.balance < 0:  # pragma: no cover - deposit accounts never go negative
            raise AccountNotEmptyError(f"account {acct.account_no} is overdrawn")
        from coopctl.deposits.teller import transfer

        result = transfer(
            uow,
            acct.account_no,
            transfer_to,
            acct.balance,
            on=on,
            narration=f"Closing {acct.account_no}",
            closing=True,
        )
        if acct.balance != 0:  # pragma: no cover - the transfer moved it all
            raise AccountNotEmptyError(f"account {acct.account_no} still holds {acct.balance}")
    before = {"status": acct.status, "floor": acct.floor}
    acct.status = "closed"
    acct.closed_on = on
    acct.floor = ZERO
    uow.session.flush()
    audit.record(
        uow,
        "account.close",
        "account",
        acct.account_no,
        before=before,
        after={
            "status": "closed",
            "closed_on": on,
            "transfer": result.entry_no if result else None,
        },
    )
    return acct, result


def show_account(uow: UnitOfWork, account_no: str) -> Account:
    return get_account(uow, account_no)
