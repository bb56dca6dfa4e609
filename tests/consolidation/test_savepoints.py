"""Savepoints inside a unit of work (the consolidation's own, and its purchase-order
numbering retried after a concurrent one): the cached pages' data generation moves once,
after the real commit, never when a savepoint is released or rolled back.

SQLAlchemy 2.1 calls the session's after_commit and after_rollback hooks for savepoints
too; bumping the generation there would write on a second connection while the unit still
holds SQLite's write lock (15 s then "database is locked"), or before the data is visible.
"""

from __future__ import annotations

from sqlalchemy import select, update

from nrhub.caching import Area, CacheGeneration
from nrhub.catalog.models import Listing
from nrhub.consolidation import services
from nrhub.db import sqlite_write_intent
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
from tests.consolidation import factories as f


def committed_generation(area: Area = Area.CATALOGUE) -> int:
    """The generation of ``area`` as another connection sees it (committed data only; a read-only
    transaction, which SQLite lets run beside the unit's write lock)."""
    token = sqlite_write_intent.set(False)
    try:
        with db.engine.connect() as connection:
            value = connection.execute(
                select(CacheGeneration.__table__.c.value).where(
                    CacheGeneration.__table__.c.id == area
                )
            ).scalar()
    finally:
        sqlite_write_intent.reset(token)
    return int(value or 0)


def test_savepoints_bump_the_generation_once_after_the_commit(app, world):
    listing_id = world.listings["monitor"].id
    before = committed_generation()
    with unit_of_work():
        db.session.execute(
            update(Listing).where(Listing.id == listing_id).values(quantity=Listing.quantity + 1)
        )
        with db.session.begin_nested():
            db.session.execute(
                update(Listing)
                .where(Listing.id == listing_id)
                .values(quantity=Listing.quantity + 1)
            )
        assert committed_generation() == before
        try:
            with db.session.begin_nested():
                raise ValueError("refusé dans le savepoint")
        except ValueError:
            pass
    assert committed_generation() == before + 1
    assert db.session.get(Listing, listing_id).quantity == 12


def test_a_consolidation_bumps_each_generation_once(app, world):
    before = {area: committed_generation(area) for area in Area}
    f.run(services.confirm_consolidation, world.campaign, by=world.coordinator, notify=False)
    # Every area once, but the agreements' and the accounts' (a consolidation writes no
    # agreement, person nor organisation).
    assert {area: committed_generation(area) for area in Area} == {
        area: value + (area not in (Area.MEMBERSHIPS, Area.ACCOUNTS))
        for area, value in before.items()
    }
