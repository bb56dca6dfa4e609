"""Cursor pagination: ``limit`` and ``cursor`` in, ``next_cursor`` out."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from nrhub.api.formats import MAX_ID
from nrhub.api.registry import Param
from nrhub.api.validation import invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


CURSOR_PATTERN = r"^[0-9]{0,10}$"


def encode_cursor(last_id: int) -> str:
    """The position after the last item of a page (its id, as text: clients copy it back
    into ``cursor`` without reading it). Every text of CURSOR_PATTERN is a valid cursor,
    as the OpenAPI document says."""
    return str(last_id)


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise invalid({"cursor": [_("Curseur invalide : reprenez la valeur de next_cursor.")]})
    return min(int(cursor), MAX_ID)  # no id lies beyond: an empty page


def page_limit(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    if not re.fullmatch(r"[0-9]{1,4}", text) or not 1 <= int(text) <= MAX_LIMIT:
        raise invalid(
            {
                "limit": [
                    _("Un nombre entier entre 1 et %(maximum)s est attendu.", maximum=MAX_LIMIT)
                ]
            }
        )
    return int(text)


PAGINATION_PARAMS = [
    Param(
        "limit",
        "query",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        "Nombre d'éléments par page.",
    ),
    Param(
        "cursor",
        "query",
        {"type": "string", "pattern": CURSOR_PATTERN},
        "La valeur next_cursor de la page précédente.",
    ),
]
