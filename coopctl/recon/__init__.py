"""Bank accounts and reconciliation."""
