from __future__ import annotations

import datetime as dt

import pytest

from nrhub.campaigns.models import Campaign, CampaignState
from nrhub.clauses.models import Clause, ClauseKind
from tests import factories


def make_clause(kind: ClauseKind, title: str = "Clause") -> Clause:
    return factories.ClauseFactory(kind=kind, title=title, source="Test")


def make_campaign(clauses: list[Clause]) -> Campaign:
    return factories.CampaignFactory(
        title="Campagne portables 2025",
        opens_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        closes_at=dt.datetime(2025, 2, 1, tzinfo=dt.UTC),
        clauses=clauses,
        state=CampaignState.DRAFT,
    )


@pytest.fixture
def clause_factory():  # type: ignore[no-untyped-def]
    return make_clause


@pytest.fixture
def campaign_factory():  # type: ignore[no-untyped-def]
    return make_campaign
