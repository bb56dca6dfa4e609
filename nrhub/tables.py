"""Data tables that turn into stacked cards on a phone.

On a narrow screen (app.css) each row of a wide table becomes a card and each cell shows
its column's name before its value. The names come from the table's own header row: this
module copies each column header's text into a ``data-label`` attribute of the cells of
that column, once the table is rendered (templates/_macros/tables.html), so that no
template repeats its headers.
"""

from __future__ import annotations

import re
from html import unescape

from markupsafe import Markup, escape

_HEAD = re.compile(r"<thead\b.*?</thead>", re.S | re.I)
_ROW = re.compile(r"<tr\b.*?</tr>", re.S | re.I)
_CELL = re.compile(r"<(t[hd])\b([^>]*)>(.*?)</\1>", re.S | re.I)
# In a table's body: the start of a row, or a cell's opening tag (its tag letter, attributes).
_BODY_TOKEN = re.compile(r"<tr\b|<t([hd])\b([^>]*)>", re.I)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_SPAN = re.compile(r'\bcolspan="?(\d+)', re.I)
_BODY = re.compile(r"(<t(?:body|foot)\b[^>]*>)(.*?)(</t(?:body|foot)>)", re.S | re.I)


def _span(attributes: str) -> int:
    found = _SPAN.search(attributes)
    return max(1, min(int(found.group(1)), 50)) if found else 1


def _text(html: str) -> str:
    """A header's words, without its tags and sort arrows."""
    text = _TAG.sub(" ", html)
    text = text.replace("▲", "").replace("▼", "")
    return _SPACES.sub(" ", unescape(text)).strip()


def column_labels(table_html: str) -> list[str]:
    """The label of each column, from the last row of the table's header."""
    head = _HEAD.search(table_html)
    if head is None:
        return []
    rows = _ROW.findall(head.group(0))
    if not rows:
        return []
    labels: list[str] = []
    for _tag, attributes, content in _CELL.findall(rows[-1]):
        labels.extend([_text(content)] * _span(attributes))
    return labels


def stack_labels(table_html: Markup) -> Markup:
    """The table with ``data-label="<column header>"`` on each cell of its body and foot.

    ``table_html`` is markup the template engine rendered and escaped; the labels added are
    escaped here, so the result stays safe.
    """
    html = str(table_html)
    labels = column_labels(html)
    if not any(labels):
        return Markup(html)  # noqa: S704  # nosec B704

    named = [str(escape(label)) for label in labels]

    def body(match: re.Match[str]) -> str:
        column = 0

        def labelled(token: re.Match[str]) -> str:
            nonlocal column
            if token.group(1) is None:  # a new row
                column = 0
                return token.group(0)
            attributes = token.group(2)
            span = _span(attributes) if "colspan" in attributes else 1
            name = named[column] if column < len(named) else ""
            column += span
            if not name or span > 1 or "data-label" in attributes:
                return token.group(0)
            return f'<t{token.group(1)}{attributes} data-label="{name}">'

        return match.group(1) + _BODY_TOKEN.sub(labelled, match.group(2)) + match.group(3)

    return Markup(_BODY.sub(body, html))  # noqa: S704  # nosec B704
