"""Reference data of the ledger area (to be built)."""
