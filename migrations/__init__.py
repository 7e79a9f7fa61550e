"""Alembic migration environment of coopctl (shipped as ``coopctl.migrations``)."""
