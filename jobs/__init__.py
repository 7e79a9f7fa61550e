"""Job catalogue shipped with coopctl (data, editable by operators)."""
