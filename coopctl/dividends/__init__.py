"""Dividends and interest rebates: the surplus shared at the annual general meeting."""
