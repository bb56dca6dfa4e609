"""Reference data kept as data files (categories, legal targets, clauses, grids).

Each area registers a loader (:mod:`nrhub.reference_files`); :func:`load_reference_data`
runs them all. Loaders are idempotent upserts keyed on a natural code, so running them
again changes nothing, and a coordinator's later corrections are kept (existing rows are
never overwritten).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

import nrhub.reference_loaders  # noqa: F401  (registers the loaders)
from nrhub.reference_files import DATA_DIR as DATA_DIR
from nrhub.reference_files import LOADERS as _LOADERS
from nrhub.reference_files import insert_rows as insert_rows
from nrhub.reference_files import read_data as read_data
from nrhub.reference_files import reference_loader as reference_loader


def load_reference_data(session: Session | None = None) -> None:
    """Insert the missing reference rows of every area.

    Without a session, the application's session is used: the caller's unit of work (or
    test) commits; a migration passes a session bound to its own connection and lets
    Alembic commit.
    """
    from nrhub.extensions import db

    target = session if session is not None else db.session()  # the scoped session's own
    for loader in _LOADERS:
        loader(target)
        target.flush()
