"""Use cases that span contexts, in plain code: payroll check-off and member exit.

A workflow sits above the contexts it touches (deposits, loans, ledger) and calls
their functions directly, in one unit of work; the contexts never call back up.
"""
