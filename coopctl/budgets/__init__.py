"""Annual budgets per GL account and month; maker-checker approval; variance."""
