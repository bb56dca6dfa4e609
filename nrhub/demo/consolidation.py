"""Demo data of the consolidation area (to be built)."""

from __future__ import annotations


def load() -> None:
    """Idempotent: running it twice changes nothing."""
