"""The preview of a stock import: parse, compare, keep the lines under a token."""

from __future__ import annotations

from flask_babel import gettext as _

from nrhub.access import require
from nrhub.auth.models import User
from nrhub.catalog import policy
from nrhub.catalog.importing.columns import MAX_LINES
from nrhub.catalog.importing.diff import classify, existing_listings
from nrhub.catalog.importing.lines import ImportIssue, ImportPreview
from nrhub.catalog.importing.parse import header_map, parse_rows
from nrhub.catalog.importing.tokens import save_lines
from nrhub.errors import ValidationError
from nrhub.spreadsheets import SpreadsheetError, read_table


def require_refurbisher(by: User) -> None:
    require(policy.can_import_stock(by))


def preview_import(data: bytes, filename: str, *, by: User) -> ImportPreview:
    """Check a stock file and keep its lines server-side for :func:`apply_import`.

    Raises :class:`ValidationError` when the file as a whole is unreadable (empty, wrong
    encoding, too many lines, unknown columns); line errors are listed in the preview.
    """
    require_refurbisher(by)
    try:
        sheet = read_table(data, filename, max_rows=MAX_LINES)
    except SpreadsheetError as err:
        raise ValidationError(str(err), field="file") from err
    preview = ImportPreview(filename=filename, total_lines=len(sheet.rows))
    mapping = header_map(sheet.header, preview.warnings)
    preview.warnings.extend(
        ImportIssue(
            line,
            "",
            _(
                "Cette ligne a des cellules au-delà des colonnes de l'en-tête : "
                "elles sont ignorées."
            ),
        )
        for line in sheet.overflowing_lines
    )
    existing = existing_listings(by.organisation_id)
    parsed = parse_rows(sheet.rows, mapping, existing, preview.errors)
    to_write = classify(parsed, preview)
    preview.errors.sort(key=lambda issue: issue.line)
    if not preview.errors and to_write:
        preview.token = save_lines(by, filename, to_write)
    return preview
