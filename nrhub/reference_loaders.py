"""Imports every area's reference loader."""

import nrhub.catalog.reference
import nrhub.clauses.reference
import nrhub.ledger.reference  # noqa: F401
