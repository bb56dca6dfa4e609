"""Reference data of the clauses area (to be built)."""
