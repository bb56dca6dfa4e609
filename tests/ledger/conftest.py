from __future__ import annotations

import datetime as dt

import pytest

from nrhub.campaigns.models import Campaign
from nrhub.clauses.models import Clause, ClauseForm, ClauseKind, ClauseStrength
from nrhub.extensions import db


def make_clause(kind: ClauseKind, title: str = "Clause") -> Clause:
    clause = Clause(
        title=title,
        text="Texte de la clause.",
        kind=kind,
        form=ClauseForm.CLAUSE,
        strength=ClauseStrength.COERCIVE,
        theme="reuse",
        source="Test",
    )
    db.session.add(clause)
    db.session.flush()
    return clause


def make_campaign(clauses: list[Clause]) -> Campaign:
    campaign = Campaign(
        title="Campagne portables 2025",
        opens_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        closes_at=dt.datetime(2025, 2, 1, tzinfo=dt.UTC),
    )
    campaign.clauses = clauses
    db.session.add(campaign)
    db.session.flush()
    return campaign


@pytest.fixture
def clause_factory():  # type: ignore[no-untyped-def]
    return make_clause


@pytest.fixture
def campaign_factory():  # type: ignore[no-untyped-def]
    return make_campaign
