"""Report templates and styles shipped with coopctl (data, editable by operators)."""
