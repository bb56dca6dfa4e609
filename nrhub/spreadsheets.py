"""Reading spreadsheets as French offices export them, and writing CSV they open cleanly.

Reading: CSV with ``;`` or ``,`` separators, UTF-8 (with or without BOM) or Windows-1252,
or XLSX. Writing: ``;``-separated UTF-8 with BOM and decimal commas for people, and cells
that a spreadsheet would run as a formula neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from openpyxl import load_workbook

MAX_ROWS = 50_000


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read; the message (translated) is shown as is."""


@dataclass(frozen=True)
class Sheet:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (line number in the file, cells by column)
    # Lines with a filled cell beyond the header's named columns (such cells are dropped).
    overflowing_lines: list[int] = field(default_factory=list)


def read_table(data: bytes, filename: str = "", max_rows: int = MAX_ROWS) -> Sheet:
    """Read a CSV or XLSX upload into a header and numbered rows of stripped strings."""
    if not data or not data.strip():
        raise SpreadsheetError(_("Le fichier est vide."))
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        return _read_xlsx(data, max_rows)
    return _read_csv(data, max_rows)


def _too_long(max_rows: int) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "Le fichier dépasse %(num)s lignes : découpez-le.",
            num=f"{max_rows:,}".replace(",", " "),
        )
    )


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as err:
        raise SpreadsheetError(
            _("Encodage du fichier non reconnu : enregistrez-le en CSV UTF-8 ou Windows-1252.")
        ) from err
    if "\x00" in text:
        raise SpreadsheetError(_("Ce fichier n'est pas un CSV lisible (contenu binaire)."))
    return text


def _read_csv(data: bytes, max_rows: int) -> Sheet:
    text = _decode(data)
    if "\x00" in text:
        raise SpreadsheetError(_("Ce fichier n'est pas un CSV lisible (contenu binaire)."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header_cells = next(reader)
    except StopIteration as err:
        raise SpreadsheetError(_("Le fichier est vide.")) from err
    except csv.Error as err:
        raise SpreadsheetError(_("CSV illisible : %(error)s.", error=err)) from err
    header = [h.strip().lower() for h in header_cells]
    rows: list[tuple[int, dict[str, str]]] = []
    overflowing: list[int] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if _overflows(header, cells):
                overflowing.append(reader.line_num)
            if len(rows) >= max_rows:
                raise _too_long(max_rows)
            rows.append((reader.line_num, _row(header, cells)))
    except csv.Error as err:
        raise SpreadsheetError(
            _("CSV illisible ligne %(line)d : %(error)s.", line=reader.line_num, error=err)
        ) from err
    if not rows:
        raise SpreadsheetError(_("Le fichier ne contient aucune ligne de données."))
    return Sheet(header, rows, overflowing)


def _read_xlsx(data: bytes, max_rows: int) -> Sheet:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds on a broken file
        raise SpreadsheetError(_("Ce fichier XLSX est illisible.")) from err
    sheet = workbook.worksheets[0]
    iterator: Iterator[Sequence[Any]] = sheet.iter_rows(values_only=True)
    try:
        header = [_cell_text(c).lower() for c in next(iterator)]
    except StopIteration as err:
        raise SpreadsheetError(_("Le fichier est vide.")) from err
    rows: list[tuple[int, dict[str, str]]] = []
    overflowing: list[int] = []
    for number, values in enumerate(iterator, start=2):
        cells = [_cell_text(v) for v in values]
        if not any(cells):
            continue
        if _overflows(header, cells):
            overflowing.append(number)
        if len(rows) >= max_rows:
            raise _too_long(max_rows)
        rows.append((number, _row(header, cells)))
    workbook.close()
    if not rows:
        raise SpreadsheetError(_("Le fichier ne contient aucune ligne de données."))
    return Sheet(header, rows, overflowing)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _overflows(header: list[str], cells: Sequence[str]) -> bool:
    """A filled cell beyond the header, or under a column without a name."""
    return any(cell.strip() and (i >= len(header) or not header[i]) for i, cell in enumerate(cells))


def _row(header: list[str], cells: Sequence[str]) -> dict[str, str]:
    return {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}


# ASCII digits only: Decimal() would also read "٣" or "３".
_DECIMAL = re.compile(r"-?[0-9]+([.,][0-9]+)?")


def parse_decimal(text: str) -> Decimal:
    """``1 234,50``, ``1234.50`` or ``1234,5 €`` → Decimal; ValueError otherwise."""
    cleaned = text.replace("\xa0", "").replace("\u202f", "").replace(" ", "").replace("€", "")
    if not _DECIMAL.fullmatch(cleaned):
        raise ValueError(text)
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation as err:
        raise ValueError(text) from err


def parse_date(text: str) -> dt.date:
    """``28/11/2026`` or ``2026-11-28`` → date; ValueError otherwise."""
    text = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def neutralise(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection)."""
    if value and value[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def french_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return neutralise(str(value))


def french_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV for French spreadsheets: ``;``, UTF-8 with BOM, decimal comma, safe cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([french_cell(v) for v in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> ResponseReturnValue:
    """A Flask response downloading :func:`french_csv`."""
    from flask import Response

    return Response(
        french_csv(header, rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )
