"""The default chart of accounts of a Nigerian savings-and-credit cooperative.

Columns: code, name, type, parent, manual journals allowed, cash-flow category,
flags (H = header/group, C = control account with a member sub-ledger,
X = contra account). Codes are referenced by the other contexts through
:data:`GL` so nobody hard-codes a number twice.
"""

from __future__ import annotations

# code   name                                         type        parent  manual cash-flow   flags
DEFAULT_CHART: list[tuple[str, str, str, str | None, bool, str, str]] = [
    ("1000", "Assets",                                "asset",     None,   False, "none",      "H"),
    ("1100", "Cash and cash equivalents",             "asset",     "1000", False, "cash",      "H"),
    ("1110", "Cash on hand",                          "asset",     "1100", True,  "cash",      ""),
    ("1120", "Bank accounts",                         "asset",     "1100", False, "cash",      "H"),
    ("1121", "Bank - main current account",           "asset",     "1120", True,  "cash",      ""),
    ("1130", "Payment gateway clearing",              "asset",     "1100", True,  "cash",      ""),
    ("1200", "Loans to members",                      "asset",     "1000", False, "operating", "H"),
    ("1210", "Loans to members - principal",          "asset",     "1200", False, "operating", "C"),
    ("1220", "Interest receivable on loans",          "asset",     "1200", False, "operating", ""),
    ("1230", "Fees and penalties receivable",         "asset",     "1200", False, "operating", ""),
    ("1290", "Loan-loss provision",                   "asset",     "1200", False, "operating", "X"),
    ("1300", "Investments",                           "asset",     "1000", False, "investing", "H"),
    ("1310", "Fixed deposits with banks",             "asset",     "1300", True,  "investing", ""),
    ("1400", "Other receivables",                     "asset",     "1000", False, "operating", "H"),
    ("1410", "Sundry receivables",                    "asset",     "1400", True,  "operating", ""),
    ("1420", "Prepayments",                           "asset",     "1400", True,  "operating", ""),
    ("1500", "Property and equipment",                "asset",     "1000", False, "investing", "H"),
    ("1510", "Furniture and equipment",               "asset",     "1500", True,  "investing", ""),
    ("1590", "Accumulated depreciation",              "asset",     "1500", True,  "operating", "X"),
    ("2000", "Liabilities",                           "liability", None,   False, "none",      "H"),
    ("2100", "Members' deposits",                     "liability", "2000", False, "operating", "H"),
    ("2110", "Members' savings",                      "liability", "2100", False, "operating", "C"),
    ("2120", "Members' fixed deposits",               "liability", "2100", False, "operating", "C"),
    ("2200", "Payables",                              "liability", "2000", False, "operating", "H"),
    ("2210", "Interest payable on savings",           "liability", "2200", False, "operating", ""),
    ("2220", "WHT payable",                           "liability", "2200", True,  "operating", ""),
    ("2230", "Accounts payable",                      "liability", "2200", True,  "operating", ""),
    ("2240", "Dividends payable",                     "liability", "2200", True,  "financing", ""),
    ("2250", "Loan overpayments",                     "liability", "2200", False, "operating", ""),
    ("2260", "Members' refunds payable",              "liability", "2200", False, "operating", ""),
    ("2300", "Borrowings",                            "liability", "2000", False, "financing", "H"),
    ("2310", "Bank borrowings",                       "liability", "2300", True,  "financing", ""),
    ("2900", "Suspense",                              "liability", "2000", True,  "operating", ""),
    ("3000", "Equity",                                "equity",    None,   False, "none",      "H"),
    ("3100", "Members' share capital",                "equity",    "3000", False, "financing", "C"),
    ("3200", "Statutory reserve",                     "equity",    "3000", True,  "financing", ""),
    ("3300", "Retained earnings",                     "equity",    "3000", True,  "none",      ""),
    ("4000", "Income",                                "income",    None,   False, "operating", "H"),
    ("4100", "Interest income on loans",              "income",    "4000", True,  "operating", ""),
    ("4200", "Fee income",                            "income",    "4000", True,  "operating", ""),
    ("4300", "Penalty income",                        "income",    "4000", True,  "operating", ""),
    ("4400", "Recovery income (bad debts recovered)", "income",    "4000", True,  "operating", ""),
    ("4500", "Investment income",                     "income",    "4000", True,  "operating", ""),
    ("4900", "Other income",                          "income",    "4000", True,  "operating", ""),
    ("5000", "Expenses",                              "expense",   None,   False, "operating", "H"),
    ("5100", "Interest expense on savings",           "expense",   "5000", True,  "operating", ""),
    ("5200", "Loan-loss provision expense",           "expense",   "5000", True,  "operating", ""),
    ("5300", "Loans written off",                     "expense",   "5000", True,  "operating", ""),
    ("5400", "Staff costs",                           "expense",   "5000", True,  "operating", ""),
    ("5500", "Administrative expenses",               "expense",   "5000", True,  "operating", ""),
    ("5600", "Bank charges",                          "expense",   "5000", True,  "operating", ""),
    ("5700", "Depreciation",                          "expense",   "5000", True,  "operating", ""),
]  # fmt: skip


class GL:
    """Well-known GL codes used by the posting contexts."""

    CASH = "1110"
    BANK_MAIN = "1121"
    GATEWAY_CLEARING = "1130"
    LOANS = "1210"
    INTEREST_RECEIVABLE = "1220"
    FEES_RECEIVABLE = "1230"
    LOAN_LOSS_PROVISION = "1290"
    SAVINGS = "2110"
    FIXED_DEPOSITS = "2120"
    INTEREST_PAYABLE = "2210"
    WHT_PAYABLE = "2220"
    DIVIDENDS_PAYABLE = "2240"
    LOAN_OVERPAYMENTS = "2250"
    REFUNDS_PAYABLE = "2260"
    SUSPENSE = "2900"
    SHARE_CAPITAL = "3100"
    STATUTORY_RESERVE = "3200"
    RETAINED_EARNINGS = "3300"
    INTEREST_INCOME = "4100"
    FEE_INCOME = "4200"
    PENALTY_INCOME = "4300"
    RECOVERY_INCOME = "4400"
    INTEREST_EXPENSE = "5100"
    PROVISION_EXPENSE = "5200"
    WRITE_OFF_EXPENSE = "5300"


def normal_balance(gl_type: str, contra: bool) -> str:
    natural = "debit" if gl_type in ("asset", "expense") else "credit"
    if contra:
        return "credit" if natural == "debit" else "debit"
    return natural
