"""Consolidation reads and writes in bulk: the number of statements does not grow with lines."""

from __future__ import annotations

from nrhub.consolidation import services
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
from tests import factories
from tests.consolidation import factories as f
from tests.queries import count_queries


def bigger_campaign(world, buyers: int, offers: int):
    campaign = f.campaign(f"Campagne de {buyers} acheteurs")
    items = [
        f.offer(campaign, factories.ListingFactory(refurbisher=world.refurbisher_a), 5)
        for _ in range(offers)
    ]
    for n in range(buyers):
        buyer = factories.BuyerFactory()
        factories.UserFactory(organisation=buyer)
        f.order(campaign, buyer, [(item, 1 + n % 3) for item in items], f.at(n))
    db.session.commit()
    return campaign


def test_preview_runs_the_same_queries_whatever_the_size(world):
    with count_queries() as small:
        services.preview_consolidation(world.campaign)
    large_campaign = bigger_campaign(world, 12, 4)
    with count_queries() as large:
        preview = services.preview_consolidation(large_campaign)
    assert sum(len(o.buyers) for o in preview.offers) == 48
    # Offers, tiers, order lines, overrides, maintenance chosen, and the session's own.
    assert len(large) == len(small) <= 7


def test_confirmation_runs_the_same_queries_whatever_the_size(world):
    with count_queries() as small, unit_of_work():
        services.confirm_consolidation(world.campaign, by=world.coordinator)
    large_campaign = bigger_campaign(world, 12, 4)
    with count_queries() as large, unit_of_work():
        services.confirm_consolidation(large_campaign, by=world.coordinator)
    # The e-mails read the people of the organisations in one query too, are written to the
    # outbox in one INSERT, and sent after the commit with one claim and one update; the
    # buyers' commitments are copied onto their deliveries in one UPDATE; the listings that
    # integrate recycled materials are read in one SELECT.
    assert len(large) <= len(small), (len(large), len(small))
    assert len(small) <= 34, "\n".join(s[:90] for s in small)
