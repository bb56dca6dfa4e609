"""Stock import: a refurbisher's spreadsheet previewed, then applied all-or-nothing.

The preview reads the file with :func:`nrhub.spreadsheets.read_table`, checks every line with
the same rules as the listing form, and sorts lines into "to create", "to update" (by SKU)
and "unchanged", with every error's line and column. The parsed lines are kept server-side
in a JSON file named by a random token and bound to the organisation; applying re-reads
the current listings and writes everything in one transaction with bulk statements (no
per-line ORM queries), so that 10,000 lines take seconds.

One module per step: :mod:`.columns`, :mod:`.parse`, :mod:`.diff`, :mod:`.preview`,
:mod:`.tokens` (the previewed lines on disk), :mod:`.apply`; the result types in
:mod:`.lines`.
"""

from __future__ import annotations

from nrhub.catalog.importing.apply import apply_import
from nrhub.catalog.importing.columns import (
    ALIASES,
    CLEAR_MARKER,
    COLUMNS,
    FIELD_LABELS,
    MAX_LINES,
    REQUIRED_TO_CREATE,
    SHOWN_LINES,
    STATUSES,
    TEMPLATE_ROWS,
    ColumnHelp,
    column_help,
    status_word,
    template_rows,
)
from nrhub.catalog.importing.diff import describe_changes
from nrhub.catalog.importing.lines import (
    FieldChange,
    ImportIssue,
    ImportLine,
    ImportPreview,
    ImportResult,
)
from nrhub.catalog.importing.preview import preview_import
from nrhub.catalog.importing.tokens import TOKEN_LIFETIME

__all__ = [
    "ALIASES",
    "CLEAR_MARKER",
    "COLUMNS",
    "FIELD_LABELS",
    "MAX_LINES",
    "REQUIRED_TO_CREATE",
    "SHOWN_LINES",
    "STATUSES",
    "TEMPLATE_ROWS",
    "TOKEN_LIFETIME",
    "ColumnHelp",
    "FieldChange",
    "ImportIssue",
    "ImportLine",
    "ImportPreview",
    "ImportResult",
    "apply_import",
    "column_help",
    "describe_changes",
    "preview_import",
    "status_word",
    "template_rows",
]
