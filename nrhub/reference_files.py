"""Reference data files and the registry of their loaders (below the areas).

Each area's ``reference`` module reads its data file and registers a loader here;
:func:`nrhub.reference.load_reference_data` runs them all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Table, column, insert, inspect, table
from sqlalchemy.orm import Session

DATA_DIR = Path(__file__).resolve().parent / "data"

LOADERS: list[Callable[[Session], None]] = []


def read_data(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def insert_rows(session: Session, model_table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert reference rows with the columns the database has now.

    The seeding migration (0002) runs the loaders on the schema of its time: a column added
    by a later migration is left out here (that migration sets it), and a row the schema
    cannot hold yet (a value left empty in a column still required) is left for the later
    migration that allows it to insert.
    """
    columns = inspect(session.connection()).get_columns(model_table.name)
    present = {c["name"] for c in columns}
    required = {c["name"] for c in columns if not c["nullable"]}
    kept = [
        {k: v for k, v in row.items() if k in present}
        for row in rows
        if not any(row.get(name, 0) is None for name in required)
    ]
    if kept:
        target = table(
            model_table.name,
            *(column(c.name, c.type) for c in model_table.columns if c.name in present),
        )
        session.execute(insert(target), kept)


def reference_loader(func: Callable[[Session], None]) -> Callable[[Session], None]:
    LOADERS.append(func)
    return func
