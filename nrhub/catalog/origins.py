"""Where a listing's units come from: a donated lot its refurbisher picked up.

The donations area sits above the catalogue (areas import downward only), so it provides
the two answers the catalogue needs when its blueprint is registered (:func:`provide`).
Without it, a listing has no origin to choose or to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from flask.sansio.app import App

if TYPE_CHECKING:
    from nrhub.catalog.models import Listing
    from nrhub.organisations.models import Organisation

EXTENSION = "nrhub_listing_origins"


@dataclass(frozen=True)
class OriginProvider:
    # (lot id, label) of the lots a refurbisher picked up units of, newest first.
    lots_picked_up_by: Callable[[int], list[tuple[int, str]]]
    # The authority whose donated lot a listing's units come from.
    donor_of_listing: Callable[[Listing], Organisation | None]


def provide(app: App, provider: OriginProvider) -> None:
    app.extensions[EXTENSION] = provider


def _provider() -> OriginProvider | None:
    return current_app.extensions.get(EXTENSION)


def lots_picked_up_by(refurbisher_id: int) -> list[tuple[int, str]]:
    provider = _provider()
    return provider.lots_picked_up_by(refurbisher_id) if provider else []


def donor_of_listing(listing: Listing) -> Organisation | None:
    provider = _provider()
    if provider is None or listing.donation_lot_id is None:
        return None
    return provider.donor_of_listing(listing)
