"""The campaigns demo loader: idempotent, through the services, with the contracted data."""

from __future__ import annotations

from nrhub.campaigns import queries
from nrhub.campaigns.models import Campaign, CampaignState, Order
from nrhub.demo import campaigns, catalog, organisations
from nrhub.extensions import db
from nrhub.reference import load_reference_data


def test_demo_campaigns_are_idempotent_and_oversubscribed(app):
    organisations.load()
    catalog.load()
    load_reference_data()
    campaigns.load()
    campaigns.load()
    by_title = {c.title: c for c in db.session.execute(db.select(Campaign)).scalars()}
    assert len(by_title) == 4
    assert by_title["Campagne printemps 2027 — postes de travail"].state == CampaignState.DRAFT
    open_one = by_title["Campagne hiver 2026 — portables et smartphones"]
    assert open_one.state == CampaignState.OPEN
    for title in (
        "Campagne automne 2025 — équipement des écoles",
        "Campagne printemps 2026 — renouvellement des mairies",
    ):
        campaign = by_title[title]
        assert campaign.state == CampaignState.CLOSED
        buyers = (
            db.session.execute(db.select(Order.buyer_id).where(Order.campaign_id == campaign.id))
            .scalars()
            .all()
        )
        assert len(buyers) >= 6
        assert {
            organisations.organisation("vitre").id,
            organisations.organisation("lannion").id,
        } <= set(buyers)
        assert any(f.ordered > f.committed for f in queries.offer_figures(campaign.id))
    assert len(queries.offer_figures(open_one.id)) == 3
    assert (
        db.session.execute(
            db.select(db.func.count(Order.id)).where(Order.campaign_id == open_one.id)
        ).scalar_one()
        == 5
    )


def test_demo_campaigns_without_catalogue_skip_offers(app):
    organisations.load()
    load_reference_data()
    campaigns.load()
    assert db.session.execute(db.select(db.func.count(Campaign.id))).scalar_one() == 4
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 0
