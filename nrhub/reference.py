"""Reference data kept as data files (categories, legal targets, clauses, grids).

Each area registers a loader; :func:`load_reference_data` runs them all. Loaders are
idempotent upserts keyed on a natural code, so running them again changes nothing, and a
coordinator's later corrections are kept (existing rows are never overwritten).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

_LOADERS: list[Callable[[], None]] = []


def read_data(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def reference_loader(func: Callable[[], None]) -> Callable[[], None]:
    _LOADERS.append(func)
    return func


def load_reference_data() -> None:
    """Insert the missing reference rows of every area, then commit."""
    import nrhub.reference_loaders  # noqa: F401  (registers the loaders)
    from nrhub.extensions import db

    for loader in _LOADERS:
        loader()
    db.session.commit()
