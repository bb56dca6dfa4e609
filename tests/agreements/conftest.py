"""Fixtures of the legal frame tests: the campaigns area's people, campaigns and offers,
and a framework agreement with one lot held by the campaigns' refurbisher."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from nrhub.agreements import frameworks
from nrhub.agreements.models import Ccag, FrameworkAgreement, FrameworkLot, Procedure
from nrhub.campaigns.models import Campaign, CampaignState
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
from tests.campaigns import conftest as campaigns
from tests.campaigns.conftest import MakeCampaign, People, category_ids

# The campaigns area's fixtures, shared here.
people = campaigns.people
listing = campaigns.listing
make_campaign = campaigns.make_campaign
make_offer = campaigns.make_offer


def make_framework(
    people: People,
    *,
    maximum: str = "10000.00",
    lot_maximum: str | None = None,
    reference: str = "AC-2026-01",
    holders: tuple[int, ...] | None = None,
) -> tuple[FrameworkAgreement, FrameworkLot]:
    """An agreement with lot 1 (laptops and smartphones), held by ``holders`` (default: the
    people's refurbisher)."""
    with unit_of_work():
        agreement = frameworks.create_framework(
            frameworks.FrameworkData(
                title="Matériel reconditionné",
                reference=reference,
                procedure=Procedure.OPEN_TENDER,
                awarded_on=dt.date(2026, 1, 5),
                duration_months=48,
                maximum_amount=Decimal(maximum),
                ccag=Ccag.TIC,
            ),
            by=people.coordinator,
        )
        lot = frameworks.add_lot(
            agreement,
            frameworks.LotData(
                1,
                "Postes de travail",
                "30213000-5",
                Decimal(lot_maximum) if lot_maximum else None,
                tuple(category_ids("laptop", "smartphone")),
            ),
            by=people.coordinator,
        )
        for org_id in holders if holders is not None else (people.refurbisher.organisation_id,):
            frameworks.add_holder(lot, org_id, f"REF-{org_id}", by=people.coordinator)
    return agreement, lot


def attach(campaign: Campaign, lot: FrameworkLot) -> Campaign:
    """Put a test campaign under the lot (the fixtures build campaigns in their state)."""
    db.session.execute(
        db.update(Campaign).where(Campaign.id == campaign.id).values(framework_lot_id=lot.id)
    )
    db.session.commit()
    db.session.refresh(campaign)
    return campaign


@pytest.fixture
def framework(people: People) -> tuple[FrameworkAgreement, FrameworkLot]:
    return make_framework(people)


@pytest.fixture
def call_off(
    people: People, make_campaign: MakeCampaign, framework: tuple[FrameworkAgreement, FrameworkLot]
) -> Campaign:
    return attach(make_campaign(CampaignState.OPEN), framework[1])


def amounts(agreement_id: int, lot_id: int) -> tuple[Decimal, Decimal]:
    db.session.expire_all()
    agreement = db.session.get(FrameworkAgreement, agreement_id)
    lot = db.session.get(FrameworkLot, lot_id)
    assert agreement is not None and lot is not None
    return agreement.ordered_amount, lot.ordered_amount
