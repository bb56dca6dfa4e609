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

from sqlalchemy.orm import Session

DATA_DIR = Path(__file__).resolve().parent / "data"

_LOADERS: list[Callable[[Session], None]] = []


def read_data(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def reference_loader(func: Callable[[Session], None]) -> Callable[[Session], None]:
    _LOADERS.append(func)
    return func


def load_reference_data(session: Session | None = None) -> None:
    """Insert the missing reference rows of every area.

    Without a session, the application's session is used: the caller's unit of work (or
    test) commits; a migration passes a session bound to its own connection and lets
    Alembic commit.
    """
    import nrhub.reference_loaders  # noqa: F401  (registers the loaders)
    from nrhub.extensions import db

    target = session if session is not None else db.session
    for loader in _LOADERS:
        loader(target)
        target.flush()
