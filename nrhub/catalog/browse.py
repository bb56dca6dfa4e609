"""The public catalogue page kept cheap under load: its filter lists and its rendered
filters-and-results block are cached (``CATALOGUE_CACHE_SECONDS`` at most, and only until
the next committed write to what the catalogue shows: see nrhub.caching).

The cached block holds nothing personal. It depends only on the language, the query
string, whether prices show, whether the "nearest" sort is offered and, for that sort,
the viewer's place (nrhub.organisations.communes), which all go into its key. The page around it
(navigation, the person's name, the CSRF token of the language switch, flashes) is
rendered for each request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from nrhub import caching
from nrhub.catalog import queries
from nrhub.catalog.queries import Sort
from nrhub.organisations import communes
from nrhub.organisations.communes import Point

T = TypeVar("T")


def _seconds() -> int:
    return int(current_app.config.get("CATALOGUE_CACHE_SECONDS", 0))


def cached(key: str, compute: Callable[[], T]) -> T:
    """``compute()``, kept under ``key`` for CATALOGUE_CACHE_SECONDS (0: not kept)."""
    return caching.cached(key, _seconds(), compute, area=caching.Area.CATALOGUE)


def cached_block(key: str, render: Callable[[], str]) -> Markup:
    """The rendered filters-and-results block, kept like :func:`cached`."""
    return caching.cached_html(key, _seconds(), render, area=caching.Area.CATALOGUE)


def category_choices(locale: str) -> list[tuple[str, str]]:
    """(code, label in ``locale``) of every category, for the category filter."""
    return cached(f"catalogue:categories:{locale}", lambda: queries.category_labels(locale))


def refurbisher_places() -> list[queries.RefurbisherPlace]:
    return cached("catalogue:places", queries.refurbisher_places)


def refurbisher_locations(places: list[queries.RefurbisherPlace]) -> list[tuple[str, str]]:
    """(department, region) of the active refurbishers, for the location filters."""
    return sorted({(place.department_code, place.region_code) for place in places})


def distances(near: Point, places: list[queries.RefurbisherPlace]) -> dict[int, int]:
    """Refurbisher id: kilometres (rounded) from ``near``, for those whose place is known."""
    result = {}
    for place in places:
        point = communes.locate(place.postcode, place.city, place.department_code)
        if point is not None:
            result[place.id] = round(communes.distance_km(near, point))
    return result


def block_key(locale: str, show_prices: bool, near: Point | None, args: MultiDict[str, Any]) -> str:
    """The cache key of the filters-and-results block: the query string normalised (empty
    values dropped, parameters sorted, so ``?a=1&b=`` and ``?b=&a=1`` share an entry) with
    everything else the block depends on (for the "nearest" sort, the viewer's place)."""
    items = sorted((k, v) for k, v in args.items(multi=True) if v)
    nearest = near if args.get("tri") == Sort.NEAREST else None
    identity = repr((locale, show_prices, near is not None, nearest, items))
    return "catalogue:block:" + hashlib.sha256(identity.encode()).hexdigest()
