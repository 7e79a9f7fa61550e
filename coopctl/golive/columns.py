"""The go-live templates: their columns, what each means, and a filled example (pure).

The column lists are the contract of ``../shared/CLI.md`` (``golive``); the
descriptions feed the XLSX templates' header comments and ``docs/golive.md``.
"""

from __future__ import annotations

KINDS = ("members", "accounts", "loans", "gl")

COLUMNS: dict[str, tuple[str, ...]] = {
    "members": (
        "legacy_id", "first_name", "last_name", "phone", "email", "dob", "bvn", "nin",
        "joined_on",
    ),
    "accounts": (
        "member", "product", "opening_balance", "opened_on", "placed_on", "maturity_date", "rate",
    ),
    "loans": (
        "member", "product", "principal", "annual_rate", "term", "disbursed_on",
        "installments_paid", "outstanding_principal", "arrears_principal", "arrears_interest",
        "arrears_penalty", "arrears_since", "guarantors",
    ),
    "gl": ("gl_code", "debit", "credit"),
}  # fmt: skip

REQUIRED: dict[str, tuple[str, ...]] = {
    "members": ("legacy_id", "first_name", "last_name", "phone", "joined_on"),
    "accounts": ("member", "product", "opening_balance", "opened_on"),
    "loans": (
        "member", "product", "principal", "term", "disbursed_on", "outstanding_principal",
    ),
    "gl": ("gl_code", "debit", "credit"),
}  # fmt: skip

DESCRIPTIONS: dict[str, str] = {
    "legacy_id": "the member's id in the old system (unique; accounts and loans may use it)",
    "first_name": "given name",
    "last_name": "surname",
    "phone": "phone number (+234… or 080…)",
    "email": "e-mail address (optional)",
    "dob": "date of birth YYYY-MM-DD (optional)",
    "bvn": "Bank Verification Number, 11 digits (optional, unique)",
    "nin": "National Identification Number, 11 digits (optional, unique)",
    "joined_on": "date the member joined, YYYY-MM-DD",
    "member": "member number (M…) or the legacy_id of the members template",
    "product": "deposit or loan product code (coopctl products list)",
    "opening_balance": "balance on the go-live date, e.g. 125000.00",
    "opened_on": "date the account was opened, YYYY-MM-DD",
    "placed_on": "fixed deposits: placement date",
    "maturity_date": "fixed deposits: maturity date (after placed_on)",
    "rate": "fixed deposits: annual rate in percent (empty: the product's)",
    "principal": "original principal lent",
    "annual_rate": "annual rate in percent (empty: the product's)",
    "term": "number of installments of the original schedule",
    "disbursed_on": "disbursement date, YYYY-MM-DD",
    "installments_paid": "installments fully repaid so far",
    "outstanding_principal": "principal still owed on the go-live date (arrears included)",
    "arrears_principal": "overdue principal (part of outstanding_principal)",
    "arrears_interest": "overdue interest (interest receivable)",
    "arrears_penalty": "overdue penalties (penalties receivable)",
    "arrears_since": "due date of the oldest unpaid installment (needed with arrears)",
    "guarantors": "MEMBER:AMOUNT;MEMBER:AMOUNT — guarantees to restore as holds",
    "gl_code": "GL account code (coopctl ledger accounts)",
    "debit": "debit balance on the go-live date (0 when credit)",
    "credit": "credit balance on the go-live date (0 when debit)",
}

# A filled example: a cooperative of 3 members, 4 accounts, 1 loan in progress.
EXAMPLE: dict[str, list[tuple[str, ...]]] = {
    "members": [
        ("OLD-001", "Adaeze", "Okafor", "08031234567", "adaeze@example.ng", "1985-04-12",
         "", "", "2019-03-01"),
        ("OLD-002", "Bola", "Adeyemi", "08039876543", "", "1979-11-30", "", "", "2018-07-15"),
        ("OLD-003", "Chinedu", "Eze", "08051112222", "", "", "", "", "2020-01-10"),
    ],
    "accounts": [
        ("OLD-001", "SAV", "50000.00", "2019-03-01", "", "", ""),
        ("OLD-002", "SAV", "400000.00", "2018-07-15", "", "", ""),
        ("OLD-003", "SHR", "20000.00", "2020-01-10", "", "", ""),
        ("OLD-002", "FD90", "100000.00", "2026-10-01", "2026-10-01", "2026-12-30", "10"),
    ],
    "loans": [
        ("OLD-001", "LN-DEI", "300000.00", "", "12", "2026-01-19", "9", "120000.00",
         "28000.00", "1200.00", "300.00", "2026-10-19", "OLD-002:300000"),
    ],
    "gl": [
        ("1110", "200000.00", "0"), ("1121", "300000.00", "0"), ("1210", "120000.00", "0"),
        ("1220", "1200.00", "0"), ("1230", "300.00", "0"), ("1510", "50000.00", "0"),
        ("2110", "0", "450000.00"), ("2120", "0", "100000.00"), ("3100", "0", "20000.00"),
        ("3200", "0", "50000.00"), ("3300", "0", "51500.00"),
    ],
}  # fmt: skip
