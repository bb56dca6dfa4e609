"""Imports every area's reference loader (each area appends its own module here)."""

import nrhub.catalog.reference  # noqa: F401
