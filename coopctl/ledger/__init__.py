"""The double-entry ledger: chart of accounts, journal, posting engine, periods, checks."""
