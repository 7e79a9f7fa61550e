"""The built-in kinds of action, registered explicitly (imported, never probed).

A context that adds a kind (dividends, payment assignment, dormancy
reactivation, member erasure, …) adds one line to :func:`register_builtin`
calling its own ``register_kinds()``, and a ``[approvals.<kind>]`` section to
the config schema.
"""

from __future__ import annotations


def register_builtin() -> None:
    from coopctl.budgets import service as budgets
    from coopctl.deposits import dormancy, teller
    from coopctl.dividends import service as dividends
    from coopctl.ledger import approvals as ledger_approvals
    from coopctl.loans import committee, writeoff
    from coopctl.members import erasure, kyc
    from coopctl.payments import service as payments
    from coopctl.workflows import member_exit

    ledger_approvals.register_kinds()  # manual_journal, reversal
    teller.register_kinds()  # withdrawal, transfer
    kyc.register_kinds()  # kyc
    writeoff.register_kinds()  # writeoff
    member_exit.register_kinds()  # member_exit
    budgets.register_kinds()  # budget
    committee.register_kinds()  # loan
    payments.register_kinds()  # payment_assignment
    dividends.register_kinds()  # dividend
    dormancy.register_kinds()  # account_reactivation
    erasure.register_kinds()  # member_erasure
