"""Moving units between a listing's free stock and campaign commitments.

Free stock (``Listing.quantity``) never goes below zero: units are taken with one
conditional UPDATE whose row count tells whether there were enough, the only pattern that
is correct without retries on both SQLite and PostgreSQL. ``CHECK (quantity >= 0)`` on the
table is the last line of defence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm.util import identity_key

from nrhub.campaigns.messages import n_
from nrhub.catalog.models import Listing
from nrhub.db import rows_changed
from nrhub.errors import InsufficientStockError
from nrhub.extensions import db


def take_units(listing_id: int, units: int) -> None:
    """Take ``units`` out of the free stock, or raise if there are fewer (nothing taken)."""
    if units <= 0:
        return
    result = db.session.execute(
        update(Listing)
        .where(Listing.id == listing_id, Listing.quantity >= units)
        .values(quantity=Listing.quantity - units)
        .execution_options(synchronize_session=False)
    )
    _expire_quantity(listing_id)
    if rows_changed(result) != 1:
        free = db.session.execute(
            select(Listing.quantity).where(Listing.id == listing_id)
        ).scalar_one_or_none()
        free = free or 0
        raise InsufficientStockError(
            n_(
                "Stock libre insuffisant : %(num)d unité disponible, %(asked)d demandée(s).",
                "Stock libre insuffisant : %(num)d unités disponibles, %(asked)d demandée(s).",
                free,
                asked=units,
            ),
            field="committed_quantity",
        )


def give_back_units(listing_id: int, units: int) -> None:
    """Return ``units`` to the free stock (refusal, withdrawal, lower commitment, cancel)."""
    if units <= 0:
        return
    db.session.execute(
        update(Listing)
        .where(Listing.id == listing_id)
        .values(quantity=Listing.quantity + units)
        .execution_options(synchronize_session=False)
    )
    _expire_quantity(listing_id)


def give_back_all(units: Iterable[tuple[int, int]]) -> None:
    """Return units to several listings, given as (listing id, units), each listing once
    and in id order, the lock order every writer of several listings follows."""
    total: Counter[int] = Counter()
    for listing_id, count in units:
        total[listing_id] += count
    for listing_id in sorted(total):
        give_back_units(listing_id, total[listing_id])


def _expire_quantity(listing_id: int) -> None:
    listing = db.session.identity_map.get(identity_key(Listing, listing_id))
    if listing is not None:
        db.session.expire(listing, ["quantity"])
