from __future__ import annotations

import datetime as dt

import pytest

from nrhub.consolidation import services
from nrhub.extensions import db
from tests.consolidation.factories import Scenario, scenario

# Consolidated on 2 October 2026 at 11:00, Paris time.
CONSOLIDATED_AT = dt.datetime(2026, 10, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(app) -> Scenario:
    """The consolidation scenario, still closed (nothing to publish yet)."""
    return scenario()


@pytest.fixture
def consolidated(world: Scenario) -> Scenario:
    """The scenario consolidated (proportional rule), delivered until 15 January 2027."""
    world.campaign.delivery_from = dt.date(2026, 11, 2)
    world.campaign.delivery_to = dt.date(2027, 1, 15)
    db.session.commit()
    services.confirm_consolidation(
        world.campaign, by=world.coordinator, at=CONSOLIDATED_AT, notify=False
    )
    db.session.commit()  # the use case leaves the commit to its caller
    db.session.expire_all()
    return world
