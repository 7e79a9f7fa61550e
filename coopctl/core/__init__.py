"""Cross-cutting foundations: config, database, money, errors, clock, ids, security, audit."""
