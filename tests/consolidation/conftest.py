from __future__ import annotations

import pytest

from tests.consolidation.factories import Scenario, scenario


@pytest.fixture
def world(app) -> Scenario:
    return scenario()


@pytest.fixture
def outbox(app) -> list:
    mailman = app.extensions["mailman"]
    mailman.outbox = []
    return mailman.outbox
