"""Members, KYC and documents."""
