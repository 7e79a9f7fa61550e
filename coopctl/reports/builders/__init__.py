"""Report builders: each returns :class:`coopctl.reports.model.Report` data.

One module per family; the registry in :mod:`coopctl.reports.service` maps
report names to builders.
"""
