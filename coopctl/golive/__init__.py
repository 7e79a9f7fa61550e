"""Go-live from spreadsheets: templates, checked all-or-nothing imports of members,
balances, loans in progress and the opening trial balance; reconciliation; lock."""
