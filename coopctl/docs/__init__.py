"""Documents attached to members, loans, journal entries or the cooperative itself."""
