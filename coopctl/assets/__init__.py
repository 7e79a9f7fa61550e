"""Operator-editable data shipped with coopctl (job catalogue, report templates)."""
